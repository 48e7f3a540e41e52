import Foundation
import Math
import Model

/// What a run reads, resolved and fingerprinted before anything is computed: the model family and its
/// decoder size, the dataset's usable sample ids, and XXH64 hashes of every model-defining file, the
/// dataset and the images it references (so `resume` can refuse changed inputs, naming what changed).
struct RunInputs {
    var modelPath: String
    var dataPath: String
    var family: ModelFamily
    var layerCount: Int
    var modelDescription: String
    /// KV heads of the decoder (for --per-head).
    var keyHeads: Int
    var sampleIDs: [String]
    var skippedRows: [String]
    var hashes: [String: String]

    static let modelFiles = ["config.json", "tokenizer.json", "tokenizer_config.json", "vocab.json", "merges.txt",
                             "preprocessor_config.json", "processor_config.json", "chat_template.json", "chat_template.jinja",
                             "model.safetensors.index.json"]

    static func load(model: String, data: String) throws -> RunInputs {
        let modelURL = URL(fileURLWithPath: model).standardizedFileURL, dataURL = URL(fileURLWithPath: data).standardizedFileURL
        let family = try ModelFamilyDetector.detect(directory: modelURL)
        let layers: Int, description: String, keyHeads: Int
        switch family {
        case .llava:
            let c = try LlavaConfig(directory: modelURL)
            let t = c.textConfig
            layers = t.numHiddenLayers
            keyHeads = t.numKeyValueHeads
            description = "LLaVA-1.5: \(t.numHiddenLayers) decoder layers × \(t.hiddenSize), keys \(t.numKeyValueHeads) KV heads × \(t.headDim); "
                + "CLIP \(c.visionConfig.numHiddenLayers) layers, \(c.visionConfig.imageSize) px"
        case .qwen25vl:
            let c = try Qwen25VLConfig(directory: modelURL)
            let t = c.textConfig, v = c.visionConfig
            layers = t.numHiddenLayers
            keyHeads = t.numKeyValueHeads
            description = "Qwen2.5-VL: \(t.numHiddenLayers) decoder layers × \(t.hiddenSize), keys \(t.numKeyValueHeads) KV heads × \(t.headDim), "
                + "M-RoPE \(t.mropeSection); ViT \(v.depth) blocks × \(v.hiddenSize) (full attention \(v.fullattBlockIndexes))"
        }
        let ds = try DatasetLoader.read(dataURL)
        guard !ds.samples.isEmpty else { throw ValidationErrorText("\(data): no usable samples (\(ds.skippedCount) rows skipped)") }
        var hashes: [String: String] = [:]
        for f in modelFiles {
            let url = modelURL.appendingPathComponent(f)
            if let d = FileManager.default.contents(atPath: url.path) { hashes["model/\(f)"] = hex(XXH64.hash([UInt8](d), seed: 0)) }
        }
        guard let d = FileManager.default.contents(atPath: dataURL.path) else { throw ValidationErrorText("\(data): cannot read") }
        hashes["data"] = hex(XXH64.hash([UInt8](d), seed: 0))
        var imageHash: [UInt8] = []
        for s in ds.samples {
            if case .file(let url) = s.image, let bytes = FileManager.default.contents(atPath: url.path) {
                withUnsafeBytes(of: XXH64.hash([UInt8](bytes), seed: 0).littleEndian) { imageHash.append(contentsOf: $0) }
            }
        }
        hashes["images"] = hex(XXH64.hash(imageHash, seed: 0))
        return RunInputs(modelPath: modelURL.path, dataPath: dataURL.path, family: family, layerCount: layers,
                         modelDescription: description, keyHeads: keyHeads, sampleIDs: ds.samples.map(\.id),
                         skippedRows: ds.skipped.map { "row \($0.row): \($0.reason)" }, hashes: hashes)
    }

    static func hex(_ v: UInt64) -> String { String(format: "%016llx", v) }
}

/// A user-facing error that prints as its message.
struct ValidationErrorText: Error, CustomStringConvertible {
    var description: String
    init(_ s: String) { description = s }
}

/// `--layers all | 0,4,8 | 0-3,8`.
enum LayerSelection {
    static func parse(_ text: String, layerCount: Int) throws -> [Int] {
        if text == "all" { return Array(0..<layerCount) }
        var out = Set<Int>()
        for part in text.split(separator: ",") {
            let p = part.trimmingCharacters(in: .whitespaces)
            if let dash = p.firstIndex(of: "-"), let a = Int(p[..<dash]), let b = Int(p[p.index(after: dash)...]), a <= b {
                out.formUnion(a...b)
            } else if let v = Int(p) { out.insert(v) } else {
                throw ValidationErrorText("--layers: \"\(p)\" is not a layer, a range like 0-3, or \"all\"")
            }
        }
        let bad = out.filter { $0 < 0 || $0 >= layerCount }
        guard bad.isEmpty else { throw ValidationErrorText("--layers: \(bad.sorted()) outside the model's layers 0..<\(layerCount)") }
        guard !out.isEmpty else { throw ValidationErrorText("--layers: no layers selected") }
        return out.sorted()
    }
}
