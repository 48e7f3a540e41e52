import Foundation
import Math
import Testing
@testable import Model

@Suite struct QwenConfigTests {
    /// The real Qwen/Qwen2.5-VL-7B-Instruct config: flat text fields, legacy `rope_scaling {type: mrope}`.
    @Test func realQwen25VL7BConfig() throws {
        let c = try Qwen25VLConfig(directory: QwenFixtures.url("Qwen2.5-VL-7B-Instruct"))
        let t = c.textConfig, v = c.visionConfig
        #expect(t.vocabSize == 152064 && t.hiddenSize == 3584 && t.intermediateSize == 18944 && t.numHiddenLayers == 28)
        #expect(t.numAttentionHeads == 28 && t.numKeyValueHeads == 4 && t.headDim == 128 && t.rmsNormEps == 1e-6)
        #expect(t.ropeType == "default" && t.ropeTheta == 1_000_000 && t.mropeSection == [16, 24, 24])
        #expect(t.maxPositionEmbeddings == 128000 && t.hiddenAct == "silu" && !t.useSlidingWindow)
        #expect(v.depth == 32 && v.hiddenSize == 1280 && v.intermediateSize == 3420 && v.numHeads == 16 && v.headDim == 80)
        #expect(v.patchSize == 14 && v.spatialMergeSize == 2 && v.temporalPatchSize == 2 && v.windowSize == 112)
        #expect(v.fullattBlockIndexes == [7, 15, 23, 31] && v.outHiddenSize == 3584 && v.inChannels == 3)
        #expect(v.ropeTheta == 10000 && v.patchWidth == 1176 && v.mergedWindowSide == 4 && v.tokensPerSecond == 2)
        #expect(c.imageTokenId == 151655 && c.visionStartTokenId == 151652 && c.visionEndTokenId == 151653)
        #expect(c.videoTokenId == 151656 && !c.tieWordEmbeddings)
    }

    /// Every tensor a full stage (embeddings, vision, 28 layers, head) reads exists in the real index.
    @Test func realIndexHasEveryTensorAStageNeeds() throws {
        let dir = QwenFixtures.url("Qwen2.5-VL-7B-Instruct")
        let data = try Data(contentsOf: dir.appendingPathComponent("model.safetensors.index.json"))
        let map = try #require((try JSONSerialization.jsonObject(with: data) as? [String: Any])?["weight_map"] as? [String: String])
        let names = Qwen25VLWeightNames(names: Set(map.keys))
        #expect(names.visionPrefix == "visual." && names.textPrefix == "model." && names.lmHeadPrefix == "lm_head.")
        let config = try Qwen25VLConfig(directory: dir)
        let needed = try Qwen25VLStage.tensorNames(config: config, names: names, layers: 0..<28, includeEmbedding: true,
                                                   includeHead: true)
        #expect(needed.count == map.count)  // a full model reads every tensor of the checkpoint, and only those
        for n in needed { #expect(map[n] != nil, "\(n) missing from the index") }
    }

    /// transformers 5's nested `text_config` and the hub's flat layout decode to the same text config.
    @Test func nestedAndFlatLayouts() throws {
        let t5 = try Qwen25VLConfig(directory: QwenFixtures.url("tiny_t5"))
        let hub = try Qwen25VLConfig(directory: QwenFixtures.url("tiny_hub"))
        var hubText = hub.textConfig
        hubText.tieWordEmbeddings = false  // the flat layout's top-level flag is also read as a text field
        #expect(t5.textConfig == hubText && t5.visionConfig == hub.visionConfig)
        #expect(t5.textConfig.mropeSection == [2, 3, 3] && t5.textConfig.headDim == 16 && t5.textConfig.numKeyValueHeads == 2)
        #expect(t5.imageTokenId == 502 && !t5.tieWordEmbeddings && hub.tieWordEmbeddings)
        #expect(t5.visionConfig.fullattBlockIndexes == [1] && t5.visionConfig.mergedWindowSide == 2)
        // Round trip through our own encoding.
        let again = try Qwen25VLConfig(jsonData: try JSONEncoder().encode(hub))
        #expect(again == hub)
    }

    @Test func defaultsAndErrors() throws {
        let minimal = try Qwen25VLConfig(jsonData: Data(#"{"num_key_value_heads": null, "vision_config": {"out_hidden_size": 8192}}"#.utf8))
        #expect(minimal.textConfig.numKeyValueHeads == 64 && minimal.textConfig.hiddenSize == 8192)
        #expect(minimal.textConfig.rmsNormEps == 1e-5 && minimal.visionConfig.hiddenSize == 3584)
        #expect(throws: ConfigError.invalidValue(file: "c.json", path: "rope_scaling.mrope_section", value: "[16, 24, 23]")) {
            try Qwen25VLConfig(jsonData: Data(#"{"rope_scaling": {"type": "mrope", "mrope_section": [16, 24, 23]}, "vision_config": {"out_hidden_size": 8192}}"#.utf8), file: "c.json")
        }
        #expect(throws: ConfigError.invalidValue(file: "c.json", path: "rope_scaling.rope_type", value: "\"yarn\"")) {
            try Qwen25VLConfig(jsonData: Data(#"{"rope_scaling": {"type": "yarn", "mrope_section": [16, 24, 24]}, "vision_config": {"out_hidden_size": 8192}}"#.utf8), file: "c.json")
        }
        #expect(throws: ConfigError.typeMismatch(file: "c.json", path: "vision_config.depth", expected: "Int")) {
            try Qwen25VLConfig(jsonData: Data(#"{"vision_config": {"depth": "deep"}}"#.utf8), file: "c.json")
        }
    }
}
