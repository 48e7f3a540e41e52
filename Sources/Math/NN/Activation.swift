import Foundation

/// The activations LLaVA-1.5 and its relatives use, named as transformers' `ACT2FN` names them.
public enum Activation: String, Sendable, Codable, CaseIterable {
    /// Exact GELU, `0.5·x·(1 + erf(x/√2))` (`"gelu"`, the LLaVA projector).
    case gelu
    /// Tanh approximation (`"gelu_pytorch_tanh"`, `"gelu_new"`, `"gelu_fast"` all compute this form).
    case geluTanh = "gelu_pytorch_tanh"
    /// `x·σ(1.702·x)` (CLIP).
    case quickGelu = "quick_gelu"
    /// `x·σ(x)` (Llama MLP gate; `"swish"` is the same).
    case silu

    /// Parses a transformers activation name; `nil` for names keyscope does not implement.
    public init?(transformersName name: String) {
        switch name {
        case "gelu": self = .gelu
        case "gelu_pytorch_tanh", "gelu_new", "gelu_fast", "gelu_python_tanh": self = .geluTanh
        case "quick_gelu": self = .quickGelu
        case "silu", "swish": self = .silu
        default: return nil
        }
    }

    @inlinable
    public func scalar(_ x: Float) -> Float {
        switch self {
        case .gelu: return 0.5 * x * (1 + erff(x * 0.70710678118654752))
        case .geluTanh:
            let inner = 0.79788456080286536 * (x + 0.044715 * x * x * x)
            return 0.5 * x * (1 + tanhf(inner))
        case .quickGelu: return x / (1 + expf(-1.702 * x))
        case .silu: return x / (1 + expf(-x))
        }
    }

    /// Applies the activation in place.
    public func apply(_ x: inout Tensor) {
        let f = self
        x.data.withUnsafeMutableBufferPointer { p in
            for i in 0..<p.count { p[i] = f.scalar(p[i]) }
        }
    }

    public func callAsFunction(_ x: Tensor) -> Tensor {
        var y = x
        apply(&y)
        return y
    }
}
