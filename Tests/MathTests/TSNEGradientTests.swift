import Foundation
import Testing
@testable import Math

@Suite struct TSNEGradientTests {
    static func spread(n: Int, seed: UInt64, scale: Double) -> [Double] {
        var rng = SplitMix64(seed: seed)
        return (0..<(2 * n)).map { _ in rng.nextGaussian() * scale }
    }

    /// 4 · gradient equals central finite differences of the exact KL divergence.
    @Test func exactGradientMatchesFiniteDifferences() {
        let n = 30
        let x = TSNEAffinityTests.gaussian(n: n, d: 5, seed: 21)
        let p = TSNE.affinities(x, n: n, d: 5, perplexity: 8, threads: 1)
        var y = Self.spread(n: n, seed: 4, scale: 2)
        var g: [Double] = []
        _ = TSNEGradient.exact(y, affinities: p, exaggeration: 1, threads: 2, into: &g)
        func kl(_ y: [Double]) -> Double { TSNE.klDivergence(of: y, affinities: p, threads: 1).0 }
        let h = 1e-5
        var worst = 0.0, norm = 0.0
        for k in 0..<(2 * n) {
            let keep = y[k]
            y[k] = keep + h; let a = kl(y)
            y[k] = keep - h; let b = kl(y)
            y[k] = keep
            let fd = (a - b) / (2 * h)
            worst = max(worst, abs(4 * g[k] - fd)); norm = max(norm, abs(fd))
        }
        #expect(worst < 1e-6 * norm, "max |4g − fd| = \(worst), max |fd| = \(norm)")
    }

    /// Barnes-Hut (θ = 0.5) stays within 3 % (relative L2) of the exact gradient on maps that are
    /// not at equilibrium (openTSNE's final 3-cluster map shrunk to 1/5, compact and wide random
    /// maps), and its repulsive forces match on the converged map itself (where the net gradient
    /// is ≈ 0 and a relative error is meaningless).
    @Test func barnesHutMatchesExact() throws {
        let meta = try TSNEFixture.section("clusters")
        let n = meta["n"] as! Int, d = meta["d"] as! Int
        let x = try TSNEFixture.floats("clusters_x.f32").map(Double.init)
        let p = TSNE.affinities(x, n: n, d: d, perplexity: 30, threads: 2)
        let final = try TSNEFixture.doubles("clusters_otsne.f64")
        func rel(_ a: [Double], _ b: [Double]) -> Double {
            var num = 0.0, den = 0.0
            for k in 0..<a.count { num += (a[k] - b[k]) * (a[k] - b[k]); den += a[k] * a[k] }
            return (num / den).squareRoot()
        }
        let maps = [final.map { $0 * 0.2 }, Self.spread(n: n, seed: 9, scale: 0.5), Self.spread(n: n, seed: 10, scale: 5)]
        for (m, y) in maps.enumerated() {
            for alpha in [1.0, 12.0] {
                var ge: [Double] = [], gb: [Double] = []
                let ze = TSNEGradient.exact(y, affinities: p, exaggeration: alpha, threads: 2, into: &ge)
                let zb = TSNEGradient.barnesHut(y, affinities: p, exaggeration: alpha, theta: 0.5, threads: 2, into: &gb)
                #expect(rel(ge, gb) < 0.03, "map \(m), α \(alpha): relative error \(rel(ge, gb))")
                #expect(abs(zb - ze) / ze < 0.01)
            }
        }
        // Repulsion alone on the converged map: exact Σ w²(yi − yj) vs the tree's.
        var exactRep = [Double](repeating: 0, count: 2 * n)
        for i in 0..<n { for j in 0..<n where j != i {
            let dx = final[2 * i] - final[2 * j], dy = final[2 * i + 1] - final[2 * j + 1]
            let w = 1 / (1 + dx * dx + dy * dy)
            exactRep[2 * i] += w * w * dx; exactRep[2 * i + 1] += w * w * dy
        } }
        var treeRep = [Double](repeating: 0, count: 2 * n)
        _ = TSNEQuadTree(final, n: n).repulsion(theta: 0.5, threads: 2, into: &treeRep)
        #expect(rel(exactRep, treeRep) < 0.03)
    }

    /// θ = 0 opens every cell, so Barnes-Hut reduces to the exact sum.
    @Test func barnesHutWithZeroThetaIsExact() {
        let n = 200
        let x = TSNEAffinityTests.gaussian(n: n, d: 4, seed: 2)
        let p = TSNE.affinities(x, n: n, d: 4, perplexity: 15, threads: 2)
        var y = Self.spread(n: n, seed: 13, scale: 3)
        y[2] = y[0]; y[3] = y[1]  // a duplicate point must not break the tree
        var ge: [Double] = [], gb: [Double] = []
        let ze = TSNEGradient.exact(y, affinities: p, exaggeration: 1, threads: 2, into: &ge)
        let zb = TSNEGradient.barnesHut(y, affinities: p, exaggeration: 1, theta: 0, threads: 2, into: &gb)
        #expect(abs(zb - ze) < 1e-9 * ze)
        for k in 0..<(2 * n) { #expect(abs(ge[k] - gb[k]) < 1e-9) }
    }
}
