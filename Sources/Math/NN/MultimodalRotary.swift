import Foundation

/// Three position rows (temporal, height, width) per token, as Qwen2-VL's `get_rope_index` builds them.
/// Text tokens carry the same value in all three rows.
public struct MultimodalPositions: Sendable, Equatable, Codable {
    public var t: [Int]
    public var h: [Int]
    public var w: [Int]

    public init(t: [Int], h: [Int], w: [Int]) {
        precondition(t.count == h.count && h.count == w.count, "MultimodalPositions: rows differ in length")
        self.t = t; self.h = h; self.w = w
    }

    /// 1-D positions `range` repeated in the three rows (text-only prompts).
    public init(sequential range: Range<Int>) {
        let p = Array(range)
        self.init(t: p, h: p, w: p)
    }

    public var count: Int { t.count }
    public var rows: [[Int]] { [t, h, w] }

    /// Tokens `range` of all three rows.
    public func slice(_ range: Range<Int>) -> MultimodalPositions {
        MultimodalPositions(t: Array(t[range]), h: Array(h[range]), w: Array(w[range]))
    }
}

extension RotaryEmbedding {
    /// Multimodal RoPE tables (Qwen2-VL `mrope_section`): frequency `i` of the `headDim / 2` takes its
    /// position from row `t` for the first `section[0]` frequencies, `h` for the next `section[1]`,
    /// `w` for the last `section[2]`; the half-table is then repeated as `cat(freqs, freqs)`.
    /// With all three rows equal this is exactly `tables(positions:)`.
    public func multimodalTables(positions p: MultimodalPositions, section: [Int]) -> (cos: Tensor, sin: Tensor) {
        let half = headDim / 2
        precondition(section.reduce(0, +) == half, "M-RoPE: mrope_section \(section) must sum to head_dim/2 = \(half)")
        let inv = inverseFrequencies(sequenceLength: (p.rows.flatMap { $0 }.max() ?? -1) + 1)
        var axis = [Int](repeating: 0, count: half)
        var start = 0
        for (a, s) in section.enumerated() { for i in start..<(start + s) { axis[i] = a % 3 }; start += s }
        let rows = p.rows
        return Self.fill(count: p.count, headDim: headDim) { t, i in Float(rows[axis[i]][t]) * inv[i] }
    }

    /// Axial 2-D tables of the Qwen2.5-VL vision tower for a `headDim`-wide head: `inverseFrequencies`
    /// of this embedding (built with `headDim / 2`, so `headDim / 4` values) times the row position,
    /// then the same frequencies times the column position, the pair repeated twice.
    public func axialTables(rows h: [Int], columns w: [Int], headDim full: Int) -> (cos: Tensor, sin: Tensor) {
        precondition(h.count == w.count && full == 2 * headDim, "axial RoPE: use an embedding of head_dim/2")
        let inv = inverseFrequencies(sequenceLength: 0), q = inv.count
        return Self.fill(count: h.count, headDim: full) { t, i in
            i < q ? Float(h[t]) * inv[i] : Float(w[t]) * inv[i - q]
        }
    }

    /// Tables `[count, d]` from angles of the first `d / 2` columns (Float32 products, as torch forms them).
    static func fill(count n: Int, headDim d: Int, angle: (Int, Int) -> Float) -> (cos: Tensor, sin: Tensor) {
        let half = d / 2
        var c = [Float](repeating: 0, count: n * d), s = c
        for t in 0..<n {
            for i in 0..<half {
                let a = angle(t, i)
                let cv = Float(Foundation.cos(Double(a))), sv = Float(Foundation.sin(Double(a)))
                c[t * d + i] = cv; c[t * d + half + i] = cv
                s[t * d + i] = sv; s[t * d + half + i] = sv
            }
        }
        return (Tensor(shape: [n, d], data: c), Tensor(shape: [n, d], data: s))
    }
}

extension Attention {
    /// Bidirectional attention restricted to consecutive segments (`cu_seqlens` boundaries
    /// `[0, b1, …, S]`): tokens attend only within their segment, as Qwen2.5-VL's windowed and
    /// per-image vision attention does. Empty segments are skipped.
    public static func segmented(q: Tensor, k: Tensor, v: Tensor, heads: Int, headDim d: Int,
                                 boundaries: [Int]) -> Tensor {
        precondition(boundaries.first == 0 && boundaries.last == q.rows, "segmented attention: bad boundaries")
        var parts: [Tensor] = []
        for (a, b) in zip(boundaries, boundaries.dropFirst()) where b > a {
            parts.append(scaledDotProduct(q: q.rows(a..<b), k: k.rows(a..<b), v: v.rows(a..<b), heads: heads,
                                          kvHeads: heads, headDim: d, causal: false))
        }
        return Tensor.concatRows(parts)
    }
}
