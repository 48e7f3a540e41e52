import Foundation
import Math

/// A PyTorch `nn.Linear` (weight `[out, in]`, optional bias) read from a checkpoint.
struct LinearLayer: Sendable {
    let weight: Tensor
    let bias: Tensor?

    init(weight: Tensor, bias: Tensor?) {
        self.weight = weight; self.bias = bias
    }

    /// Loads `<name>.weight` (and `<name>.bias` when `hasBias`), checking `[out, in]`.
    init(_ ckpt: SafetensorsCheckpoint, _ name: String, out: Int, in inFeatures: Int, hasBias: Bool) throws {
        weight = try ckpt.tensor(name + ".weight", shape: [out, inFeatures])
        bias = hasBias ? try ckpt.tensor(name + ".bias", shape: [out]) : nil
    }

    func callAsFunction(_ x: Tensor) -> Tensor { x.linear(weight, bias: bias) }
}
