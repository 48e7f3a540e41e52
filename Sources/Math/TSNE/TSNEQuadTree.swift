import Foundation

/// A 2-D Barnes-Hut quadtree over the embedding, built top-down by partitioning a permutation
/// of point indices (every node owns a contiguous range; the build is deterministic).
struct TSNEQuadTree {
    /// One cell: 56 bytes, so a visit in the hot loop touches a single cache line.
    struct Node {
        var comX: Double, comY: Double
        var minX: Double, minY: Double, size: Double
        var count: Int32
        /// Index of the first of four consecutive children, or −1 for a leaf.
        var firstChild: Int32
        var start: Int32, end: Int32
    }

    private(set) var nodes: [Node] = []
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
        nodes.reserveCapacity(2 * n)
        addNode(x: lx, y: ly, size: side, start: 0, end: n)
        var scratch = [Int32](repeating: 0, count: n)
        var stack: [(Int, Int)] = [(0, 0)]
        while let (node, depth) = stack.popLast() {
            let s = Int(nodes[node].start), e = Int(nodes[node].end)
            if e - s <= 1 || depth >= Self.maxDepth { continue }
            let half = nodes[node].size / 2, mx = nodes[node].minX + half, my = nodes[node].minY + half
            // Counting sort of the range into quadrants 0 (SW) 1 (SE) 2 (NW) 3 (NE).
            func quadrant(_ p: Int32) -> Int {
                (y[2 * Int(p)] >= mx ? 1 : 0) + (y[2 * Int(p) + 1] >= my ? 2 : 0)
            }
            var bounds = [0, 0, 0, 0, 0]
            for t in s..<e { bounds[quadrant(order[t]) + 1] += 1 }
            bounds[0] = s
            for q in 1...4 { bounds[q] += bounds[q - 1] }
            var offs = Array(bounds[0..<4])
            for t in s..<e { let q = quadrant(order[t]); scratch[offs[q]] = order[t]; offs[q] += 1 }
            for t in s..<e { order[t] = scratch[t] }
            let first = nodes.count
            nodes[node].firstChild = Int32(first)
            let x0 = nodes[node].minX, y0 = nodes[node].minY
            for q in 0..<4 {
                addNode(x: q & 1 == 0 ? x0 : mx, y: q & 2 == 0 ? y0 : my, size: half, start: bounds[q], end: bounds[q + 1])
            }
            for q in 0..<4 where bounds[q + 1] > bounds[q] { stack.append((first + q, depth + 1)) }
        }
    }

    private mutating func addNode(x: Double, y py: Double, size s: Double, start: Int, end: Int) {
        var sx = 0.0, sy = 0.0
        for t in start..<end { let p = Int(order[t]); sx += y[2 * p]; sy += y[2 * p + 1] }
        let c = end - start
        nodes.append(Node(comX: c > 0 ? sx / Double(c) : 0, comY: c > 0 ? sy / Double(c) : 0,
                          minX: x, minY: py, size: s, count: Int32(c), firstChild: -1,
                          start: Int32(start), end: Int32(end)))
    }

    /// Repulsive numerators `Σ_j w_ij² (y_i − y_j)` into `rep` (row-major [n, 2]); returns Z.
    /// A cell of side s whose centre of mass is at distance r is summarised when s < θ·r and it
    /// does not contain the point itself.
    func repulsion(theta: Double, threads: Int, into rep: inout [Double]) -> Double {
        let t2 = theta * theta
        return nodes.withUnsafeBufferPointer { nb in order.withUnsafeBufferPointer { ob in
            y.withUnsafeBufferPointer { yb in rep.withUnsafeMutableBufferPointer { rb in
                let v = TSNETreeView(nodes: nb.baseAddress!, order: ob.baseAddress!, y: yb.baseAddress!)
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
    }
}

/// Raw pointers into a tree for the hot traversal loop.
struct TSNETreeView: @unchecked Sendable {
    let nodes: UnsafePointer<TSNEQuadTree.Node>
    let order: UnsafePointer<Int32>
    let y: UnsafePointer<Double>

    @inline(__always)
    func force(_ i: Int, _ theta2: Double, _ stack: UnsafeMutablePointer<Int32>, _ out: TSNEShared<Double>) -> Double {
        let xi = y[2 * i], yi = y[2 * i + 1]
        var fx = 0.0, fy = 0.0, z = 0.0
        var top = 1
        stack[0] = 0
        while top > 0 {
            top -= 1
            let node = nodes[Int(stack[top])]
            if node.count == 0 { continue }
            if node.firstChild < 0 {
                // Leaf: exact interactions with its points (more than one only for duplicates/depth limit).
                for t in Int(node.start)..<Int(node.end) {
                    let j = Int(order[t])
                    if j == i { continue }
                    let ex = xi - y[2 * j], ey = yi - y[2 * j + 1]
                    let w = 1 / (1 + ex * ex + ey * ey)
                    z += w; fx += w * w * ex; fy += w * w * ey
                }
                continue
            }
            let dx = xi - node.comX, dy = yi - node.comY
            let d2 = dx * dx + dy * dy
            let s = node.size
            let inside = xi >= node.minX && xi <= node.minX + s && yi >= node.minY && yi <= node.minY + s
            if !inside && s * s < theta2 * d2 {
                let w = 1 / (1 + d2), cw = Double(node.count) * w
                z += cw; fx += cw * w * dx; fy += cw * w * dy
            } else {
                let fc = node.firstChild
                stack[top] = fc; stack[top + 1] = fc + 1; stack[top + 2] = fc + 2; stack[top + 3] = fc + 3
                top += 4
            }
        }
        out[2 * i] = fx; out[2 * i + 1] = fy
        return z
    }
}
