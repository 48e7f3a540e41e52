import Foundation

/// Numerically stable softmax over the rows of a matrix, optionally causal.
///
/// Attention spends its non-GEMM time here, so it works in place on raw row pointers (the scores
/// buffer the attention kernel already owns) instead of allocating tensors.
public enum Softmax {
    /// Softmax of each of `rows` rows of length `cols` (row stride `stride`), in place.
    ///
    /// With `causalOffset` set, row `i` keeps only columns `j ≤ i + causalOffset` and writes exact
    /// zeros elsewhere (PyTorch's `-inf` mask gives the same). Queries that are the last `T` of `S`
    /// keys use offset `S − T`.
    public static func rows(_ p: UnsafeMutablePointer<Float>, rows: Int, cols: Int, stride: Int? = nil,
                            causalOffset: Int? = nil) {
        let ld = stride ?? cols
        for i in 0..<rows {
            let row = p + i * ld
            let live = causalOffset.map { min(cols, max(0, i + $0 + 1)) } ?? cols
            guard live > 0 else {
                for j in 0..<cols { row[j] = 0 }
                continue
            }
            var m = -Float.infinity
            for j in 0..<live { m = max(m, row[j]) }
            var sum: Float = 0
            for j in 0..<live {
                let e = expf(row[j] - m)
                row[j] = e
                sum += e
            }
            let inv = 1 / sum
            for j in 0..<live { row[j] *= inv }
            for j in live..<cols { row[j] = 0 }
        }
    }

    /// Row softmax of a tensor (last dimension), optionally causal.
    public static func apply(_ x: Tensor, causal: Bool = false) -> Tensor {
        var out = x
        let r = x.rows, c = x.cols
        out.data.withUnsafeMutableBufferPointer { buf in
            rows(buf.baseAddress!, rows: r, cols: c, causalOffset: causal ? c - r : nil)
        }
        return out
    }
}
