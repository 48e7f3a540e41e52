import Foundation
import Testing
@testable import Math

@Suite struct TSNEAffinityTests {
    static func gaussian(n: Int, d: Int, seed: UInt64) -> [Double] {
        var rng = SplitMix64(seed: seed)
        return (0..<(n * d)).map { _ in rng.nextGaussian() }
    }

    /// Row entropies of the conditional P equal log(perplexity), on the all-pairs and k-NN paths.
    @Test(arguments: [(n: 150, allPairsMax: 1000), (n: 300, allPairsMax: 100)])
    func rowEntropiesHitTarget(n: Int, allPairsMax: Int) {
        let d = 10, perplexity = 30.0
        let x = Self.gaussian(n: n, d: d, seed: 3)
        let g = n <= allPairsMax ? TSNENeighbors.allPairs(x, n: n, d: d, threads: 2)
                                 : TSNENeighbors.exactKNN(x, n: n, d: d, k: 90, threads: 2)
        let p = TSNEPerplexity.conditional(g, perplexity: perplexity, threads: 2)
        var worst = 0.0
        for i in 0..<n {
            var h = 0.0, s = 0.0
            for t in 0..<g.k { let v = p[i * g.k + t]; s += v; if v > 0 { h -= v * log(v) } }
            worst = max(worst, abs(h - log(perplexity)))
            #expect(abs(s - 1) < 1e-12)
        }
        #expect(worst < 1e-5)
    }

    /// Exact k-NN (Float32 GEMM candidates, Float64 re-ranking) equals a brute-force Float64 search.
    @Test func exactKNNMatchesBruteForce() {
        let n = 700, d = 32, k = 20
        let x = Self.gaussian(n: n, d: d, seed: 11).map { $0 + 50 }  // offset: tests the centring
        let g = TSNENeighbors.exactKNN(x, n: n, d: d, k: k, threads: 2)
        for i in stride(from: 0, to: n, by: 37) {
            var all: [(Double, Int)] = []
            for j in 0..<n where j != i {
                var s = 0.0
                for c in 0..<d { let v = x[i * d + c] - x[j * d + c]; s += v * v }
                all.append((s, j))
            }
            all.sort { $0.0 < $1.0 || ($0.0 == $1.0 && $0.1 < $1.1) }
            #expect(g.indices[(i * k)..<((i + 1) * k)].map(Int.init) == all.prefix(k).map(\.1))
            #expect(abs(g.squaredDistances[i * k] - all[0].0) < 1e-12 * max(1, all[0].0))
        }
    }

    @Test func jointPIsSymmetricAndSumsToOne() {
        for (n, apm) in [(120, 1000), (400, 100)] {
            let x = Self.gaussian(n: n, d: 6, seed: 5)
            let p = TSNE.affinities(x, n: n, d: 6, perplexity: 20, allPairsMaxN: apm, threads: 2)
            #expect(abs(p.values.reduce(0, +) - 1) < 1e-12)
            var asym = 0.0
            for i in 0..<n {
                for e in p.rowStart[i]..<p.rowStart[i + 1] {
                    let j = Int(p.columns[e])
                    #expect(j != i)
                    asym = max(asym, abs(p.values[e] - p.value(j, i)))
                }
                #expect(zip(p.columns[p.rowStart[i]..<p.rowStart[i + 1]].dropFirst(),
                            p.columns[p.rowStart[i]..<p.rowStart[i + 1]]).allSatisfy { $0 > $1 })
            }
            #expect(asym == 0)
        }
    }

    /// P equals openTSNE 1.0.4's (`PerplexityBasedNN`, exact, all pairs, capped perplexity).
    @Test func matchesOpenTSNE() throws {
        let meta = try TSNEFixture.section("affinity")
        let n = meta["n"] as! Int, d = meta["d"] as! Int
        let x = try TSNEFixture.doubles("affinity_x.f64")
        let ref = try TSNEFixture.doubles("affinity_p.f64")
        var options = TSNEOptions(); options.perplexity = 30
        let perplexity = options.effectivePerplexity(n: n)
        #expect(abs(perplexity - (meta["perplexity"] as! Double)) < 1e-12)
        let p = TSNE.affinities(x, n: n, d: d, perplexity: perplexity, threads: 2)
        var worst = 0.0, largest = 0.0
        for i in 0..<n { for j in 0..<n {
            worst = max(worst, abs(p.value(i, j) - ref[i * n + j])); largest = max(largest, ref[i * n + j])
        } }
        #expect(worst < 1e-6 * largest, "max |ΔP| = \(worst), max P = \(largest)")
    }
}
