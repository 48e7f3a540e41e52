import Foundation
import Testing
import Math
@testable import Worker

/// The real path on the bundled demo checkpoint: dataset row → template → tokenizer → CLIP → forward → keys.
@Suite struct ModelKeyProviderTests {
    static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test func demoLlavaSampleGivesImageAndTextKeys() throws {
        let model = Self.repo.appendingPathComponent("demo/models/llava-1.5-tiny").path
        let data = Self.repo.appendingPathComponent("demo/samples.jsonl").path
        let p = try ModelKeyProvider(modelPath: model, dataPath: data, maxLayer: 1)
        let k = try p.keys(sampleID: "01_astronaut_open_en", layers: [0, 1], variants: [.pre, .post])
        #expect(k.modality.filter { $0 == .image }.count == 576)
        let text = k.modality.filter { $0 == .text }.count
        #expect(text > 10 && text < 60)
        #expect(k.isQuestion.contains(true))
        for v in [RopeVariant.pre, .post] { for l in [0, 1] {
            let t = try #require(k.keys[v]?[l])
            #expect(t.shape == [576 + text, 64])
        } }
        // Position 0 (BOS) has no rotation, so pre- and post-RoPE keys agree there and differ later.
        let pre = k.keys[.pre]![1]!, post = k.keys[.post]![1]!
        #expect(Array(pre[row: 0]) == Array(post[row: 0]))
        #expect(Array(pre[row: 5]) != Array(post[row: 5]))
    }

    @Test func unknownSampleAndBadModelAreNamed() throws {
        let data = Self.repo.appendingPathComponent("demo/samples.jsonl").path
        #expect(throws: (any Error).self) { try ModelKeyProvider(modelPath: "/nonexistent", dataPath: data, maxLayer: 0) }
        let model = Self.repo.appendingPathComponent("demo/models/llava-1.5-tiny").path
        let p = try ModelKeyProvider(modelPath: model, dataPath: data, maxLayer: 0)
        do { _ = try p.keys(sampleID: "nope", layers: [0], variants: [.pre]); Issue.record("expected an error") } catch {
            #expect("\(error)".contains("'nope'"))
        }
    }
}
