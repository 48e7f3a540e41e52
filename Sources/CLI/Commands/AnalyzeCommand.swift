import ArgumentParser
import Coordinator
import Foundation
import Math

/// `keyscope analyze KEYS_DIR`: the statistics of `keyscope run`, computed from a key directory
/// (written by `keyscope keys` or scripts/export_keys_torch.py) in this process, no model needed.
struct AnalyzeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "analyze", abstract: "Run the key-space analysis on a key directory.")
    @Argument(help: "Key directory (metadata.json + one .safetensors per sample).") var keysDir: String
    @Option(help: "Decoder layers to analyse (default: all captured).") var layers: String?
    @Option(help: "Keys: pre, post or both (default: all captured).") var rope: String?
    @Option(help: "Text tokens: all (every non-image token) or prompt (user text only).") var textTokens = "all"
    @OptionGroup var statistics: StatisticsFlags
    @Option(help: "BLAS threads (pinned in the plan, as in `run`: results depend on it in the last bits).") var threads = 1
    @Option(help: "Samples per unit (does not change results).") var samplesPerUnit = 4
    @Option(help: "Directory holding run directories.") var out = "runs"
    @Option(help: "Run id (default: analyze-<UTC time>).") var runId: String?
    @Option(help: "t-SNE layers: default (first, middle, last), all, none, or a list.") var tsneLayers = "default"
    @Flag(help: "No progress output.") var quiet = false

    @OptionGroup var logging: LoggingFlags

    func run() throws {
        logging.apply()
        guard ["all", "prompt"].contains(textTokens) else { throw ValidationError("--text-tokens must be all or prompt") }
        guard threads >= 1, samplesPerUnit >= 1 else { throw ValidationError("--threads ≥ 1, --samples-per-unit ≥ 1") }
        let opts = statistics.options
        try asUsageError { try opts.validate() }
        let tsne = try asUsageError { try RunReporter.TSNELayers(tsneLayers) }
        let provider = try asUsageError { try KeyFileProvider(directory: URL(fileURLWithPath: keysDir).standardizedFileURL) }
        let maxLayer = (provider.metadata.layers.max() ?? 0) + 1
        let layerList = try layers.map { l in try asUsageError { try LayerSelection.parse(l, layerCount: maxLayer) } }
        let variants = try rope.map { r in try asUsageError { try RopeSelection.parse(r) } }
        let id = runId ?? "analyze-" + RunDirectory.newRunID()
        let analysis = try asUsageError {
            try OfflineAnalysis(provider: provider, runID: id, layers: layerList, variants: variants, statistics: opts,
                                threads: threads, samplesPerUnit: samplesPerUnit, textTokens: textTokens,
                                perHead: statistics.perHead)
        }
        let dir = URL(fileURLWithPath: out).appendingPathComponent(id)
        if FileManager.default.fileExists(atPath: dir.appendingPathComponent("plan.json").path) {
            throw ValidationError("\(dir.path) already exists; choose another --run-id")
        }
        let plan = analysis.plan
        if let t = provider.metadata.captureThreads, t != threads {
            Log.line("note: keys were captured with \(t) BLAS threads; the report equals `keyscope run --threads \(threads)` only for keys captured with \(threads)")
        }
        if !quiet {
            Log.line("analyze \(id): \(plan.sampleIDs.count) samples from \(provider.directory.path), layers \(plan.layers), "
                     + "keys \(plan.variants.map(\.rawValue)) → \(dir.path)")
        }
        let (_, html) = try analysis.run(runDirectory: dir, reporter: RunReporter(tsneLayers: tsne), progress: { if !quiet { Log.line($0) } })
        print("report: \(html.path)")
    }
}
