import Foundation
import Math

/// `config.json` of a `Qwen2_5_VLForConditionalGeneration` checkpoint, hub (flat) or transformers 5
/// (nested `text_config`) layout.
public struct Qwen25VLConfig: Codable, Sendable, Equatable {
    public var textConfig: Qwen25VLTextConfig
    public var visionConfig: Qwen25VLVisionConfig
    /// `<|image_pad|>`: the positions image features replace.
    public var imageTokenId = 151655
    public var videoTokenId = 151656
    public var visionStartTokenId = 151652
    public var visionEndTokenId = 151653
    public var tieWordEmbeddings = false

    enum CodingKeys: String, CodingKey {
        case textConfig = "text_config", visionConfig = "vision_config"
        case imageTokenId = "image_token_id", videoTokenId = "video_token_id"
        case visionStartTokenId = "vision_start_token_id", visionEndTokenId = "vision_end_token_id"
        case tieWordEmbeddings = "tie_word_embeddings"
    }

    public init(textConfig: Qwen25VLTextConfig = Qwen25VLTextConfig(),
                visionConfig: Qwen25VLVisionConfig = Qwen25VLVisionConfig()) {
        self.textConfig = textConfig; self.visionConfig = visionConfig
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        // Hub configs are flat: the text fields sit at the top level (transformers pops them from there).
        textConfig = try c.decodeIfPresent(Qwen25VLTextConfig.self, forKey: .textConfig) ?? Qwen25VLTextConfig(from: decoder)
        visionConfig = try c.decodeIfPresent(Qwen25VLVisionConfig.self, forKey: .visionConfig) ?? Qwen25VLVisionConfig()
        imageTokenId = try c.decodeIfPresent(Int.self, forKey: .imageTokenId) ?? imageTokenId
        videoTokenId = try c.decodeIfPresent(Int.self, forKey: .videoTokenId) ?? videoTokenId
        visionStartTokenId = try c.decodeIfPresent(Int.self, forKey: .visionStartTokenId) ?? visionStartTokenId
        visionEndTokenId = try c.decodeIfPresent(Int.self, forKey: .visionEndTokenId) ?? visionEndTokenId
        tieWordEmbeddings = try c.decodeIfPresent(Bool.self, forKey: .tieWordEmbeddings) ?? false
        // As transformers: a pre-v5 text_config tie flag forwards to the top level.
        if !tieWordEmbeddings && textConfig.tieWordEmbeddings { tieWordEmbeddings = true }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(textConfig, forKey: .textConfig); try c.encode(visionConfig, forKey: .visionConfig)
        try c.encode(imageTokenId, forKey: .imageTokenId); try c.encode(videoTokenId, forKey: .videoTokenId)
        try c.encode(visionStartTokenId, forKey: .visionStartTokenId); try c.encode(visionEndTokenId, forKey: .visionEndTokenId)
        try c.encode(tieWordEmbeddings, forKey: .tieWordEmbeddings)
    }

    public static let fileName = "config.json"

    /// Parses `data` (the contents of `file`, named in errors).
    public init(jsonData data: Data, file: String = Qwen25VLConfig.fileName) throws {
        self = try ConfigError.decode(Qwen25VLConfig.self, from: data, file: file)
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

    func validate(file: String) throws {
        let t = textConfig, v = visionConfig
        func check(_ ok: Bool, _ path: String, _ value: Any) throws {
            if !ok { throw ConfigError.invalidValue(file: file, path: path, value: "\(value)") }
        }
        try check(t.numAttentionHeads > 0 && t.hiddenSize % t.numAttentionHeads == 0 && t.headDim % 2 == 0,
                  "num_attention_heads", t.numAttentionHeads)
        try check(t.numKeyValueHeads > 0 && t.numAttentionHeads % t.numKeyValueHeads == 0,
                  "num_key_value_heads", t.numKeyValueHeads)
        try check(t.ropeType == "default", "rope_scaling.rope_type", "\"\(t.ropeType)\"")
        try check(t.mropeSection.count == 3 && t.mropeSection.allSatisfy { $0 >= 0 }
                  && t.mropeSection.reduce(0, +) == t.headDim / 2, "rope_scaling.mrope_section", t.mropeSection)
        try check(!t.useSlidingWindow, "use_sliding_window", t.useSlidingWindow)
        try check(v.numHeads > 0 && v.hiddenSize % v.numHeads == 0 && v.headDim % 4 == 0, "vision_config.num_heads", v.numHeads)
        try check(v.spatialMergeSize > 0, "vision_config.spatial_merge_size", v.spatialMergeSize)
        try check(v.mergedWindowSide > 0, "vision_config.window_size", v.windowSize)
        try check(v.outHiddenSize == t.hiddenSize, "vision_config.out_hidden_size", v.outHiddenSize)
        for (path, name) in [("hidden_act", t.hiddenAct), ("vision_config.hidden_act", v.hiddenAct)] {
            try check(Activation(transformersName: name) != nil, path, "\"\(name)\"")
        }
    }
}
