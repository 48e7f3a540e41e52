import Foundation

/// One `keyscope bench gemm --precision bf16` measurement: the bf16-weight path and OpenBLAS fp32 sgemm
/// on the same shape, inputs and thread count, timed alternately in the same run so ratios are fair.
public struct BF16BenchmarkResult: Sendable, Codable, Equatable {
    /// Activation rows (tokens), output features, input features: C[m, n] = A[m, k] · Wᵀ.
    public let m: Int, n: Int, k: Int
    public let threads: Int
    public let engine: String
    /// Best-of-`repeats` seconds per GEMM.
    public let bf16Seconds: Double, fp32Seconds: Double
    public let bf16GFlops: Double, fp32GFlops: Double
    /// bf16 GFLOP/s divided by fp32 GFLOP/s (> 1 means bf16 is faster).
    public let speedup: Double
    /// max |bf16 − fp32| / max |fp32| over the output (fp32 uses the bf16-rounded weights).
    public let maxRelativeError: Double
    /// Weight bytes read by each path.
    public let bf16WeightBytes: Int, fp32WeightBytes: Int

    public var summary: String {
        String(format: "gemm %d×%d×%d, %d threads: bf16 %@ %.1f GFLOP/s (%.3f s), fp32 sgemm %.1f GFLOP/s (%.3f s), ratio %.2f, max rel err %.1e",
               m, n, k, threads, engine, bf16GFlops, bf16Seconds, fp32GFlops, fp32Seconds, speedup, maxRelativeError)
    }
}

public enum BF16Benchmark {
    /// Times `x[m, k] · Wᵀ` with W [n, k] in bf16 (engine `engine`) and as fp32 over OpenBLAS sgemm.
    /// OpenBLAS's thread count is set to `threads` for the run and restored afterwards.
    public static func run(m: Int, n: Int, k: Int, threads: Int, repeats: Int = 3,
                           engine: BF16Engine = .current, seed: UInt64 = 42) -> BF16BenchmarkResult {
        var rng = SplitMix64(seed: seed)
        let x = Tensor(shape: [m, k], data: (0..<(m * k)).map { _ in Float(rng.nextGaussian()) })
        let scale = 1 / Float(k).squareRoot()
        let w = BF16Matrix(Tensor(shape: [n, k], data: (0..<(n * k)).map { _ in Float(rng.nextGaussian()) * scale }))
        let w32 = w.toTensor()
        let saved = Compute.threads
        Compute.setThreads(threads)
        defer { Compute.setThreads(saved) }

        var bf16Out = x.linear(w, engine: engine, threads: threads)  // warm-up (page faults, thread start)
        var fp32Out = x.linear(w32)
        var tb = Double.infinity, tf = Double.infinity
        for _ in 0..<max(1, repeats) {
            tb = min(tb, time { bf16Out = x.linear(w, engine: engine, threads: threads) })
            tf = min(tf, time { fp32Out = x.linear(w32) })
        }
        let flops = 2 * Double(m) * Double(n) * Double(k)
        let err = Double(bf16Out.maxAbsDifference(fp32Out)) / Double(max(fp32Out.maxAbs, .leastNormalMagnitude))
        return BF16BenchmarkResult(m: m, n: n, k: k, threads: threads, engine: engine.rawValue,
                                   bf16Seconds: tb, fp32Seconds: tf,
                                   bf16GFlops: flops / tb / 1e9, fp32GFlops: flops / tf / 1e9,
                                   speedup: tf / tb, maxRelativeError: err,
                                   bf16WeightBytes: w.byteCount, fp32WeightBytes: w32.count * 4)
    }

    private static func time(_ body: () -> Void) -> Double {
        let t0 = DispatchTime.now().uptimeNanoseconds
        body()
        return Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
    }
}
