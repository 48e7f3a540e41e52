import Foundation

/// What one benchmark run measured; `scripts/bench_tsne.py` reads the files it names.
public struct TSNEBenchmarkReport: Codable, Sendable {
    public var n: Int
    public var d: Int
    public var threads: Int
    public var seconds: Double
    /// Process CPU time (all threads) of the run: robust when the machine is shared.
    public var cpuSeconds: Double
    public var klDivergence: Double
    public var klIsExact: Bool
    public var gradientMethod: TSNEGradientMethod
    public var neighborMethod: TSNENeighborMethod
    /// Raw little-endian Float32 `[n, d]` input (nil if no directory was given).
    public var dataFile: String?
    /// Raw little-endian Float64 `[n, 2]` map.
    public var embeddingFile: String?
}

/// `keyscope bench tsne`: DESIGN §5 settings on a deterministic 10-cluster, 32-d Gaussian mixture,
/// so openTSNE can be run on exactly the same input (scripts/bench_tsne.py).
public enum TSNEBenchmark {
    public static let dimensions = 32
    public static let clusters = 10

    /// Point i belongs to cluster `i % 10`; centres ~ N(0, 3²), unit-variance noise (SplitMix64, seed 2026).
    public static func data(n: Int, seed: UInt64 = 2026) -> [Float] {
        var rng = SplitMix64(seed: seed)
        let d = dimensions
        let centres = (0..<(clusters * d)).map { _ in 3 * rng.nextGaussian() }
        var x = [Float](repeating: 0, count: n * d)
        for i in 0..<n {
            let c = i % clusters
            for j in 0..<d { x[i * d + j] = Float(centres[c * d + j] + rng.nextGaussian()) }
        }
        return x
    }

    /// Runs t-SNE with `threads` threads (BLAS pinned to the same count). With `outputDirectory`,
    /// writes `tsne_bench_<n>.f32` (input), `tsne_bench_<n>_swift.f64` (map) and `…_swift.json`.
    public static func run(n: Int, threads: Int, outputDirectory: URL? = nil) throws -> TSNEBenchmarkReport {
        let x = data(n: n)
        Compute.setThreads(threads)
        var options = TSNEOptions()
        options.threads = threads
        let cpu0 = processCPUSeconds()
        let r = try TSNE.embed(x, n: n, d: dimensions, options: options)
        let cpu = processCPUSeconds() - cpu0
        var report = TSNEBenchmarkReport(n: n, d: dimensions, threads: threads, seconds: r.seconds, cpuSeconds: cpu,
                                         klDivergence: r.klDivergence, klIsExact: r.klIsExact,
                                         gradientMethod: r.gradientMethod, neighborMethod: r.neighborMethod)
        if let dir = outputDirectory {
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            let dataURL = dir.appendingPathComponent("tsne_bench_\(n).f32")
            let mapURL = dir.appendingPathComponent("tsne_bench_\(n)_swift.f64")
            try x.withUnsafeBytes { try Data($0).write(to: dataURL) }          // little-endian hosts only
            try r.embedding.withUnsafeBytes { try Data($0).write(to: mapURL) }
            report.dataFile = dataURL.path
            report.embeddingFile = mapURL.path
            let enc = JSONEncoder(); enc.outputFormatting = [.prettyPrinted, .sortedKeys]
            try enc.encode(report).write(to: dir.appendingPathComponent("tsne_bench_\(n)_swift.json"))
        }
        return report
    }

    static func processCPUSeconds() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
    }
}
