import ArgumentParser
import Coordinator
import Foundation
import Math

/// Statistics options shared by `run` (DESIGN §4 defaults).
struct StatisticsFlags: ParsableArguments {
    @Option(name: [.customLong("pca-dims"), .customLong("components")], help: "PCA components r (--components is the same option).") var components = 32
    @Option(help: "Histogram bins B per component.") var bins = 64
    @Option(help: "Sample groups G for baselines and bootstrap.") var groups = 32
    @Option(help: "Bootstrap draws R.") var bootstrap = 1000
    @Option(help: "MMD permutation draws.") var permutations = 1000
    @Option(help: "Subsample size k per modality (t-SNE, MMD).") var subsample = 2000
    @Option(name: [.customLong("calibration"), .customLong("calibration-samples")], help: "Calibration samples C (--calibration-samples is the same option).") var calibrationSamples = 256
    @Option(help: "Seed of every hash-based selection.") var seed: UInt64 = 0
    @Flag(help: "Also analyse every KV head's keys on its own (report.json: layers[].heads).") var perHead = false

    var options: StatisticsOptions {
        StatisticsOptions(components: components, bins: bins, groups: groups, bootstrapDraws: bootstrap,
                          permutationDraws: permutations, subsampleSize: subsample, calibrationSamples: calibrationSamples, seed: seed)
    }
}

/// `keyscope run`: plan, start a local cluster (or wait for workers), compute, merge, report.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "run", abstract: "Run the key-space analysis on a model and dataset.")
    @Option(help: "Hugging Face model directory (llava-1.5 layout).") var model: String
    @Option(help: "Dataset: .jsonl, LLaVA .json or MMBench .tsv.") var data: String
    @Option(help: "Decoder layers: all, 0,4,8 or 0-3.") var layers = "all"
    @Option(help: "Keys: pre, post or both (RoPE).") var rope = "both"
    @Option(help: "Text tokens: all (every non-image token) or prompt (user text only).") var textTokens = "all"
    @OptionGroup var statistics: StatisticsFlags
    @Option(help: "Local worker processes (0: wait for external `keyscope worker`).") var workers = 2
    @Option(help: "BLAS threads per worker (pinned in the plan: results depend on it in the last bits).") var threads = 1
    @Option(help: "Samples per unit.") var samplesPerUnit = 4
    @Option(help: "cluster.json (bind address, heartbeat, lease, CURVE).") var cluster: String?
    @Option(help: "Listen on tcp://HOST:PORT instead of the run directory's ipc socket.") var bind: String?
    @Option(help: "Directory holding run directories.") var out = "runs"
    @Option(help: "Run id (default: run-<UTC time>).") var runId: String?
    @Option(help: "t-SNE layers: default (first, middle, last), all, none, or a list.") var tsneLayers = "default"
    @Flag(help: "No progress output.") var quiet = false

    @OptionGroup var logging: LoggingFlags

    func run() throws {
        logging.apply()
        let variants: [RopeVariant]
        switch rope {
        case "pre": variants = [.pre]
        case "post": variants = [.post]
        case "both": variants = [.pre, .post]
        default: throw ValidationError("--rope must be pre, post or both")
        }
        guard ["all", "prompt"].contains(textTokens) else { throw ValidationError("--text-tokens must be all or prompt") }
        guard workers >= 0, threads >= 1, samplesPerUnit >= 1 else { throw ValidationError("--workers ≥ 0, --threads ≥ 1, --samples-per-unit ≥ 1") }
        let opts = statistics.options
        do { try opts.validate() } catch { throw ValidationError("\(error)") }
        let tsne: RunReporter.TSNELayers
        do { tsne = try .init(tsneLayers) } catch { throw ValidationError("\(error)") }
        if let bind, let problem = BindAddress.problem(bind) { throw ValidationError(problem) }
        let clusterConfig = try cluster.map { try ClusterConfig.load(URL(fileURLWithPath: $0)) }
        if workers == 0 && bind == nil && (clusterConfig?.coordinator.bind ?? "ipc") == "ipc" {
            Log.line("note: --workers 0 with an ipc endpoint: start workers on this machine with the printed --connect")
        }
        let inputs: RunInputs
        do { inputs = try RunInputs.load(model: model, data: data) } catch { throw ValidationError("\(error)") }
        let layerList: [Int]
        do { layerList = try LayerSelection.parse(layers, layerCount: inputs.layerCount) } catch { throw ValidationError("\(error)") }
        for s in inputs.skippedRows.prefix(10) { Log.line("dataset: skipped \(s)") }
        let id = runId ?? RunDirectory.newRunID()
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        let dir = try RunDirectory.create(runsRoot: out, runID: id)
        var plan = RunPlan(runID: id, keyscopeVersion: keyscopeVersion, modelPath: inputs.modelPath, dataPath: inputs.dataPath,
                           sampleIDs: inputs.sampleIDs, layers: layerList, variants: variants, statistics: opts, threads: threads,
                           samplesPerUnit: samplesPerUnit, textTokens: textTokens, inputHashes: inputs.hashes,
                           modelDescription: inputs.modelDescription)
        plan.keyHeads = statistics.perHead ? inputs.keyHeads : nil
        if !quiet {
            Log.line("run \(id): \(inputs.sampleIDs.count) samples, layers \(layerList), keys \(variants.map(\.rawValue)), "
                     + "\(plan.calibrationUnitCount) + \(plan.mainUnitCount) units, \(workers) local workers → \(dir.path)")
        }
        let session = RunSession(directory: dir, plan: plan, resume: false, localWorkers: workers, cluster: clusterConfig,
                                 bind: bind, quiet: quiet, reporter: RunReporter(tsneLayers: tsne))
        let code = try session.execute()
        if code != 0 { throw ExitCode(code) }
    }
}
