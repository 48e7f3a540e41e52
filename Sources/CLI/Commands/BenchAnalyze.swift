import ArgumentParser
import Foundation
import Math

/// Main-pass and calibration throughput of the statistics engine on synthetic 4096-d keys, with bare sgemm
/// and (with `--numpy`) `scripts/bench_analyze_numpy.py` on the same shape in the same run: machines here
/// are noisy, so only ratios measured side by side mean anything.
struct BenchAnalyze: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "analyze", abstract: "Statistics engine throughput (GB/s) with bare sgemm and optionally numpy in the same run.")
    @Option(help: "Key width.") var width = 4096
    @Option(help: "Blocks (samples).") var blocks = 16
    @Option(help: "Tokens per block.") var tokens = 576
    @Option(help: "Threads.") var threads = ProcessInfo.processInfo.activeProcessorCount
    @Option(help: "Python with numpy and xxhash: also run the numpy main pass on the same shape and print the ratio.") var numpy: String?
    @Option(help: "The numpy baseline script (with --numpy).") var numpyScript = "scripts/bench_analyze_numpy.py"

    func run() throws {
        Compute.setThreads(threads)
        let options = StatisticsOptions()
        // numpy first, then keyscope, then numpy again: the ratio uses each side's best, and a machine that
        // gets busier during the run shows up as two different numpy figures.
        let before = try numpy.map { try numpyBaseline(python: $0, options: options) }
        let r = try StatisticsBenchmark.run(width: width, blocks: blocks, tokensPerBlock: tokens, calibrationBlocks: 2,
                                            options: options, repeats: 2, analyze: true)
        print(r)
        guard let before, let python = numpy else { return }
        let after = try numpyBaseline(python: python, options: options)
        let mine = r.mainPassBytesPerSecond / 1e9
        for (label, full, vec) in [("before", before.full, before.vectorised), ("after", after.full, after.vectorised)] {
            print(String(format: "numpy %@ (%@): main pass %.2f GB/s with per-token XXH64 subsample, %.2f GB/s vectorised part only → keyscope %.2f× / %.2f×",
                         before.version, label, full, vec, mine / full, mine / vec))
        }
    }

    private struct NumpyFigures { var full: Double; var vectorised: Double; var version: String }

    private func numpyBaseline(python: String, options: StatisticsOptions) throws -> NumpyFigures {
        guard FileManager.default.fileExists(atPath: numpyScript) else {
            throw ValidationError("--numpy-script \(numpyScript) not found (run from the repository root or pass its path)")
        }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: python)
        p.arguments = [numpyScript, "--width", "\(width)", "--blocks", "\(blocks)", "--tokens", "\(tokens)",
                       "--components", "\(options.components)", "--bins", "\(options.bins)", "--groups", "\(options.groups)",
                       "--subsample", "\(options.subsampleSize)", "--threads", "\(threads)", "--repeats", "2"]
        let out = Pipe()
        p.standardOutput = out
        do { try p.run() } catch { throw ValidationError("--numpy \(python): cannot start it: \(error)") }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0,
              let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let full = json["main_pass_gbps"] as? Double, let vec = json["vectorised_gbps"] as? Double else {
            throw ValidationError("numpy baseline \(numpyScript) failed (exit \(p.terminationStatus)): \(String(decoding: data, as: UTF8.self))")
        }
        return NumpyFigures(full: full, vectorised: vec, version: json["numpy"] as? String ?? "?")
    }
}
