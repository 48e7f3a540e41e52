import Foundation

/// Scaled dot-product attention over packed heads, with grouped-query (GQA) sharing and an optional
/// causal mask.
///
/// Inputs are the projections as the linear layers produce them: `q` `[T, Hq·d]`, `k` and `v`
/// `[S, Hkv·d]`. Each head is two sgemm calls on strided views of those buffers (no per-head copies,
/// no per-element dot products); query head `h` reads KV head `h / (Hq/Hkv)` as transformers'
/// `repeat_kv` does.
public enum Attention {
    public static func scaledDotProduct(q: Tensor, k: Tensor, v: Tensor, heads: Int, kvHeads: Int,
                                        headDim d: Int, causal: Bool, scale: Float? = nil) -> Tensor {
        let t = q.rows, s = k.rows
        precondition(q.cols == heads * d, "attention: q width \(q.cols) ≠ \(heads)·\(d)")
        precondition(k.cols == kvHeads * d && v.cols == kvHeads * d, "attention: k/v width ≠ \(kvHeads)·\(d)")
        precondition(v.rows == s && heads % kvHeads == 0, "attention: bad k/v rows or head grouping")
        let group = heads / kvHeads
        let alpha = scale ?? 1 / Float(d).squareRoot()
        var out = [Float](repeating: 0, count: t * heads * d)
        var scores = [Float](repeating: 0, count: t * s)
        q.data.withUnsafeBufferPointer { qp in
            k.data.withUnsafeBufferPointer { kp in
                v.data.withUnsafeBufferPointer { vp in
                    out.withUnsafeMutableBufferPointer { op in
                        scores.withUnsafeMutableBufferPointer { sp in
                            for h in 0..<heads {
                                let kv = h / group
                                BLAS.sgemm(transB: true, m: t, n: s, k: d, alpha: alpha,
                                           a: qp.baseAddress! + h * d, lda: heads * d,
                                           b: kp.baseAddress! + kv * d, ldb: kvHeads * d,
                                           c: sp.baseAddress!, ldc: s)
                                Softmax.rows(sp.baseAddress!, rows: t, cols: s, causalOffset: causal ? s - t : nil)
                                BLAS.sgemm(m: t, n: d, k: s, a: sp.baseAddress!, lda: s,
                                           b: vp.baseAddress! + kv * d, ldb: kvHeads * d,
                                           c: op.baseAddress! + h * d, ldc: heads * d)
                            }
                        }
                    }
                }
            }
        }
        return Tensor(shape: [t, heads * d], data: out)
    }
}
