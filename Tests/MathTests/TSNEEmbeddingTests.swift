import Foundation
import Testing
@testable import Math

@Suite struct TSNEEmbeddingTests {
    /// The PCA start equals numpy's (eigh of the covariance, same sign rule, std 1e-4).
    @Test func pcaInitialisationMatchesNumpy() throws {
        let meta = try TSNEFixture.section("clusters")
        let n = meta["n"] as! Int, d = meta["d"] as! Int
        let x = try TSNEFixture.floats("clusters_x.f32").map(Double.init)
        let ref = try TSNEFixture.doubles("clusters_init.f64")
        let y = TSNEInitialization.pca(x, n: n, d: d, seed: 0)
        let scale = ref.map(abs).max()!
        for k in 0..<(2 * n) { #expect(abs(y[k] - ref[k]) < 1e-9 * scale) }
    }

    /// KL of openTSNE's final map, scored here, equals numpy's exact value (same P, same Q).
    @Test func klOfOpenTSNEMapMatchesNumpy() throws {
        let meta = try TSNEFixture.section("clusters")
        let n = meta["n"] as! Int, d = meta["d"] as! Int
        let x = try TSNEFixture.floats("clusters_x.f32").map(Double.init)
        let p = TSNE.affinities(x, n: n, d: d, perplexity: 30, threads: 2)
        let (kl, exact) = TSNE.klDivergence(of: try TSNEFixture.doubles("clusters_otsne.f64"), affinities: p, threads: 2)
        #expect(exact)
        #expect(abs(kl - (meta["klOpenTSNEExact"] as! Double)) < 1e-8)
    }

    /// Full DESIGN §5 run on 3 clusters (n = 600): KL within 2 % of openTSNE's, clusters separated.
    @Test func threeClustersMatchOpenTSNE() throws {
        let meta = try TSNEFixture.section("clusters")
        let n = meta["n"] as! Int, d = meta["d"] as! Int, size = meta["clusterSize"] as! Int
        let x = try TSNEFixture.floats("clusters_x.f32")
        var options = TSNEOptions(); options.threads = 2
        let r = try TSNE.embed(x, n: n, d: d, options: options)
        let reference = meta["klOpenTSNEExact"] as! Double
        #expect(r.klIsExact && r.gradientMethod == .exact && r.neighborMethod == .allPairs)
        #expect(r.iterations == 1000 && r.learningRate == 200)
        #expect(abs(r.klDivergence - reference) / reference < 0.02, "KL \(r.klDivergence) vs openTSNE \(reference)")
        #expect(Self.knnLabelAgreement(r.embedding, n: n, labels: (0..<n).map { $0 / size }, k: 10) >= 0.95)
    }

    /// Barnes-Hut path on a small problem: same-settings runs with 1 and 2 threads are bit-identical,
    /// and the estimated KL is labelled as such.
    @Test func deterministicAcrossThreadCounts() throws {
        let n = 240, d = 8
        var rng = SplitMix64(seed: 17)
        let x: [Double] = (0..<(n * d)).map { i in rng.nextGaussian() + Double((i / d) % 3) * 6 }
        var options = TSNEOptions()
        options.exaggerationIterations = 60; options.iterations = 90
        options.exactGradientMaxN = 100; options.allPairsMaxN = 100; options.exactKLMaxN = 100
        options.threads = 1
        let a = try TSNE.embed(x, n: n, d: d, options: options)
        options.threads = 2
        let b = try TSNE.embed(x, n: n, d: d, options: options)
        #expect(a.embedding == b.embedding && a.klDivergence == b.klDivergence)
        #expect(a.gradientMethod == .barnesHut && a.neighborMethod == .exactKNN && !a.klIsExact)
        #expect(a.embedding.allSatisfy { $0.isFinite })
        #expect(Self.knnLabelAgreement(a.embedding, n: n, labels: (0..<n).map { $0 % 3 }, k: 10) >= 0.95)
    }

    @Test func rejectsBadInput() {
        #expect(throws: TSNEError.shapeMismatch(n: 10, d: 3, count: 29)) {
            try TSNE.embed([Double](repeating: 0, count: 29), n: 10, d: 3)
        }
        var x = [Double](repeating: 1, count: 30); x[7] = .nan
        #expect(throws: TSNEError.nonFiniteInput(row: 2)) { try TSNE.embed(x, n: 10, d: 3) }
        var o = TSNEOptions(); o.perplexity = -1
        #expect(throws: TSNEError.invalidOption("perplexity", -1)) { try TSNE.embed([Double](repeating: 1, count: 30), n: 10, d: 3, options: o) }
    }

    /// Fraction of points whose k nearest map neighbours mostly share their label.
    static func knnLabelAgreement(_ y: [Double], n: Int, labels: [Int], k: Int) -> Double {
        var good = 0
        for i in 0..<n {
            var d: [(Double, Int)] = []
            for j in 0..<n where j != i {
                let dx = y[2 * i] - y[2 * j], dy = y[2 * i + 1] - y[2 * j + 1]
                d.append((dx * dx + dy * dy, j))
            }
            d.sort { $0.0 < $1.0 }
            let same = d.prefix(k).filter { labels[$0.1] == labels[i] }.count
            if 2 * same > k { good += 1 }
        }
        return Double(good) / Double(n)
    }
}
