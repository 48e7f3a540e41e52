import Foundation
import Math

/// Timing of the LLaVA decoder forward on random weights (`keyscope bench forward`).
///
/// Weights are generated in memory (no checkpoint file, no disk traffic), so the figure is the
/// compute path only: RMSNorm, GEMMs, RoPE, attention and MLP, as a real stage runs them.
public enum LlavaBenchmark {
    public struct Options: Sendable, Equatable {
        public var hiddenSize = 4096
        public var intermediateSize = 11008
        public var layers = 2
        public var heads = 32
        public var kvHeads = 32
        public var tokens = 640
        /// OpenBLAS threads; `nil` keeps the current setting.
        public var threads: Int?
        /// Timed forwards (after one untimed warm-up); the best is reported.
        public var repeats = 1
        public var seed: UInt64 = 0
        public init() {}
    }

    public struct Result: Sendable, Equatable, Codable {
        public var tokens: Int
        public var layers: Int
        public var threads: Int
        /// Best wall time of one forward over all layers.
        public var seconds: Double
        public var tokensPerSecond: Double
        /// Floating-point operations of one forward (multiply-add = 2), attention scores included.
        public var gflop: Double
        public var gflopPerSecond: Double
    }

    /// FLOPs of one decoder layer over `t` tokens.
    public static func flopsPerLayer(_ c: LlamaTextConfig, tokens t: Int) -> Double {
        let d = Double(c.hiddenSize), hd = Double(c.headDim), T = Double(t)
        let q = Double(c.numAttentionHeads) * hd, kv = Double(c.numKeyValueHeads) * hd
        let projections = 2 * T * d * (q + 2 * kv) + 2 * T * q * d
        let mlp = 3 * 2 * T * d * Double(c.intermediateSize)
        let attention = 2 * 2 * Double(c.numAttentionHeads) * T * T * hd
        return projections + mlp + attention
    }

    public static func forward(_ o: Options) throws -> Result {
        if let n = o.threads { Compute.setThreads(n) }
        var t = LlamaTextConfig()
        t.hiddenSize = o.hiddenSize; t.intermediateSize = o.intermediateSize; t.numHiddenLayers = o.layers
        t.numAttentionHeads = o.heads; t.numKeyValueHeads = o.kvHeads; t.headDim = o.hiddenSize / o.heads
        var config = LlavaConfig(textConfig: t)
        config.textConfig = t
        try config.validate(file: "benchmark options")
        var rng = SplitMix64(seed: o.seed)
        let layers = (0..<o.layers).map { _ in LlamaDecoderLayer(randomWith: t, rng: &rng) }
        let stage = LlavaStage(config: config, layers: 0..<o.layers, decoder: layers)
        let x = Tensor(shape: [o.tokens, o.hiddenSize], data: (0..<(o.tokens * o.hiddenSize)).map { _ in rng.nextFloat() - 0.5 })
        let input = LlavaStageInput.hidden(x, isImageToken: [Bool](repeating: false, count: o.tokens))
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
