import ArgumentParser
import Foundation
import Math

/// `keyscope keys`: capture keys of every sample into a key directory (docs/key-file-format.md), so
/// the statistics can be rerun offline (`keyscope analyze`) or keys exported elsewhere can be analysed.
struct KeysCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "keys", abstract: "Capture attention keys of a dataset into a key directory.")
    @Option(help: "Hugging Face model directory (llava-1.5 layout).") var model: String
    @Option(help: "Dataset: .jsonl, LLaVA .json or MMBench .tsv.") var data: String
    @Option(help: "Decoder layers: all, 0,4,8 or 0-3.") var layers = "all"
    @Option(help: "Keys: pre, post or both (RoPE).") var rope = "both"
    @Option(help: "Output key directory.") var out: String
    @Option(help: "Only the first N usable samples.") var limit: Int?
    @Option(help: "BLAS threads of the forward passes (keys match `run --threads T` bit for bit only for the same T).") var threads = 1
    @Flag(help: "Replace keys already in --out.") var force = false
    @Flag(help: "No per-sample progress lines.") var quiet = false

    @OptionGroup var logging: LoggingFlags

    func run() throws {
        logging.apply()
        let variants = try asUsageError { try RopeSelection.parse(rope) }
        if let limit, limit < 1 { throw ValidationError("--limit must be ≥ 1") }
        guard threads >= 1 else { throw ValidationError("--threads must be ≥ 1") }
        let inputs = try asUsageError { try RunInputs.load(model: model, data: data) }
        let layerList = try asUsageError { try LayerSelection.parse(layers, layerCount: inputs.layerCount) }
        for s in inputs.skippedRows.prefix(10) { Log.line("dataset: skipped \(s)") }
        let dir = URL(fileURLWithPath: out).standardizedFileURL
        try asUsageError { try KeyCapture.prepare(directory: dir, force: force) }
        let ids = limit.map { Array(inputs.sampleIDs.prefix($0)) } ?? inputs.sampleIDs
        let capture = KeyCapture(inputs: inputs, layers: layerList, variants: variants, sampleIDs: ids, directory: dir,
                                 threads: threads)
        let meta = try capture.run(progress: { if !quiet { Log.line($0) } })
        let unusable = meta.samples.filter { $0.unusable != nil }.count
        print("keys: \(meta.samples.count - unusable) of \(meta.samples.count) samples (\(unusable) unusable), layers \(layerList), "
              + "\(variants.map(\.rawValue).joined(separator: "+"))-RoPE, [T, \(meta.keyDim)] → \(dir.path)")
    }
}

/// Turns input errors into usage errors (exit 2) with the underlying message.
func asUsageError<T>(_ body: () throws -> T) throws -> T {
    do { return try body() } catch let e as ValidationError { throw e } catch { throw ValidationError("\(error)") }
}
