extension Tensor {
    /// `self · Wᵀ + bias` for `self` of shape [n, in] and `weight` [out, in] (PyTorch's Linear layout).
    public func linear(_ weight: Tensor, bias: Tensor? = nil) -> Tensor {
        let n = rows, k = cols, out = weight.rows
        precondition(weight.cols == k, "linear: input width \(k) ≠ weight in_features \(weight.cols)")
        var result = [Float](repeating: 0, count: n * out)
        if let bias {
            precondition(bias.count == out, "linear: bias has \(bias.count) values, expected \(out)")
            for i in 0..<n { for j in 0..<out { result[i * out + j] = bias.data[j] } }
        }
        data.withUnsafeBufferPointer { a in
            weight.data.withUnsafeBufferPointer { w in
                result.withUnsafeMutableBufferPointer { c in
                    BLAS.sgemm(transB: true, m: n, n: out, k: k, a: a.baseAddress!, lda: k,
                               b: w.baseAddress!, ldb: k, beta: bias == nil ? 0 : 1, c: c.baseAddress!, ldc: out)
                }
            }
        }
        var s = shape; if s.isEmpty { s = [out] } else { s[s.count - 1] = out }
        return Tensor(shape: s, data: result)
    }

    /// Matrix product `self · other` ([m, k] · [k, n]).
    public func matmul(_ other: Tensor, transposeOther: Bool = false) -> Tensor {
        let m = rows, k = cols
        let n = transposeOther ? other.rows : other.cols
        precondition((transposeOther ? other.cols : other.rows) == k, "matmul: inner dimension mismatch")
        var result = [Float](repeating: 0, count: m * n)
        data.withUnsafeBufferPointer { a in
            other.data.withUnsafeBufferPointer { b in
                result.withUnsafeMutableBufferPointer { c in
                    BLAS.sgemm(transB: transposeOther, m: m, n: n, k: k, a: a.baseAddress!, lda: k,
                               b: b.baseAddress!, ldb: other.cols, c: c.baseAddress!, ldc: n)
                }
            }
        }
        return Tensor(shape: [m, n], data: result)
    }

    public static func + (lhs: Tensor, rhs: Tensor) -> Tensor {
        precondition(lhs.shape == rhs.shape, "add: shapes \(lhs.shape) and \(rhs.shape)")
        var out = lhs
        out.data.withUnsafeMutableBufferPointer { o in
            rhs.data.withUnsafeBufferPointer { r in for i in 0..<o.count { o[i] += r[i] } }
        }
        return out
    }
}
