import Foundation
import Math

/// `config.json` of a `LlavaForConditionalGeneration` checkpoint (llava-hf layout).
public struct LlavaConfig: Codable, Sendable, Equatable {
    /// Which CLIP hidden states feed the projector: one layer (`-2` in LLaVA-1.5) or several,
    /// concatenated along the feature dimension. Indices are into `hidden_states`, where 0 is the
    /// embedding output and negative counts from the end (`numHiddenLayers + 1` entries).
    public enum FeatureLayer: Codable, Sendable, Equatable {
        case single(Int)
        case multiple([Int])

        public var indices: [Int] {
            switch self { case .single(let i): return [i]; case .multiple(let l): return l }
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.singleValueContainer()
            if let i = try? c.decode(Int.self) { self = .single(i); return }
            self = .multiple(try c.decode([Int].self))
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.singleValueContainer()
            switch self { case .single(let i): try c.encode(i); case .multiple(let l): try c.encode(l) }
        }
    }

    /// `default` drops the CLS token of each selected hidden state; `full` keeps it.
    public enum SelectStrategy: String, Codable, Sendable { case `default`, full }

    public var textConfig: LlamaTextConfig
    public var visionConfig: CLIPVisionConfig
    public var imageTokenIndex = 32000
    public var visionFeatureLayer: FeatureLayer = .single(-2)
    public var visionFeatureSelectStrategy: SelectStrategy = .default
    public var projectorHiddenAct = "gelu"
    public var multimodalProjectorBias = true
    public var tieWordEmbeddings = false

    enum CodingKeys: String, CodingKey {
        case textConfig = "text_config", visionConfig = "vision_config"
        case imageTokenIndex = "image_token_index", imageTokenId = "image_token_id"
        case visionFeatureLayer = "vision_feature_layer"
        case visionFeatureSelectStrategy = "vision_feature_select_strategy"
        case projectorHiddenAct = "projector_hidden_act", multimodalProjectorBias = "multimodal_projector_bias"
        case tieWordEmbeddings = "tie_word_embeddings"
    }

    public init(textConfig: LlamaTextConfig = LlamaTextConfig(), visionConfig: CLIPVisionConfig = .llavaDefault) {
        self.textConfig = textConfig
        self.visionConfig = visionConfig
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        textConfig = try c.decodeIfPresent(LlamaTextConfig.self, forKey: .textConfig) ?? LlamaTextConfig()
        visionConfig = try c.decodeIfPresent(CLIPVisionConfig.self, forKey: .visionConfig) ?? .llavaDefault
        imageTokenIndex = try c.decodeIfPresent(Int.self, forKey: .imageTokenIndex)
            ?? c.decodeIfPresent(Int.self, forKey: .imageTokenId) ?? imageTokenIndex
        visionFeatureLayer = try c.decodeIfPresent(FeatureLayer.self, forKey: .visionFeatureLayer) ?? visionFeatureLayer
        visionFeatureSelectStrategy = try c.decodeIfPresent(SelectStrategy.self, forKey: .visionFeatureSelectStrategy)
            ?? visionFeatureSelectStrategy
        projectorHiddenAct = try c.decodeIfPresent(String.self, forKey: .projectorHiddenAct) ?? projectorHiddenAct
        multimodalProjectorBias = try c.decodeIfPresent(Bool.self, forKey: .multimodalProjectorBias) ?? multimodalProjectorBias
        tieWordEmbeddings = try c.decodeIfPresent(Bool.self, forKey: .tieWordEmbeddings) ?? false
        // As transformers: the text config's tie flag forwards to the top level.
        if !tieWordEmbeddings && textConfig.tieWordEmbeddings { tieWordEmbeddings = true }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(textConfig, forKey: .textConfig); try c.encode(visionConfig, forKey: .visionConfig)
        try c.encode(imageTokenIndex, forKey: .imageTokenIndex); try c.encode(visionFeatureLayer, forKey: .visionFeatureLayer)
        try c.encode(visionFeatureSelectStrategy, forKey: .visionFeatureSelectStrategy)
        try c.encode(projectorHiddenAct, forKey: .projectorHiddenAct)
        try c.encode(multimodalProjectorBias, forKey: .multimodalProjectorBias)
        try c.encode(tieWordEmbeddings, forKey: .tieWordEmbeddings)
    }

    public static let fileName = "config.json"

    /// Parses `data` (the contents of `file`, named in errors).
    public init(jsonData data: Data, file: String = LlavaConfig.fileName) throws {
        self = try ConfigError.decode(LlavaConfig.self, from: data, file: file)
        try validate(file: file)
    }

    /// Reads `<directory>/config.json`.
    public init(directory: URL) throws {
        let url = directory.appendingPathComponent(Self.fileName)
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw ConfigError.unreadable(file: url.path, reason: error.localizedDescription)
        }
        try self.init(jsonData: data, file: url.path)
    }

    /// Hidden-state indices (into `0...numHiddenLayers`) of the selected CLIP layers.
    public var resolvedFeatureLayers: [Int] {
        let n = visionConfig.numHiddenLayers + 1
        return visionFeatureLayer.indices.map { $0 < 0 ? n + $0 : $0 }
    }

    /// How many `<image>` tokens one image expands to (576 for LLaVA-1.5 at 336 px; +1 with `full`).
    public var imageTokensPerImage: Int {
        let g = visionConfig.patchesPerSide
        return g * g + (visionFeatureSelectStrategy == .full ? 1 : 0)
    }

    func validate(file: String) throws {
        let t = textConfig, v = visionConfig
        func check(_ ok: Bool, _ path: String, _ value: Any) throws {
            if !ok { throw ConfigError.invalidValue(file: file, path: path, value: "\(value)") }
        }
        try check(t.numAttentionHeads > 0 && t.numKeyValueHeads > 0 && t.numAttentionHeads % t.numKeyValueHeads == 0,
                  "text_config.num_key_value_heads", t.numKeyValueHeads)
        try check(t.headDim > 0 && t.headDim % 2 == 0, "text_config.head_dim", t.headDim)
        try check(v.numAttentionHeads > 0 && v.hiddenSize % v.numAttentionHeads == 0,
                  "vision_config.num_attention_heads", v.numAttentionHeads)
        try check(v.patchSize > 0 && v.imageSize >= v.patchSize, "vision_config.patch_size", v.patchSize)
        for (i, l) in resolvedFeatureLayers.enumerated() {
            try check((0...v.numHiddenLayers).contains(l), "vision_feature_layer[\(i)]", visionFeatureLayer.indices[i])
        }
        _ = try t.rope.scaling(maxPositionEmbeddings: t.maxPositionEmbeddings, file: file,
                               path: "text_config.rope_parameters")
        for (path, name) in [("projector_hidden_act", projectorHiddenAct), ("text_config.hidden_act", t.hiddenAct),
                             ("vision_config.hidden_act", v.hiddenAct)] {
            try check(Activation(transformersName: name) != nil, path, "\"\(name)\"")
        }
    }
}
