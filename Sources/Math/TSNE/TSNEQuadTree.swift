import Foundation

/// A 2-D Barnes-Hut quadtree over the embedding, built top-down by partitioning a permutation
/// of point indices (so every node owns a contiguous range; build order is deterministic).
struct TSNEQuadTree {
    /// Cell geometry and summary, one entry per node (struct-of-arrays for cache use).
    private(set) var minX: [Double] = [], minY: [Double] = [], size: [Double] = []
    private(set) var comX: [Double] = [], comY: [Double] = [], count: [Int32] = []
    /// Index of the first of four consecutive children, or −1 for a leaf.
    private(set) var firstChild: [Int32] = []
    private(set) var rangeStart: [Int32] = [], rangeEnd: [Int32] = []
    private(set) var order: [Int32]
    let y: [Double]
    let n: Int
    static let maxDepth = 48

    init(_ y: [Double], n: Int) {
        self.y = y; self.n = n
        order = (0..<Int32(n)).map { $0 }
        var lx = Double.infinity, ly = Double.infinity, hx = -Double.infinity, hy = -Double.infinity
        for i in 0..<n {
            lx = min(lx, y[2 * i]); hx = max(hx, y[2 * i])
            ly = min(ly, y[2 * i + 1]); hy = max(hy, y[2 * i + 1])
        }
        let side = max(hx - lx, hy - ly) * (1 + 1e-9) + 1e-12
        reserve(2 * n)
        addNode(x: lx, y: ly, size: side, start: 0, end: n)
        var scratch = [Int32](repeating: 0, count: n)
        var stack: [(Int, Int)] = [(0, 0)]
        while let (node, depth) = stack.popLast() {
            let s = Int(rangeStart[node]), e = Int(rangeEnd[node])
            if e - s <= 1 || depth >= Self.maxDepth { continue }
            let half = size[node] / 2, mx = minX[node] + half, my = minY[node] + half
            // Counting sort of the range into quadrants 0 (SW) 1 (SE) 2 (NW) 3 (NE).
            var counts = (0, 0, 0, 0)
            func quadrant(_ p: Int32) -> Int {
                (y[2 * Int(p)] >= mx ? 1 : 0) + (y[2 * Int(p) + 1] >= my ? 2 : 0)
            }
            for t in s..<e {
                switch quadrant(order[t]) {
                case 0: counts.0 += 1
                case 1: counts.1 += 1
                case 2: counts.2 += 1
                default: counts.3 += 1
                }
            }
            var offs = [s, s + counts.0, s + counts.0 + counts.1, s + counts.0 + counts.1 + counts.2]
            let bounds = offs + [e]
            for t in s..<e { let q = quadrant(order[t]); scratch[offs[q]] = order[t]; offs[q] += 1 }
            for t in s..<e { order[t] = scratch[t] }
            let first = minX.count
            firstChild[node] = Int32(first)
            for q in 0..<4 {
                addNode(x: q & 1 == 0 ? minX[node] : mx, y: q & 2 == 0 ? minY[node] : my, size: half,
                        start: bounds[q], end: bounds[q + 1])
            }
            for q in 0..<4 where bounds[q + 1] > bounds[q] { stack.append((first + q, depth + 1)) }
        }
    }

    private mutating func reserve(_ c: Int) {
        for a in [\Self.minX, \Self.minY, \Self.size, \Self.comX, \Self.comY] as [WritableKeyPath<Self, [Double]>] {
            self[keyPath: a].reserveCapacity(c)
        }
        count.reserveCapacity(c); firstChild.reserveCapacity(c); rangeStart.reserveCapacity(c); rangeEnd.reserveCapacity(c)
    }

    private mutating func addNode(x: Double, y py: Double, size s: Double, start: Int, end: Int) {
        var sx = 0.0, sy = 0.0
        for t in start..<end { let p = Int(order[t]); sx += y[2 * p]; sy += y[2 * p + 1] }
        let c = end - start
        minX.append(x); minY.append(py); size.append(s)
        comX.append(c > 0 ? sx / Double(c) : 0); comY.append(c > 0 ? sy / Double(c) : 0)
        count.append(Int32(c)); firstChild.append(-1)
        rangeStart.append(Int32(start)); rangeEnd.append(Int32(end))
    }

