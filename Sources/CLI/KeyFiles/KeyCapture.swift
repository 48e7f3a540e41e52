import Foundation
import Math
import Model
import Worker

/// `--rope pre | post | both` (shared by `keys` and `analyze`).
enum RopeSelection {
    static func parse(_ text: String) throws -> [RopeVariant] {
        switch text {
        case "pre": return [.pre]
        case "post": return [.post]
        case "both": return [.pre, .post]
        default: throw ValidationErrorText("--rope must be pre, post or both, got \"\(text)\"")
        }
    }
}

/// Captures keys of a dataset into a key directory: one safetensors file per sample, then
/// `metadata.json` last, so a directory without it is recognisably incomplete.
struct KeyCapture {
    var inputs: RunInputs
    var layers: [Int]
    var variants: [RopeVariant]
    var sampleIDs: [String]
    var directory: URL
    /// BLAS threads of the forward passes, as a run's `--threads` pins them for its workers.
    var threads: Int

    /// Refuses a directory that already holds keys unless `force`; with `force` removes only key files.
    static func prepare(directory: URL, force: Bool) throws {
        let fm = FileManager.default
        try fm.createDirectory(at: directory, withIntermediateDirectories: true)
        let existing = try fm.contentsOfDirectory(atPath: directory.path)
            .filter { $0 == KeyFileMetadata.fileName || $0.hasSuffix(".safetensors") }
        guard !existing.isEmpty else { return }
        guard force else { throw KeyFileError.exists(directory.path) }
        for f in existing { try fm.removeItem(at: directory.appendingPathComponent(f)) }
    }

    /// Returns the metadata written. `progress` gets one line per sample.
    func run(progress: (String) -> Void) throws -> KeyFileMetadata {
        Compute.setThreads(threads)
        let modelURL = URL(fileURLWithPath: inputs.modelPath)
        let config = try LlavaConfig(directory: modelURL)
        let builder = try PromptBuilder(family: .llava, modelDirectory: modelURL)
        let template = try builder.chatTemplate.render(messages: builder.messages(userText: "{question}"), addGenerationPrompt: true,
                                                       extra: builder.templateVariables)
        let tokensPerImage = try LlavaSamplePreparer(modelDirectory: modelURL, config: config).imageTokensPerImage
        let provider = try ModelKeyProvider(modelPath: inputs.modelPath, dataPath: inputs.dataPath, maxLayer: layers.max() ?? 0)
        var entries: [KeyFileMetadata.SampleEntry] = []
        for (i, id) in sampleIDs.enumerated() {
            let t0 = Date()
            let tag = "[\(i + 1)/\(sampleIDs.count)] \(id)"
            do {
                let keys = try provider.keys(sampleID: id, layers: layers, variants: variants)
                let file = KeyFileMetadata.fileName(forSample: id)
                try KeyFileSample.write(keys, sampleID: id, to: directory.appendingPathComponent(file))
                let image = keys.modality.filter { $0 == .image }.count
                entries.append(.init(id: id, file: file, tokens: keys.modality.count))
                progress(String(format: "%@: %d tokens (image %d + text %d), %.2f s", tag, keys.modality.count, image,
                                keys.modality.count - image, Date().timeIntervalSince(t0)))
            } catch let e as SampleUnusable {
                entries.append(.init(id: id, unusable: e.reason))
                progress("\(tag): unusable: \(e.reason)")
            }
        }
        let t = config.textConfig
        let meta = KeyFileMetadata(producer: "keyscope \(keyscopeVersion)", model: inputs.modelPath, modelFamily: inputs.family.rawValue,
                                   modelDescription: inputs.modelDescription, data: inputs.dataPath, inputHashes: inputs.hashes,
                                   layers: layers, variants: variants, numKeyValueHeads: t.numKeyValueHeads, headDim: t.headDim,
                                   template: template, imageTokensPerImage: tokensPerImage,
                                   captureThreads: threads, samples: entries)
        try meta.jsonData().write(to: directory.appendingPathComponent(KeyFileMetadata.fileName), options: .atomic)
        return meta
    }
}
