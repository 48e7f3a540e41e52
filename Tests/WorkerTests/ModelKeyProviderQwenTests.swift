import Foundation
import Testing
import Math
@testable import Worker

/// The real Qwen2.5-VL path on the bundled demo checkpoint: dataset row → chat template → tokenizer →
/// Qwen2-VL preprocessing → vision tower + decoder → pre/post-M-RoPE keys.
@Suite struct ModelKeyProviderQwenTests {
    static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let model = repo.appendingPathComponent("demo/models/qwen2.5-vl-tiny").path
    static let data = repo.appendingPathComponent("demo/samples.jsonl").path

    @Test func demoQwenSampleGivesImageAndTextKeys() throws {
        let p = try ModelKeyProvider(modelPath: Self.model, dataPath: Self.data, maxLayer: 3)
        #expect(p.family == .qwen25vl)
        let k = try p.keys(sampleID: "04_chelsea_open_en", layers: [0, 3], variants: [.pre, .post])
        // 400×266 px → smart_resize (factor 28, 64…256·28² px) → 280×392 → grid [1, 20, 28] → 140 merged tokens.
        let image = k.modality.filter { $0 == .image }.count
        #expect(image == 140)
        let text = k.modality.filter { $0 == .text }.count
        #expect(text > 10 && text < 60)
        // One contiguous run of image tokens (between <|vision_start|> and <|vision_end|>).
        let first = try #require(k.modality.firstIndex(of: .image)), last = try #require(k.modality.lastIndex(of: .image))
        #expect(last - first + 1 == image)
        #expect(k.isQuestion.contains(true))
        #expect(k.isQuestion.count == image + text)
        for v in [RopeVariant.pre, .post] { for l in [0, 3] {
            let t = try #require(k.keys[v]?[l])
            #expect(t.shape == [image + text, 8])  // 1 KV head × head_dim 8
        } }
        // Position 0 is (0, 0, 0) in all three M-RoPE axes: no rotation there; image and later text rows rotate.
        let pre = k.keys[.pre]![3]!, post = k.keys[.post]![3]!
        #expect(Array(pre[row: 0]) == Array(post[row: 0]))
        #expect(Array(pre[row: first + 30]) != Array(post[row: first + 30]))
        #expect(Array(pre[row: last + 3]) != Array(post[row: last + 3]))
    }

    @Test func onlyRequestedVariantsAreReturned() throws {
        let p = try ModelKeyProvider(modelPath: Self.model, dataPath: Self.data, maxLayer: 1)
        let k = try p.keys(sampleID: "01_astronaut_open_en", layers: [1], variants: [.post])
        #expect(k.keys[.pre] == nil)
        #expect(k.keys[.post]?[1] != nil)
        // 400×400 px → 392×392 → grid [1, 28, 28] → 196 merged tokens.
        #expect(k.modality.filter { $0 == .image }.count == 196)
    }
}
