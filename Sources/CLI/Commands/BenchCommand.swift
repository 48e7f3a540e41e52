import ArgumentParser
import Foundation
import Math

/// `keyscope bench …`: throughput measurements against a baseline measured in the same run.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench", abstract: "Benchmarks (ratios against a baseline in the same run).",
        subcommands: [BenchGemm.self, BenchForward.self, BenchProtocol.self, BenchTSNE.self, BenchAnalyze.self])
}

/// Raw `cblas_sgemm` against `Tensor.linear` on the same shapes.
struct BenchGemm: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "gemm", abstract: "sgemm peak vs Tensor.linear.")
    @Option(help: "Rows (tokens).") var m = 640
    @Option(help: "Output width.") var n = 4096
    @Option(help: "Input width.") var k = 4096
    @Option(help: "BLAS threads.") var threads = ProcessInfo.processInfo.activeProcessorCount
    @Option(help: "Repetitions (best is reported).") var repeats = 5

    /// Best GFLOP/s of raw `cblas_sgemm` (A·Bᵀ, the Linear layout) on one shape.
    static func rawSgemm(m: Int, n: Int, k: Int, threads: Int, repeats: Int) throws -> Double {
        Compute.setThreads(threads)
        var rng = SplitMix64(seed: 2)
        let a = (0..<(m * k)).map { _ in rng.nextFloat() - 0.5 }, w = (0..<(n * k)).map { _ in rng.nextFloat() - 0.5 }
        var c = [Float](repeating: 0, count: m * n)
        var best = Double.infinity
        for _ in 0..<max(1, repeats) {
            let t0 = Date()
            a.withUnsafeBufferPointer { ap in w.withUnsafeBufferPointer { wp in c.withUnsafeMutableBufferPointer { cp in
                BLAS.sgemm(transB: true, m: m, n: n, k: k, a: ap.baseAddress!, lda: k, b: wp.baseAddress!, ldb: k, c: cp.baseAddress!, ldc: n)
            } } }
            best = min(best, Date().timeIntervalSince(t0))
        }
        return 2.0 * Double(m) * Double(n) * Double(k) / best / 1e9
    }

    func run() throws {
        Compute.setThreads(threads)
        var rng = SplitMix64(seed: 1)
        let a = Tensor(shape: [m, k], data: (0..<(m * k)).map { _ in rng.nextFloat() - 0.5 })
        let w = Tensor(shape: [n, k], data: (0..<(n * k)).map { _ in rng.nextFloat() - 0.5 })
        let flop = 2.0 * Double(m) * Double(n) * Double(k)
        var bestRaw = Double.infinity, bestLinear = Double.infinity
        var c = [Float](repeating: 0, count: m * n)
        for _ in 0..<repeats {
            let t0 = Date()
            a.data.withUnsafeBufferPointer { ap in w.data.withUnsafeBufferPointer { wp in c.withUnsafeMutableBufferPointer { cp in
                BLAS.sgemm(transB: true, m: m, n: n, k: k, a: ap.baseAddress!, lda: k, b: wp.baseAddress!, ldb: k, c: cp.baseAddress!, ldc: n)
            } } }
            bestRaw = min(bestRaw, Date().timeIntervalSince(t0))
            let t1 = Date()
            _ = a.linear(w)
            bestLinear = min(bestLinear, Date().timeIntervalSince(t1))
        }
        let raw = flop / bestRaw / 1e9, lin = flop / bestLinear / 1e9
        print(String(format: "shape %d×%d×%d threads %d: raw cblas_sgemm %.1f GFLOP/s, Tensor.linear %.1f GFLOP/s, ratio %.1f %%",
                     m, n, k, threads, raw, lin, 100 * lin / raw))
    }
}
