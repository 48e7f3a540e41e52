import Foundation

/// Throughput of the statistics engine on synthetic keys (wired to `keyscope bench analyze`).
public enum StatisticsBenchmark {
    public struct Result: Sendable, CustomStringConvertible {
        public var width: Int
        public var tokens: Int
        public var mainPassSeconds: Double
        public var calibrationTokens: Int
        public var calibrationSeconds: Double
        /// The bare projection sgemm over the same keys (best of the same repeats): the floor of the
        /// main pass, measured side by side because shared machines are noisy.
        public var sgemmSeconds: Double
        /// `LayerAnalysis.analyze` on the merged synthetic main pass (bootstrap, Gaussian, MMD), if run.
        public var analysisSeconds: Double?
        /// Float32 key bytes consumed per second by `MainPassAccumulator.add`.
        public var mainPassBytesPerSecond: Double { Double(tokens * width * 4) / mainPassSeconds }
        /// Float32 key bytes consumed per second by `CalibrationAccumulator.add`.
        public var calibrationBytesPerSecond: Double { Double(calibrationTokens * width * 4) / calibrationSeconds }
        public var description: String {
            String(format: "statistics, width %d: main pass %.2f GB/s (%d tokens, %.3f s; bare sgemm %.3f s = %.0f %%), calibration %.1f MB/s (%d tokens, %.3f s)",
                   width, mainPassBytesPerSecond / 1e9, tokens, mainPassSeconds, sgemmSeconds,
                   100 * sgemmSeconds / mainPassSeconds,
                   calibrationBytesPerSecond / 1e6, calibrationTokens, calibrationSeconds)
                + (analysisSeconds.map { String(format: ", analysis %.2f s", $0) } ?? "")
        }
    }

    /// Main pass over `blocks` × `tokensPerBlock` synthetic tokens (best of `repeats`), calibration over
    /// `calibrationBlocks` of them. The calibration for the main pass is synthetic (a random basis):
    /// main-pass cost does not depend on its values, and a 4096² eigen-solve would dominate the run.
    public static func run(width: Int = 4096, blocks: Int = 16, tokensPerBlock: Int = 512, calibrationBlocks: Int = 2,
                           options: StatisticsOptions = StatisticsOptions(), repeats: Int = 2,
                           analyze: Bool = true) throws -> Result {
        var rng = SplitMix64(seed: 42)
        let keyBlocks: [KeyBlock] = (0..<blocks).map { b in
            let data = (0..<(tokensPerBlock * width)).map { _ in Float(rng.nextFloat() * 4 - 2) }
            let modality = (0..<tokensPerBlock).map { $0 % 3 == 0 ? Modality.image : .text }
            return KeyBlock(sampleId: "bench-\(b)", keys: Tensor(shape: [tokensPerBlock, width], data: data), modality: modality)
        }
        let r = min(options.components, width)
        let basis = (0..<(width * r)).map { _ in (rng.nextDouble() - 0.5) / Double(width).squareRoot() }
        let cal = Calibration(width: width, components: r, bins: options.bins, count: 1, excludedTokens: 0,
                              mean: [Double](repeating: 0.1, count: width), std: [Double](repeating: 1.1, count: width),
                              eigenvalues: (0..<r).map { 1 / Double($0 + 1) }, basis: basis)
        let (matrix, _) = cal.projection()
        var y = [Float](repeating: 0, count: tokensPerBlock * r)
        var bestGemm = Double.infinity
        for _ in 0..<max(1, repeats) {
            let t0 = Date()
            for b in keyBlocks {
                b.keys.data.withUnsafeBufferPointer { k in matrix.withUnsafeBufferPointer { p in y.withUnsafeMutableBufferPointer { o in
                    BLAS.sgemm(m: tokensPerBlock, n: r, k: width, a: k.baseAddress!, lda: width, b: p.baseAddress!, ldb: r,
                               c: o.baseAddress!, ldc: r)
                } } }
            }
            bestGemm = min(bestGemm, Date().timeIntervalSince(t0))
        }
        var best = Double.infinity
        var main = try MainPassAccumulator(calibration: cal, options: options)
        for _ in 0..<max(1, repeats) {
            main = try MainPassAccumulator(calibration: cal, options: options)
            let t0 = Date()
            for b in keyBlocks { try main.add(b) }
            best = min(best, Date().timeIntervalSince(t0))
        }
        var analysisSeconds: Double?
        if analyze {
            let t0 = Date()
            _ = try LayerAnalysis.analyze(main, options: options)
            analysisSeconds = Date().timeIntervalSince(t0)
        }
        var acc = CalibrationAccumulator(width: width)
        let t1 = Date()
        for b in keyBlocks.prefix(calibrationBlocks) { try acc.add(b) }
        let calSeconds = Date().timeIntervalSince(t1)
        return Result(width: width, tokens: blocks * tokensPerBlock, mainPassSeconds: best,
                      calibrationTokens: min(calibrationBlocks, blocks) * tokensPerBlock, calibrationSeconds: calSeconds,
                      sgemmSeconds: bestGemm, analysisSeconds: analysisSeconds)
    }
}
