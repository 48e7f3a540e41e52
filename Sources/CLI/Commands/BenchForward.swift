import ArgumentParser
import Foundation
import Math
import Model

/// One decoder forward on random weights, with raw sgemm on the layer's largest GEMM shape in the
/// same run as the baseline (machines here are noisy; ratios, not absolute numbers, are comparable).
struct BenchForward: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "forward", abstract: "Decoder forward throughput (LLaVA/Llama shapes).")
    @Option(help: "Hidden size.") var hidden = 4096
    @Option(help: "MLP intermediate size.") var intermediate = 11008
    @Option(help: "Decoder layers.") var layers = 2
    @Option(help: "Attention heads.") var heads = 32
    @Option(help: "KV heads.") var kvHeads = 32
    @Option(help: "Tokens per forward.") var tokens = 640
    @Option(help: "BLAS threads.") var threads = ProcessInfo.processInfo.activeProcessorCount
    @Option(help: "Timed repetitions (best reported).") var repeats = 2

    func run() throws {
        var o = LlavaBenchmark.Options()
        o.hiddenSize = hidden; o.intermediateSize = intermediate; o.layers = layers; o.heads = heads
        o.kvHeads = kvHeads; o.tokens = tokens; o.threads = threads; o.repeats = repeats
        let r = try LlavaBenchmark.forward(o)
        let raw = try BenchGemm.rawSgemm(m: tokens, n: intermediate, k: hidden, threads: threads, repeats: repeats)
        print(String(format: "decoder forward: %d layers × %d tokens (hidden %d): %.3f s, %.1f tok/s, %.1f GFLOP/s",
                     r.layers, r.tokens, hidden, r.seconds, r.tokensPerSecond, r.gflopPerSecond))
        print(String(format: "raw cblas_sgemm %d×%d×%d: %.1f GFLOP/s → forward at %.1f %% of raw sgemm",
                     tokens, intermediate, hidden, raw, 100 * r.gflopPerSecond / raw))
    }
}