    /// Repulsive numerators `Σ_j w_ij² (y_i − y_j)` into `rep` (row-major [n, 2]); returns Z.
    /// A cell of side s whose centre of mass is at distance r is summarised when s < θ·r and it
    /// does not contain the point itself.
    func repulsion(theta: Double, threads: Int, into rep: inout [Double]) -> Double {
        let t2 = theta * theta
        return minX.withUnsafeBufferPointer { mxb in minY.withUnsafeBufferPointer { myb in
            size.withUnsafeBufferPointer { szb in comX.withUnsafeBufferPointer { cxb in
                comY.withUnsafeBufferPointer { cyb in count.withUnsafeBufferPointer { cnb in
                    firstChild.withUnsafeBufferPointer { fcb in rangeStart.withUnsafeBufferPointer { rsb in
                        rangeEnd.withUnsafeBufferPointer { reb in order.withUnsafeBufferPointer { ob in
                            y.withUnsafeBufferPointer { yb in rep.withUnsafeMutableBufferPointer { rb in
                                let v = TSNETreeView(minX: mxb.baseAddress!, minY: myb.baseAddress!,
                                                     size: szb.baseAddress!, comX: cxb.baseAddress!,
                                                     comY: cyb.baseAddress!, count: cnb.baseAddress!,
                                                     firstChild: fcb.baseAddress!, rangeStart: rsb.baseAddress!,
                                                     rangeEnd: reb.baseAddress!, order: ob.baseAddress!,
                                                     y: yb.baseAddress!)
                                let out = TSNEShared(base: rb.baseAddress!)
                                return TSNEParallel.sum(n: n, threads: threads) { rows in
                                    var stack = [Int32](repeating: 0, count: 4 * (Self.maxDepth + 2))
                                    return stack.withUnsafeMutableBufferPointer { st in
                                        var z = 0.0
                                        for i in rows { z += v.force(i, t2, st.baseAddress!, out) }
                                        return z
                                    }
                                }
                            } }
                        } }
                    } }
                } }
            } }
        } }
    }
}

/// Raw pointers into a tree for the hot traversal loop.
struct TSNETreeView: @unchecked Sendable {
    let minX, minY, size, comX, comY: UnsafePointer<Double>
    let count: UnsafePointer<Int32>
    let firstChild, rangeStart, rangeEnd, order: UnsafePointer<Int32>
    let y: UnsafePointer<Double>

    @inline(__always)
    func force(_ i: Int, _ theta2: Double, _ stack: UnsafeMutablePointer<Int32>, _ out: TSNEShared<Double>) -> Double {
        let xi = y[2 * i], yi = y[2 * i + 1]
        var fx = 0.0, fy = 0.0, z = 0.0
        var top = 1
        stack[0] = 0
        while top > 0 {
            top -= 1
            let node = Int(stack[top])
            let c = count[node]
            if c == 0 { continue }
            let dx = xi - comX[node], dy = yi - comY[node]
            let d2 = dx * dx + dy * dy
            let s = size[node]
            let fc = firstChild[node]
            if fc < 0 {
                // Leaf: exact interactions with its points (more than one only for duplicates/depth limit).
                for t in Int(rangeStart[node])..<Int(rangeEnd[node]) {
                    let j = Int(order[t])
                    if j == i { continue }
                    let ex = xi - y[2 * j], ey = yi - y[2 * j + 1]
                    let w = 1 / (1 + ex * ex + ey * ey)
                    z += w; fx += w * w * ex; fy += w * w * ey
                }
                continue
            }
            let inside = xi >= minX[node] && xi <= minX[node] + s && yi >= minY[node] && yi <= minY[node] + s
            if !inside && s * s < theta2 * d2 {
                let w = 1 / (1 + d2), cw = Double(c) * w
                z += cw; fx += cw * w * dx; fy += cw * w * dy
            } else {
                for q in 0..<4 { stack[top] = fc + Int32(q); top += 1 }
            }
        }
        out[2 * i] = fx; out[2 * i + 1] = fy
        return z
    }
}
