import Foundation

/// LayerNorm over the last dimension (CLIP): `(x − mean) / sqrt(var + eps) · weight + bias`,
/// biased variance as PyTorch uses. Statistics accumulate in Double so rounding stays below Float32's.
public struct LayerNorm: Sendable {
    public let weight: Tensor
    public let bias: Tensor
    public let eps: Float

    public init(weight: Tensor, bias: Tensor, eps: Float) {
        precondition(weight.count == bias.count, "LayerNorm: weight \(weight.count) ≠ bias \(bias.count)")
        self.weight = weight; self.bias = bias; self.eps = eps
    }

    public func callAsFunction(_ x: Tensor) -> Tensor {
        let n = x.rows, d = x.cols
        precondition(d == weight.count, "LayerNorm: width \(d) ≠ weight \(weight.count)")
        var out = x
        out.data.withUnsafeMutableBufferPointer { o in
            weight.data.withUnsafeBufferPointer { w in
                bias.data.withUnsafeBufferPointer { b in
                    for i in 0..<n {
                        let row = o.baseAddress! + i * d
                        var s = 0.0, s2 = 0.0
                        for j in 0..<d { s += Double(row[j]) }
                        let mean = s / Double(d)
                        for j in 0..<d { let c = Double(row[j]) - mean; s2 += c * c }
                        let inv = Float(1 / (s2 / Double(d) + Double(eps)).squareRoot())
                        let m = Float(mean)
                        for j in 0..<d { row[j] = (row[j] - m) * inv * w[j] + b[j] }
                    }
                }
            }
        }
        return out
    }
}

/// RMSNorm over the last dimension (Llama): `weight · (x · rsqrt(mean(x²) + eps))`, in the order
/// transformers' `LlamaRMSNorm` multiplies.
public struct RMSNorm: Sendable {
    public let weight: Tensor
    public let eps: Float

    public init(weight: Tensor, eps: Float) {
        self.weight = weight; self.eps = eps
    }

    public func callAsFunction(_ x: Tensor) -> Tensor {
        let n = x.rows, d = x.cols
        precondition(d == weight.count, "RMSNorm: width \(d) ≠ weight \(weight.count)")
        var out = x
        out.data.withUnsafeMutableBufferPointer { o in
            weight.data.withUnsafeBufferPointer { w in
                for i in 0..<n {
                    let row = o.baseAddress! + i * d
                    var s2 = 0.0
                    for j in 0..<d { s2 += Double(row[j]) * Double(row[j]) }
                    let inv = Float(1 / (s2 / Double(d) + Double(eps)).squareRoot())
                    for j in 0..<d { row[j] = w[j] * (row[j] * inv) }
                }
            }
        }
        return out
    }
}
