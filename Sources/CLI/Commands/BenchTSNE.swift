import ArgumentParser
import Foundation
import Math

/// t-SNE on the synthetic 10-cluster, 32-d mixture that `scripts/bench_tsne.py` also gives openTSNE.
struct BenchTSNE: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "tsne", abstract: "t-SNE wall/CPU time and KL (compare with scripts/bench_tsne.py).")
    @Option(help: "Points.") var n = 2000
    @Option(help: "Threads.") var threads = ProcessInfo.processInfo.activeProcessorCount
    @Option(help: "Directory for the data and embedding files (for scoring against openTSNE).") var out: String?

    func run() throws {
        let report = try TSNEBenchmark.run(n: n, threads: threads, outputDirectory: out.map { URL(fileURLWithPath: $0) })
        let e = JSONEncoder(); e.outputFormatting = [.sortedKeys, .prettyPrinted]
        print(String(decoding: try e.encode(report), as: UTF8.self))
    }
}
