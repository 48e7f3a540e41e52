import Foundation

/// t-SNE gradients in openTSNE's convention: `g_i = Σ_j (α p_ij − q_ij) w_ij (y_i − y_j)` with
/// `w_ij = 1 / (1 + ‖y_i − y_j‖²)`, `q_ij = w_ij / Z`, exaggeration α. This is ¼ ∂KL/∂y_i.
///
/// Attractive forces run over P's sparse rows; repulsive forces are exact O(n²) or Barnes-Hut.
/// Every path writes disjoint rows per chunk and reduces Z in chunk order (deterministic).
enum TSNEGradient {
    /// Exact gradient; returns Z = Σ_{i≠j} w_ij.
    static func exact(_ y: [Double], affinities p: TSNEAffinities, exaggeration: Double,
                      threads: Int, into grad: inout [Double]) -> Double {
        let n = p.n
        var rep = [Double](repeating: 0, count: 2 * n)
        let z = y.withUnsafeBufferPointer { yb in
            rep.withUnsafeMutableBufferPointer { rb in
                let yp = UnsafeSendableBox(yb.baseAddress!), out = TSNEShared(base: rb.baseAddress!)
                return TSNEParallel.sum(n: n, threads: threads) { rows in
                    var zc = 0.0
                    let y = yp.value
                    for i in rows {
                        let xi = y[2 * i], yi = y[2 * i + 1]
                        var fx = 0.0, fy = 0.0
                        // Plain while loop over raw pointers: also fast in debug builds (tests).
                        var j = 0
                        while j < n {
                            if j != i {
                                let dx = xi - y[2 * j], dy = yi - y[2 * j + 1]
                                let w = 1 / (1 + dx * dx + dy * dy)
                                zc += w
                                let w2 = w * w
                                fx += w2 * dx; fy += w2 * dy
                            }
                            j += 1
                        }
                        out[2 * i] = fx; out[2 * i + 1] = fy
                    }
                    return zc
                }
            }
        }
        combine(y, affinities: p, exaggeration: exaggeration, repulsive: rep, z: z, threads: threads, into: &grad)
        return z
    }

    /// Barnes-Hut gradient with opening angle θ; returns the estimated Z.
    static func barnesHut(_ y: [Double], affinities p: TSNEAffinities, exaggeration: Double, theta: Double,
                          threads: Int, into grad: inout [Double]) -> Double {
        let tree = TSNEQuadTree(y, n: p.n)
        var rep = [Double](repeating: 0, count: 2 * p.n)
        let z = tree.repulsion(theta: theta, threads: threads, into: &rep)
        combine(y, affinities: p, exaggeration: exaggeration, repulsive: rep, z: z, threads: threads, into: &grad)
        return z
    }

    /// `grad = α·attractive − repulsive / Z`.
    static func combine(_ y: [Double], affinities p: TSNEAffinities, exaggeration: Double, repulsive: [Double],
                        z: Double, threads: Int, into grad: inout [Double]) {
        let n = p.n
        if grad.count != 2 * n { grad = [Double](repeating: 0, count: 2 * n) }
        let invZ = 1 / z
        y.withUnsafeBufferPointer { yb in repulsive.withUnsafeBufferPointer { rb in
            p.rowStart.withUnsafeBufferPointer { sb in p.columns.withUnsafeBufferPointer { cb in
                p.values.withUnsafeBufferPointer { vb in grad.withUnsafeMutableBufferPointer { gb in
                    let yp = UnsafeSendableBox(yb.baseAddress!), rp = UnsafeSendableBox(rb.baseAddress!)
                    let sp = UnsafeSendableBox(sb.baseAddress!), cp = UnsafeSendableBox(cb.baseAddress!)
                    let vp = UnsafeSendableBox(vb.baseAddress!), out = TSNEShared(base: gb.baseAddress!)
                    TSNEParallel.forEachChunk(n: n, threads: threads) { _, rows in
                        let y = yp.value
                        for i in rows {
                            let xi = y[2 * i], yi = y[2 * i + 1]
                            var ax = 0.0, ay = 0.0
                            for e in sp.value[i]..<sp.value[i + 1] {
                                let j = Int(cp.value[e])
                                let dx = xi - y[2 * j], dy = yi - y[2 * j + 1]
                                let pw = vp.value[e] / (1 + dx * dx + dy * dy)
                                ax += pw * dx; ay += pw * dy
                            }
                            out[2 * i] = exaggeration * ax - rp.value[2 * i] * invZ
                            out[2 * i + 1] = exaggeration * ay - rp.value[2 * i + 1] * invZ
                        }
                    }
                } }
            } }
        } }
    }

    /// Exact Z = Σ_{i≠j} w_ij, O(n²).
    static func exactNormalizer(_ y: [Double], n: Int, threads: Int) -> Double {
        y.withUnsafeBufferPointer { yb in
            let yp = UnsafeSendableBox(yb.baseAddress!)
            return TSNEParallel.sum(n: n, threads: threads) { rows in
                var zc = 0.0
                let y = yp.value
                for i in rows {
                    let xi = y[2 * i], yi = y[2 * i + 1]
                    var j = 0
                    while j < n {
                        if j != i {
                            let dx = xi - y[2 * j], dy = yi - y[2 * j + 1]
                            zc += 1 / (1 + dx * dx + dy * dy)
                        }
                        j += 1
                    }
                }
                return zc
            }
        }
    }

    /// KL(P ‖ Q) = Σ p log p − Σ p log w + log Z · Σ p, for a given normaliser Z.
    static func klDivergence(_ y: [Double], affinities p: TSNEAffinities, z: Double, threads: Int) -> Double {
        var sumP = 0.0
        for v in p.values { sumP += v }
        let part = y.withUnsafeBufferPointer { yb in
            p.rowStart.withUnsafeBufferPointer { sb in p.columns.withUnsafeBufferPointer { cb in
                p.values.withUnsafeBufferPointer { vb in
                    let yp = UnsafeSendableBox(yb.baseAddress!), sp = UnsafeSendableBox(sb.baseAddress!)
                    let cp = UnsafeSendableBox(cb.baseAddress!), vp = UnsafeSendableBox(vb.baseAddress!)
                    return TSNEParallel.sum(n: p.n, threads: threads) { rows in
                        var s = 0.0
                        let y = yp.value
                        for i in rows {
                            for e in sp.value[i]..<sp.value[i + 1] {
                                let pij = vp.value[e]
                                guard pij > 0 else { continue }
                                let j = Int(cp.value[e])
                                let dx = y[2 * i] - y[2 * j], dy = y[2 * i + 1] - y[2 * j + 1]
                                // log(p / q) = log p + log(1 + d²) + log Z
                                s += pij * (log(pij) + log1p(dx * dx + dy * dy))
                            }
                        }
                        return s
                    }
                }
            } }
        }
        return part + sumP * log(z)
    }
}
