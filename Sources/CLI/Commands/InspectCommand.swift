import ArgumentParser
import Foundation
import Math
import Model

/// `keyscope inspect`: what the model will see for each sample — the prompt (image-token runs
/// collapsed), token counts by modality and role, the preprocessed pixel shape — or why a sample is
/// unusable. Runs no forward pass, so it is the quick check before a long run.
struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "inspect", abstract: "Show the prepared prompt and tokens of each sample.")
    @Option(help: "Hugging Face model directory (llava-1.5 or Qwen2.5-VL layout).") var model: String
    @Option(help: "Dataset: .jsonl, LLaVA .json or MMBench .tsv.") var data: String
    @Option(help: "Only the first N usable samples.") var limit: Int?

    func run() throws {
        if let limit, limit < 1 { throw ValidationError("--limit must be ≥ 1") }
        let modelURL = URL(fileURLWithPath: model)
        let family = try asUsageError { try ModelFamilyDetector.detect(directory: modelURL) }
        // Both preparers do what the run does (same tokenizer, template, processor), so what is
        // printed here is what the forward pass will be fed.
        let prepare: (Sample) throws -> PreparedSample
        switch family {
        case .llava:
            let preparer = try asUsageError { try LlavaSamplePreparer(modelDirectory: modelURL, config: try LlavaConfig(directory: modelURL)) }
            prepare = preparer.prepare
        case .qwen25vl:
            let preparer = try asUsageError {
                try Qwen25VLSamplePreparer(modelDirectory: modelURL, config: try Qwen25VLConfig(directory: modelURL))
            }
            prepare = preparer.prepare
        }
        let ds = try asUsageError { try DatasetLoader.read(URL(fileURLWithPath: data)) }
        for s in ds.skipped { print("dataset row \(s.row): skipped: \(s.reason)") }
        let samples = limit.map { Array(ds.samples.prefix($0)) } ?? ds.samples
        for (i, sample) in samples.enumerated() {
            print("[\(i + 1)/\(samples.count)] \(sample.id)")
            do {
                let p = try prepare(sample)
                for line in Self.describe(p) { print("  " + line) }
            } catch let e as SamplePreparationError {
                print("  unusable: \(e.reason)")
            }
        }
    }

    /// The three report lines of one prepared sample. Qwen2.5-VL's pixels are patch rows
    /// `[Σ t·h·w, C·T·P·P]`, so its grid is printed too (it decides the image token count).
    static func describe(_ p: PreparedSample) -> [String] {
        let count = { (r: TokenRole) in p.roles.filter { $0 == r }.count }
        let image = count(.image), question = count(.question), template = count(.template)
        return [
            "prompt: " + collapse(p.prompt.text, placeholder: p.prompt.placeholder),
            "tokens: \(p.roles.count) = image \(image) + text \(question + template) (question \(question), template \(template))",
            p.imageGridTHW.isEmpty ? "pixels: \(p.pixelValues.shape)"
                : "pixels: patches \(p.pixelValues.shape), image_grid_thw \(p.imageGridTHW)",
        ]
    }

    /// `<image><image>…` → `<image>×576`; newlines shown as `\n` so each prompt stays on one line.
    static func collapse(_ text: String, placeholder: String) -> String {
        var out = "", rest = Substring(text)
        while let r = rest.range(of: placeholder) {
            out += rest[..<r.lowerBound]
            var n = 0
            while rest[r.lowerBound...].dropFirst(n * placeholder.count).hasPrefix(placeholder) { n += 1 }
            out += n == 1 ? placeholder : "\(placeholder)×\(n)"
            rest = rest[r.lowerBound...].dropFirst(n * placeholder.count)
        }
        out += rest
        return out.replacingOccurrences(of: "\n", with: "\\n")
    }
}
