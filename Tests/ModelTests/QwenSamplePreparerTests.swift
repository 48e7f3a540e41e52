import Foundation
import Testing
import Math
@testable import Model

/// The Qwen2.5-VL sample path on the bundled demo checkpoint against transformers: Qwen2-VL preprocessing
/// (grid, pixel sums), chat template, `<|image_pad|>` expansion and the vocab/merges tokenizer give the same
/// `input_ids` (fixture: scripts/make_qwen_demo_prompt_fixtures.py).
@Suite struct QwenSamplePreparerTests {
    static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let model = repo.appendingPathComponent("demo/models/qwen2.5-vl-tiny")

    struct Reference: Decodable {
        struct Entry: Decodable {
            var id: String
            var image_grid_thw: [Int]
            var image_tokens: Int
            var pixel_rows: Int
            var pixel_sum: Double
            var pixel_abs_sum: Double
            var input_ids: [Int]
        }
        var samples: [Entry]
    }

    static func reference() throws -> Reference {
        let url = Bundle.module.url(forResource: "Fixtures", withExtension: nil)!.appendingPathComponent("qwen_demo/prepared.json")
        return try JSONDecoder().decode(Reference.self, from: Data(contentsOf: url))
    }

    static func preparer() throws -> Qwen25VLSamplePreparer {
        try Qwen25VLSamplePreparer(modelDirectory: model, config: Qwen25VLConfig(directory: model))
    }

    @Test func demoSamplesMatchTransformers() throws {
        let ref = try Self.reference()
        #expect(ref.samples.count == 3)
        let data = try DatasetLoader.read(Self.repo.appendingPathComponent("demo/samples.jsonl"))
        let preparer = try Self.preparer()
        for r in ref.samples {
            let sample = try #require(data.samples.first { $0.id == r.id })
            let p = try preparer.prepare(sample)
            #expect(p.imageGridTHW == [r.image_grid_thw], "\(r.id)")
            #expect(p.pixelValues.shape == [r.pixel_rows, 1176], "\(r.id)")
            let sum = p.pixelValues.data.reduce(0.0) { $0 + Double($1) }
            let abs = p.pixelValues.data.reduce(0.0) { $0 + Double(Swift.abs($1)) }
            #expect(Swift.abs(sum - r.pixel_sum) < 1e-3 * r.pixel_abs_sum, "\(r.id): pixel sum \(sum) vs \(r.pixel_sum)")
            #expect(Swift.abs(abs - r.pixel_abs_sum) < 1e-3 * r.pixel_abs_sum, "\(r.id): |pixel| sum \(abs) vs \(r.pixel_abs_sum)")
            #expect(p.inputIds == r.input_ids, "\(r.id)")
            // Roles: image exactly at <|image_pad|>, a question span, the rest template.
            #expect(p.roles.count == p.inputIds.count)
            for (i, id) in p.inputIds.enumerated() { #expect((id == 151655) == (p.roles[i] == .image)) }
            #expect(p.roles.filter { $0 == .image }.count == r.image_tokens)
            #expect(p.roles.contains(.question) && p.roles.contains(.template))
        }
    }

    @Test func demoPixelBudgetGivesFewImageTokens() throws {
        // preprocessor_config.json of the demo caps images at 64…256 merged tokens.
        let preparer = try Self.preparer()
        #expect(preparer.imageProcessor.config.minPixels == 64 * 28 * 28)
        #expect(preparer.imageProcessor.config.maxPixels == 256 * 28 * 28)
    }

    @Test func unreadableImageIsASamplePreparationError() throws {
        let preparer = try Self.preparer()
        let bad = Self.repo.appendingPathComponent("demo/samples.jsonl")  // not an image
        let sample = Sample(id: "broken", image: .file(bad), question: "What?")
        #expect(throws: SamplePreparationError.self) { try preparer.prepare(sample) }
    }
}
