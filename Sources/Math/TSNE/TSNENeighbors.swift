import Foundation

/// A k-regular neighbour graph: for row i, `indices[i·k ..< (i+1)·k]` and their squared
/// Euclidean distances (Float64), ascending by (distance, index).
struct TSNENeighborGraph: Sendable {
    let n: Int
    let k: Int
    let indices: [Int32]
    let squaredDistances: [Double]
}

enum TSNENeighbors {
    /// Every other point is a neighbour (small n; DESIGN §5 "exact for n ≤ 1000").
    static func allPairs(_ x: [Double], n: Int, d: Int, threads: Int) -> TSNENeighborGraph {
        let k = n - 1
        var idx = [Int32](repeating: 0, count: n * k)
        var dist = [Double](repeating: 0, count: n * k)
        x.withUnsafeBufferPointer { xb in
            let xp = xb.baseAddress!
            idx.withUnsafeMutableBufferPointer { ib in dist.withUnsafeMutableBufferPointer { db in
                let io = TSNEShared(base: ib.baseAddress!), dout = TSNEShared(base: db.baseAddress!)
                TSNEParallel.forEachChunk(n: n, threads: threads) { _, rows in
                    for i in rows {
                        var t = i * k
                        for j in 0..<n where j != i {
                            var s = 0.0
                            for c in 0..<d { let v = xp[i * d + c] - xp[j * d + c]; s += v * v }
                            io[t] = Int32(j); dout[t] = s; t += 1
                        }
                    }
                }
            } }
        }
        return TSNENeighborGraph(n: n, k: k, indices: idx, squaredDistances: dist)
    }

    /// Exact k nearest neighbours. Candidate distances come from Float32 GEMM blocks
    /// (‖a‖² + ‖b‖² − 2a·b); the chosen k are then recomputed in Float64 so that P does not
    /// inherit GEMM rounding. Ties are broken by index, so the graph is deterministic.
    static func exactKNN(_ x: [Double], n: Int, d: Int, k: Int, threads: Int) -> TSNENeighborGraph {
        // Centre first: the expanded form loses precision far from the origin.
        var mean = [Double](repeating: 0, count: d)
        for i in 0..<n { for c in 0..<d { mean[c] += x[i * d + c] } }
        for c in 0..<d { mean[c] /= Double(n) }
        var xf = [Float](repeating: 0, count: n * d)
        var norms = [Float](repeating: 0, count: n)
        for i in 0..<n {
            var s: Float = 0
            for c in 0..<d { let v = Float(x[i * d + c] - mean[c]); xf[i * d + c] = v; s += v * v }
            norms[i] = s
        }
        let block = 512
        // Slack so that Float32 rounding cannot push a true neighbour out of the candidate set.
        let cand = min(n - 1, k + 8)
        var idx = [Int32](repeating: 0, count: n * k)
        var dist = [Double](repeating: 0, count: n * k)
        var g = [Float](repeating: 0, count: min(block, n) * n)
        xf.withUnsafeBufferPointer { xb in norms.withUnsafeBufferPointer { nb in x.withUnsafeBufferPointer { xdb in
            idx.withUnsafeMutableBufferPointer { ib in dist.withUnsafeMutableBufferPointer { db in
                let np = UnsafeSendableBox(nb.baseAddress!), xd = UnsafeSendableBox(xdb.baseAddress!)
                let io = TSNEShared(base: ib.baseAddress!), dout = TSNEShared(base: db.baseAddress!)
                var r0 = 0
                while r0 < n {
                    let rows = min(block, n - r0)
                    // GEMM uses BLAS's own threads; the selection below uses ours.
                    g.withUnsafeMutableBufferPointer { gb in
                        BLAS.sgemm(transB: true, m: rows, n: n, k: d, a: xb.baseAddress! + r0 * d, lda: d,
                                   b: xb.baseAddress!, ldb: d, c: gb.baseAddress!, ldc: n)
                    }
                    g.withUnsafeBufferPointer { gb in
                        let gp = UnsafeSendableBox(gb.baseAddress!)
                        TSNEParallel.forEachChunk(n: rows, threads: threads) { _, chunk in
                            var heap = TSNEBoundedHeap(capacity: cand)
                            for r in chunk {
                                let i = r0 + r
                                heap.reset()
                                let ni = np.value[i], row = gp.value + r * n
                                for j in 0..<n where j != i { heap.offer(ni + np.value[j] - 2 * row[j], Int32(j)) }
                                // Exact Float64 distances of the candidates, then the best k.
                                var exact: [(Double, Int32)] = heap.items.map { item in
                                    let a = xd.value + i * d, b = xd.value + Int(item.1) * d
                                    var s = 0.0
                                    for c in 0..<d { let v = a[c] - b[c]; s += v * v }
                                    return (s, item.1)
                                }
                                exact.sort { $0.0 < $1.0 || ($0.0 == $1.0 && $0.1 < $1.1) }
                                for t in 0..<k { io[i * k + t] = exact[t].1; dout[i * k + t] = exact[t].0 }
                            }
                        }
                    }
                    r0 += rows
                }
            } }
        } } }
        return TSNENeighborGraph(n: n, k: k, indices: idx, squaredDistances: dist)
    }
}

/// Keeps the `capacity` smallest (value, index) pairs seen; a max-heap on (value, index).
struct TSNEBoundedHeap {
    let capacity: Int
    private(set) var items: [(Float, Int32)] = []

    init(capacity: Int) { self.capacity = capacity; items.reserveCapacity(capacity) }

    mutating func reset() { items.removeAll(keepingCapacity: true) }

    @inline(__always) private func greater(_ a: (Float, Int32), _ b: (Float, Int32)) -> Bool {
        a.0 > b.0 || (a.0 == b.0 && a.1 > b.1)
    }

    mutating func offer(_ v: Float, _ j: Int32) {
        if items.count < capacity {
            items.append((v, j))
            var c = items.count - 1
            while c > 0 {
                let p = (c - 1) / 2
                if greater(items[c], items[p]) { items.swapAt(c, p); c = p } else { break }
            }
        } else if greater(items[0], (v, j)) {
            items[0] = (v, j)
            var p = 0
            while true {
                let l = 2 * p + 1, r = l + 1
                var m = p
                if l < capacity && greater(items[l], items[m]) { m = l }
                if r < capacity && greater(items[r], items[m]) { m = r }
                if m == p { break }
                items.swapAt(p, m); p = m
            }
        }
    }
}
