import Foundation

/// The symmetric joint-probability matrix P of t-SNE in CSR form (rows sorted by column).
///
/// `P = (P_cond + P_condᵀ) / (2n)`, so it is symmetric and sums to 1. Kept sparse even for the
/// all-pairs case so that one gradient code path serves both.
public struct TSNEAffinities: Sendable, Equatable {
    public let n: Int
    public let rowStart: [Int]
    public let columns: [Int32]
    public let values: [Double]
    /// The perplexity each row was calibrated to.
    public let perplexity: Double
    public let neighborMethod: TSNENeighborMethod

    public var nonZeros: Int { values.count }

    /// Entry (i, j), 0 when absent (binary search in row i).
    public func value(_ i: Int, _ j: Int) -> Double {
        var lo = rowStart[i], hi = rowStart[i + 1]
        while lo < hi {
            let mid = (lo + hi) / 2
            let c = Int(columns[mid])
            if c == j { return values[mid] }
            if c < j { lo = mid + 1 } else { hi = mid }
        }
        return 0
    }

    /// Builds P for row-major `x` (`n × d`): neighbours, per-row calibration, symmetrisation.
    public static func compute(_ x: [Double], n: Int, d: Int, perplexity: Double,
                               allPairsMaxN: Int = 1000, threads: Int) -> TSNEAffinities {
        let graph: TSNENeighborGraph
        let method: TSNENeighborMethod
        if n <= allPairsMaxN {
            graph = TSNENeighbors.allPairs(x, n: n, d: d, threads: threads)
            method = .allPairs
        } else {
            let k = min(n - 1, Int(3 * perplexity))
            graph = TSNENeighbors.exactKNN(x, n: n, d: d, k: k, threads: threads)
            method = .exactKNN
        }
        let conditional = TSNEPerplexity.conditional(graph, perplexity: perplexity, threads: threads)
        return symmetrize(graph, conditional: conditional, perplexity: perplexity, method: method)
    }

    /// `(P + Pᵀ) / (2n)` from a k-regular conditional matrix.
    static func symmetrize(_ g: TSNENeighborGraph, conditional p: [Double], perplexity: Double,
                           method: TSNENeighborMethod) -> TSNEAffinities {
        let n = g.n, k = g.k
        // Transpose counts: entry (i, j) of P contributes to rows i and j.
        var count = [Int](repeating: k, count: n)
        for e in 0..<(n * k) { count[Int(g.indices[e])] += 1 }
        var start = [Int](repeating: 0, count: n + 1)
        for i in 0..<n { start[i + 1] = start[i] + count[i] }
        var fill = Array(start.dropLast())
        var cols = [Int32](repeating: 0, count: start[n])
        var vals = [Double](repeating: 0, count: start[n])
        for i in 0..<n {
            for t in 0..<k {
                let e = i * k + t, j = Int(g.indices[e])
                cols[fill[i]] = Int32(j); vals[fill[i]] = p[e]; fill[i] += 1
                cols[fill[j]] = Int32(i); vals[fill[j]] = p[e]; fill[j] += 1
            }
        }
        // Sort every row by column and merge duplicates (i→j and j→i both present).
        let scale = 1 / (2 * Double(n))
        var outStart = [Int](repeating: 0, count: n + 1)
        var outCols: [Int32] = []; outCols.reserveCapacity(cols.count)
        var outVals: [Double] = []; outVals.reserveCapacity(cols.count)
        var order: [Int] = []
        for i in 0..<n {
            order.removeAll(keepingCapacity: true)
            order.append(contentsOf: start[i]..<start[i + 1])
            order.sort { cols[$0] < cols[$1] }
            var last: Int32 = -1
            for e in order {
                if cols[e] == last {
                    outVals[outVals.count - 1] += vals[e] * scale
                } else {
                    outCols.append(cols[e]); outVals.append(vals[e] * scale); last = cols[e]
                }
            }
            outStart[i + 1] = outCols.count
        }
        return TSNEAffinities(n: n, rowStart: outStart, columns: outCols, values: outVals,
                              perplexity: perplexity, neighborMethod: method)
    }
}

/// Per-row Gaussian calibration: find the precision β so that the entropy (nats) of
/// `p_j ∝ exp(−β d²_j)` equals log(perplexity), as openTSNE does (squared distances, natural log).
enum TSNEPerplexity {
    static let tolerance = 1e-10
    static let maxSteps = 200

    /// Conditional P (row-stochastic, `n × k`, same layout as the graph).
    static func conditional(_ g: TSNENeighborGraph, perplexity: Double, threads: Int) -> [Double] {
        var p = [Double](repeating: 0, count: g.n * g.k)
        let k = g.k
        p.withUnsafeMutableBufferPointer { pb in
            let out = TSNEShared(base: pb.baseAddress!)
            g.squaredDistances.withUnsafeBufferPointer { db in
                let dist = db.baseAddress!
                TSNEParallel.forEachChunk(n: g.n, threads: threads) { _, rows in
                    for i in rows {
                        calibrateRow(dist + i * k, count: k, perplexity: perplexity, into: out.base + i * k)
                    }
                }
            }
        }
        return p
    }

    /// Returns the row's entropy after calibration; writes the normalised probabilities.
    @discardableResult
    static func calibrateRow(_ d2: UnsafePointer<Double>, count k: Int, perplexity: Double,
                             into p: UnsafeMutablePointer<Double>) -> Double {
        let target = log(perplexity)
        // Shift by the smallest distance: exp stays in range, p is unchanged.
        var dmin = Double.infinity
        for j in 0..<k { dmin = min(dmin, d2[j]) }
        var beta = 1.0, lo = 0.0, hi = Double.infinity
        var entropy = 0.0
        for _ in 0..<maxSteps {
            var sum = 0.0, weighted = 0.0
            for j in 0..<k {
                let e = exp(-beta * (d2[j] - dmin))
                p[j] = e; sum += e; weighted += e * (d2[j] - dmin)
            }
            // H = log Σ e + β Σ e·d / Σ e
            entropy = log(sum) + beta * weighted / sum
            let inv = 1 / sum
            for j in 0..<k { p[j] *= inv }
            let diff = entropy - target
            if abs(diff) <= tolerance { break }
            if diff > 0 {  // too flat: sharpen
                lo = beta
                beta = hi.isInfinite ? beta * 2 : (beta + hi) / 2
            } else {
                hi = beta
                beta = (beta + lo) / 2
            }
        }
        return entropy
    }
}
