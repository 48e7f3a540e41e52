import Foundation
import Math
import Testing
@testable import Model

/// LLaVA forward against transformers 5.24 on the tiny generated checkpoints (golden tests).
@Suite struct LlavaParityTests {
    struct Case: Sendable, CustomStringConvertible {
        let dir: String
        var description: String { dir }
    }
    static let cases = [Case(dir: "tiny_t5"), Case(dir: "tiny_hub")]

    func inputs(_ ref: SafetensorsFile) throws -> LlavaStageInput {
        .tokens(inputIds: try ref.integers("input_ids").values, pixelValues: try ref.tensor("pixel_values"))
    }

    @Test(arguments: cases)
    func keysHiddenStatesAndFeatures(c: Case) throws {
        let ref = try LlavaFixtures.file("\(c.dir)_ref.safetensors")
        let dir = LlavaFixtures.url(c.dir)
        let config = try LlavaConfig(directory: dir)
        let n = config.textConfig.numHiddenLayers
        let stage = try LlavaStage(directory: dir, layers: 0..<n, includeEmbedding: true, includeHead: true)
        let out = try stage.forward(try inputs(ref), taps: KeyTaps(layers: Set(0..<n), preRoPE: true, postRoPE: true))
        #expect(out.layersRun == 0..<n)
        LlavaFixtures.expectClose(try #require(out.logits), try ref.tensor("logits"), "\(c) logits")
        LlavaFixtures.expectClose(try #require(out.imageFeatures), try ref.tensor("image_features"), "\(c) image features")
        LlavaFixtures.expectClose(try #require(out.embeddings), try ref.tensor("embeddings"), "\(c) embeddings")
        for l in 0..<n {
            LlavaFixtures.expectClose(try #require(out.keys[l]), try ref.tensor("keys_\(l)"), "\(c) pre-RoPE keys L\(l)")
            LlavaFixtures.expectClose(try #require(out.rotatedKeys[l]), try ref.tensor("rotated_keys_\(l)"), "\(c) post-RoPE keys L\(l)")
        }
        LlavaFixtures.expectClose(out.hiddenStates, try ref.tensor("hidden_\(n - 1)"), "\(c) last hidden")
        let ids = try ref.integers("input_ids").values
        #expect(out.isImageToken == ids.map { $0 == config.imageTokenIndex })
        #expect(out.isImageToken.filter { $0 }.count == (try ref.tensor("image_features")).rows)
        // Each intermediate layer's output: a stage that stops there.
        for l in 0..<(n - 1) {
            let part = try stage.forward(try inputs(ref), taps: KeyTaps(layers: [l], preRoPE: false))
            #expect(part.layersRun == 0..<(l + 1) && part.logits == nil)
            LlavaFixtures.expectClose(part.hiddenStates, try ref.tensor("hidden_\(l)"), "\(c) hidden L\(l)")
        }
    }

    /// Stages [0, a) then [a, n) give bit-identical keys and hidden states to one stage [0, n).
    @Test(arguments: cases)
    func splitStagesAreBitIdentical(c: Case) throws {
        let ref = try LlavaFixtures.file("\(c.dir)_ref.safetensors")
        let dir = LlavaFixtures.url(c.dir)
        let n = try LlavaConfig(directory: dir).textConfig.numHiddenLayers
        let all = Set(0..<n)
        let whole = try LlavaStage(directory: dir, layers: 0..<n, includeEmbedding: true)
            .forward(try inputs(ref), taps: KeyTaps(layers: all, postRoPE: true))
        for a in 1..<n {
            let first = try LlavaStage(directory: dir, layers: 0..<a, includeEmbedding: true)
                .forward(try inputs(ref), taps: KeyTaps(layers: Set(0..<a), postRoPE: true, stopAfterLastTap: false))
            let second = try LlavaStage(directory: dir, layers: a..<n, includeEmbedding: false)
                .forward(.hidden(first.hiddenStates, isImageToken: first.isImageToken),
                         taps: KeyTaps(layers: Set(a..<n), postRoPE: true))
            #expect(second.hiddenStates == whole.hiddenStates, "split at \(a)")
            #expect(second.isImageToken == whole.isImageToken)
            for l in 0..<n {
                let part = l < a ? first : second
                #expect(part.keys[l] == whole.keys[l] && part.rotatedKeys[l] == whole.rotatedKeys[l], "split \(a) layer \(l)")
            }
        }
    }

    /// transformers-5 in-memory names (`model.language_model.*`, `model.vision_tower.*`, `lm_head`) load
    /// to the same keys: the tiny_t5 tensors are rewritten under those names with our writer.
    @Test func transformers5InMemoryNames() throws {
        let src = LlavaFixtures.url("tiny_t5")
        let file = try SafetensorsFile(url: src.appendingPathComponent("model.safetensors"))
        var w = SafetensorsWriter()
        for name in file.names {
            var new = name
            for (old, rep) in [("language_model.model.", "model.language_model."), ("language_model.lm_head.", "lm_head."),
                               ("vision_tower.", "model.vision_tower."), ("multi_modal_projector.", "model.multi_modal_projector.")]
                where name.hasPrefix(old) {
                new = rep + name.dropFirst(old.count)
                break
            }
            w.add(new, try file.tensor(name))
        }
        let dir = try LlavaFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try w.write(to: dir.appendingPathComponent("model.safetensors"))
        try FileManager.default.copyItem(at: src.appendingPathComponent("config.json"), to: dir.appendingPathComponent("config.json"))
        let names = WeightNames(checkpoint: try SafetensorsCheckpoint(directory: dir))
        #expect(names.textPrefix == "model.language_model." && names.visionPrefix == "model.vision_tower.")
        #expect(names.lmHeadPrefix == "lm_head." && names.projectorPrefix == "model.multi_modal_projector.")
        let ref = try LlavaFixtures.file("tiny_t5_ref.safetensors")
        let out = try LlavaStage(directory: dir, layers: 0..<2, includeEmbedding: true)
            .forward(try inputs(ref), taps: KeyTaps(layers: [1]))
        LlavaFixtures.expectClose(try #require(out.keys[1]), try ref.tensor("keys_1"), "renamed keys L1")
    }

    @Test func laterStageReadsOnlyItsShard() throws {
        let dir = LlavaFixtures.url("tiny_hub")
        let ckpt = try SafetensorsCheckpoint(directory: dir)
        _ = try LlavaStage(checkpoint: ckpt, config: try LlavaConfig(directory: dir), layers: 2..<3, includeEmbedding: false)
        #expect(ckpt.openedFiles == ["model-00002-of-00002.safetensors"])
    }

    @Test func inputErrors() throws {
        let dir = LlavaFixtures.url("tiny_t5")
        let ref = try LlavaFixtures.file("tiny_t5_ref.safetensors")
        let stage = try LlavaStage(directory: dir, layers: 0..<2, includeEmbedding: true)
        let pixels = try ref.tensor("pixel_values")
        #expect(throws: LlavaError.imageTokenMismatch(imageTokens: 4, imageFeatures: 8)) {
            try stage.forward(.tokens(inputIds: [1, 100, 100, 100, 100, 2], pixelValues: pixels))
        }
        #expect(throws: LlavaError.tokenOutOfVocabulary(position: 1, id: 999, vocabSize: 128)) {
            try stage.forward(.tokens(inputIds: [1, 999], pixelValues: nil))
        }
        #expect(throws: LlavaError.tapOutsideStage(layer: 3, stage: 0..<2)) {
            try stage.forward(.tokens(inputIds: [1, 2], pixelValues: nil), taps: KeyTaps(layers: [3]))
        }
        #expect(throws: LlavaError.layerRangeOutOfBounds(requested: 2..<9, numLayers: 4)) {
            try LlavaStage(directory: dir, layers: 2..<9, includeEmbedding: false)
        }
        let text = try stage.forward(.tokens(inputIds: [1, 5, 6], pixelValues: nil), taps: KeyTaps(layers: [0]))
        #expect(text.isImageToken == [false, false, false] && text.keys[0]?.shape == [3, 32])
    }
}
