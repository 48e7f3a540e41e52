import CBF16Kernels

extension Tensor {
    /// `self · Wᵀ + bias` for `self` [n, in] fp32 and bf16 `weight` [out, in], accumulated in fp32.
    ///
    /// Each output element is `bias + Σₚ x[p]·w[p]` as one sequential fused-multiply-add chain in k order
    /// (engines `avx2FMA` and `scalar`), and threads split output columns only, so the result is
    /// bit-identical for any `threads`; versus `linear(fp32 copy of weight)` over OpenBLAS only the
    /// summation order differs (relative error ~1e-6).
    public func linear(_ weight: BF16Matrix, bias: Tensor? = nil,
                       engine: BF16Engine = .current, threads: Int = Compute.threads) -> Tensor {
        let n = rows, k = cols, out = weight.rows
        precondition(weight.cols == k, "linear(bf16): input width \(k) ≠ weight in_features \(weight.cols)")
        precondition(engine.isSupported, "\(BF16Error.engineUnsupported(engine: engine.rawValue, cpu: BF16Engine.cpuSummary))")
        var result = [Float](repeating: 0, count: n * out)
        if let bias {
            precondition(bias.count == out, "linear(bf16): bias has \(bias.count) values, expected \(out)")
            for i in 0..<n { for j in 0..<out { result[i * out + j] = bias.data[j] } }
        }
        if n > 0, out > 0, k > 0 {
            data.withUnsafeBufferPointer { a in
                weight.bits.withUnsafeBufferPointer { w in
                    result.withUnsafeMutableBufferPointer { c in
                        let rc = ks_bf16_gemm_nt(engine.code, Int32(max(1, threads)), Int32(n), Int32(out), Int32(k),
                                                 a.baseAddress!, Int32(k), w.baseAddress!, Int32(k),
                                                 c.baseAddress!, Int32(out))
                        precondition(rc == 0, "linear(bf16): engine \(engine.rawValue) refused the call")
                    }
                }
            }
        }
        var s = shape; if s.isEmpty { s = [out] } else { s[s.count - 1] = out }
        return Tensor(shape: s, data: result)
    }
}
