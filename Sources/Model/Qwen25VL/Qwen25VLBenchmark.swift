import Foundation
import Math

/// Timing of the Qwen2.5-VL decoder forward on random weights (`keyscope bench forward --family qwen`).
///
/// Weights are generated in memory (no checkpoint, no disk traffic), so the figure is the compute path
/// a real stage runs: RMSNorm, GEMMs with q/k/v biases, M-RoPE over a prompt with one image's (t, h, w)
/// positions, GQA attention and the gated MLP. Defaults are Qwen2.5-VL-7B's text shapes.
public enum Qwen25VLBenchmark {
    public struct Options: Sendable, Equatable {
        public var hiddenSize = 3584
        public var intermediateSize = 18944
        public var layers = 2
        public var heads = 28
        public var kvHeads = 4
        public var tokens = 640
        /// Image in the synthetic prompt (after 16 text tokens); its tokens must fit in `tokens`.
        public var imageGrid: Qwen25VLImageGrid? = Qwen25VLImageGrid(t: 1, h: 44, w: 44)
        /// OpenBLAS threads; `nil` keeps the current setting.
        public var threads: Int?
        /// Timed forwards (after one untimed warm-up); the best is reported.
        public var repeats = 1
        public var seed: UInt64 = 0
        public init() {}
    }

    public typealias Result = LlavaBenchmark.Result

    /// FLOPs of one decoder layer over `t` tokens (multiply-add = 2; attention scores included, biases not).
    public static func flopsPerLayer(_ c: Qwen25VLTextConfig, tokens t: Int) -> Double {
        let d = Double(c.hiddenSize), hd = Double(c.headDim), T = Double(t)
        let q = Double(c.numAttentionHeads) * hd, kv = Double(c.numKeyValueHeads) * hd
        let projections = 2 * T * d * (q + 2 * kv) + 2 * T * q * d
        let mlp = 3 * 2 * T * d * Double(c.intermediateSize)
        let attention = 2 * 2 * Double(c.numAttentionHeads) * T * T * hd
        return projections + mlp + attention
    }

    /// The text config the options describe (mrope_section scaled from 7B's [16, 24, 24] to head_dim/2).
    public static func textConfig(_ o: Options) -> Qwen25VLTextConfig {
        var t = Qwen25VLTextConfig()
        t.hiddenSize = o.hiddenSize; t.intermediateSize = o.intermediateSize; t.numHiddenLayers = o.layers
        t.numAttentionHeads = o.heads; t.numKeyValueHeads = o.kvHeads
        let half = t.headDim / 2, a = half / 4, b = (half - a) / 2
        t.mropeSection = [a, b, half - a - b]
        return t
    }

    /// Positions of the synthetic prompt: 16 text tokens, the image, text up to `tokens`.
    static func positions(_ o: Options, merge: Int = 2) throws -> MultimodalPositions {
        guard let g = o.imageGrid else { return MultimodalPositions(sequential: 0..<o.tokens) }
        let n = g.tokens(merge: merge)
        guard 16 + n <= o.tokens else {
            throw Qwen25VLError.imageTokenMismatch(imageTokens: max(0, o.tokens - 16), imageFeatures: n)
        }
        let image = -1
        let ids = [Int](repeating: 0, count: 16) + [Int](repeating: image, count: n) + [Int](repeating: 0, count: o.tokens - 16 - n)
        return try Qwen25VLRopeIndex.positions(inputIds: ids, imageTokenId: image, grids: [g], spatialMergeSize: merge)
    }

    public static func forward(_ o: Options) throws -> Result {
        if let n = o.threads { Compute.setThreads(n) }
        let t = textConfig(o)
        var config = Qwen25VLConfig(textConfig: t)
        config.visionConfig.outHiddenSize = t.hiddenSize
        try config.validate(file: "benchmark options")
        var rng = SplitMix64(seed: o.seed)
        let layers = (0..<o.layers).map { _ in Qwen2DecoderLayer(randomWith: t, rng: &rng) }
        let stage = Qwen25VLStage(config: config, layers: 0..<o.layers, decoder: layers)
        let x = Tensor(shape: [o.tokens, o.hiddenSize], data: (0..<(o.tokens * o.hiddenSize)).map { _ in rng.nextFloat() - 0.5 })
        let p = try positions(o)
        let input = Qwen25VLStageInput.hidden(x, positions: p, isImageToken: [Bool](repeating: false, count: o.tokens))
        let taps = KeyTaps(layers: Set(0..<o.layers), stopAfterLastTap: false)
        _ = try stage.forward(input, taps: taps)
        var best = Double.infinity
        let clock = ContinuousClock()
        for _ in 0..<max(1, o.repeats) {
            let start = clock.now
            _ = try stage.forward(input, taps: taps)
            let e = clock.now - start
            best = min(best, Double(e.components.seconds) + Double(e.components.attoseconds) * 1e-18)
        }
        let gflop = flopsPerLayer(t, tokens: o.tokens) * Double(o.layers) / 1e9
        return Result(tokens: o.tokens, layers: o.layers, threads: Compute.threads, seconds: best,
                      tokensPerSecond: Double(o.tokens) / best, gflop: gflop, gflopPerSecond: gflop / best)
    }
}
