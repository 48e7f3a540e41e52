import Foundation
import Math
import Testing
@testable import Model

@Suite struct ConfigTests {
    /// The real llava-hf/llava-1.5-7b-hf config: sparse text_config, Llama defaults filled in.
    @Test func realLlava15Config() throws {
        let c = try LlavaConfig(directory: LlavaFixtures.url("llava-1.5-7b-hf"))
        let t = c.textConfig, v = c.visionConfig
        #expect(t.hiddenSize == 4096 && t.intermediateSize == 11008 && t.numHiddenLayers == 32)
        #expect(t.numAttentionHeads == 32 && t.numKeyValueHeads == 32 && t.headDim == 128)
        #expect(t.vocabSize == 32064 && t.rmsNormEps == 1e-5 && t.ropeTheta == 10000 && t.rope.ropeType == "default")
        #expect(t.maxPositionEmbeddings == 4096 && t.hiddenAct == "silu" && !t.attentionBias)
        #expect(v.hiddenSize == 1024 && v.numHiddenLayers == 24 && v.imageSize == 336 && v.patchSize == 14)
        #expect(v.hiddenAct == "quick_gelu" && v.layerNormEps == 1e-5 && v.numPositions == 577)
        #expect(c.imageTokenIndex == 32000 && c.visionFeatureLayer == .single(-2) && c.resolvedFeatureLayers == [23])
        #expect(c.visionFeatureSelectStrategy == .default && c.projectorHiddenAct == "gelu")
        #expect(c.imageTokensPerImage == 576)
    }

    /// Every tensor a full stage reads exists in the real checkpoint index, under hub names.
    @Test func realIndexHasEveryTensorAStageNeeds() throws {
        let data = try Data(contentsOf: LlavaFixtures.url("llava-1.5-7b-hf/model.safetensors.index.json"))
        let map = try #require((try JSONSerialization.jsonObject(with: data) as? [String: Any])?["weight_map"] as? [String: String])
        let names = WeightNames(names: Set(map.keys))
        #expect(names.visionPrefix == "vision_tower.vision_model." && names.textPrefix == "language_model.model.")
        #expect(names.projectorPrefix == "multi_modal_projector." && names.lmHeadPrefix == "language_model.lm_head.")
        let config = try LlavaConfig(directory: LlavaFixtures.url("llava-1.5-7b-hf"))
        let needed = try LlavaStage.tensorNames(config: config, names: names, layers: 0..<32, includeEmbedding: true)
        #expect(needed.count == 1 + 5 + 23 * 16 + 4 + 32 * 9)
        for n in needed { #expect(map[n] != nil, "\(n) missing from the index") }
    }

    @Test func tinyConfigs() throws {
        let t5 = try LlavaConfig(directory: LlavaFixtures.url("tiny_t5"))
        #expect(t5.textConfig.rope == RopeParameters(ropeType: "default", ropeTheta: 10000))
        #expect(t5.imageTokenIndex == 100 && t5.resolvedFeatureLayers == [2])
        let hub = try LlavaConfig(directory: LlavaFixtures.url("tiny_hub"))
        #expect(hub.textConfig.headDim == 8 && hub.textConfig.numKeyValueHeads == 2 && hub.textConfig.attentionBias)
        #expect(hub.textConfig.rope == RopeParameters(ropeType: "llama3", ropeTheta: 500000, factor: 8, lowFreqFactor: 1,
                                                      highFreqFactor: 4, originalMaxPositionEmbeddings: 16))
        #expect(hub.visionConfig.hiddenAct == "quick_gelu" && hub.visionConfig.layerNormEps == 1e-5)
        #expect(hub.visionFeatureLayer == .multiple([-2, -1]) && hub.resolvedFeatureLayers == [1, 2])
        #expect(hub.visionFeatureSelectStrategy == .full && hub.imageTokensPerImage == 10 && t5.imageTokensPerImage == 4)
    }

    @Test func defaultsAliasesAndErrors() throws {
        let empty = try LlavaConfig(jsonData: Data("{}".utf8))
        #expect(empty.textConfig == LlamaTextConfig() && empty.visionConfig == .llavaDefault)
        #expect(empty.textConfig.rmsNormEps == 1e-6 && empty.textConfig.maxPositionEmbeddings == 2048)
        let sparseVision = try LlavaConfig(jsonData: Data(#"{"vision_config":{"hidden_size":64,"num_attention_heads":4}}"#.utf8))
        #expect(sparseVision.visionConfig.patchSize == 32 && sparseVision.visionConfig.imageSize == 224)
        #expect(try LlavaConfig(jsonData: Data(#"{"image_token_id":7}"#.utf8)).imageTokenIndex == 7)
        let legacy = try LlavaConfig(jsonData: Data(#"{"text_config":{"rope_scaling":{"type":"linear","factor":2}}}"#.utf8))
        #expect(legacy.textConfig.rope == RopeParameters(ropeType: "linear", ropeTheta: 10000, factor: 2))
        #expect(throws: ConfigError.typeMismatch(file: "c.json", path: "text_config.hidden_size", expected: "Int")) {
            try LlavaConfig(jsonData: Data(#"{"text_config":{"hidden_size":"big"}}"#.utf8), file: "c.json")
        }
        #expect(throws: ConfigError.missingKey(file: "c.json", path: "text_config.rope_parameters.factor")) {
            try LlavaConfig(jsonData: Data(#"{"text_config":{"rope_parameters":{"rope_type":"dynamic"}}}"#.utf8), file: "c.json")
        }
        #expect(throws: ConfigError.invalidValue(file: "c.json", path: "vision_feature_layer[0]", value: "-30")) {
            try LlavaConfig(jsonData: Data(#"{"vision_feature_layer":-30}"#.utf8), file: "c.json")
        }
        #expect(throws: ConfigError.invalidValue(file: "c.json", path: "text_config.rope_parameters.rope_type", value: "\"yarn\"")) {
            try LlavaConfig(jsonData: Data(#"{"text_config":{"rope_parameters":{"rope_type":"yarn","factor":2}}}"#.utf8), file: "c.json")
        }
    }
}
