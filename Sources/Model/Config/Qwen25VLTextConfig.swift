import Foundation

/// The Qwen2 text model of Qwen2.5-VL. The hub's `config.json` is flat (text fields at the top level,
/// RoPE in the legacy `rope_scaling: {type: mrope, mrope_section}`); transformers 5 writes a nested
/// `text_config` with `rope_parameters`. Both decode to this type; every missing field takes
/// transformers 5.24's `Qwen2_5_VLTextConfig` default — applied here and nowhere else.
public struct Qwen25VLTextConfig: Codable, Sendable, Equatable {
    public var vocabSize = 152064
    public var hiddenSize = 8192
    public var intermediateSize = 29568
    public var numHiddenLayers = 80
    public var numAttentionHeads = 64
    /// Defaults to `numAttentionHeads` when absent or null.
    public var numKeyValueHeads = 8
    public var hiddenAct = "silu"
    public var maxPositionEmbeddings = 32768
    public var rmsNormEps = 1e-5
    /// Sliding-window attention is only honoured by flash attention in transformers; keyscope rejects it.
    public var useSlidingWindow = false
    /// `rope_type` after transformers' normalisation (`"mrope"` → `"default"`).
    public var ropeType = "default"
    /// `rope_parameters.rope_theta`, else `rope_scaling.rope_theta`, else top-level `rope_theta`, else 1e6.
    public var ropeTheta = 1_000_000.0
    /// How the `headDim / 2` frequencies split over the (t, h, w) position rows; sums to `headDim / 2`.
    public var mropeSection = [16, 24, 24]
    public var tieWordEmbeddings = false

    enum CodingKeys: String, CodingKey {
        case vocabSize = "vocab_size", hiddenSize = "hidden_size", intermediateSize = "intermediate_size"
        case numHiddenLayers = "num_hidden_layers", numAttentionHeads = "num_attention_heads"
        case numKeyValueHeads = "num_key_value_heads", hiddenAct = "hidden_act"
        case maxPositionEmbeddings = "max_position_embeddings", rmsNormEps = "rms_norm_eps"
        case useSlidingWindow = "use_sliding_window", ropeParameters = "rope_parameters", ropeScaling = "rope_scaling"
        case ropeTheta = "rope_theta", tieWordEmbeddings = "tie_word_embeddings"
    }

    struct Rope: Codable, Equatable {
        var ropeType: String?, type: String?, ropeTheta: Double?, mropeSection: [Int]?
        enum CodingKeys: String, CodingKey {
            case ropeType = "rope_type", type, ropeTheta = "rope_theta", mropeSection = "mrope_section"
        }
    }

    public init() {}

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        vocabSize = try c.decodeIfPresent(Int.self, forKey: .vocabSize) ?? vocabSize
        hiddenSize = try c.decodeIfPresent(Int.self, forKey: .hiddenSize) ?? hiddenSize
        intermediateSize = try c.decodeIfPresent(Int.self, forKey: .intermediateSize) ?? intermediateSize
        numHiddenLayers = try c.decodeIfPresent(Int.self, forKey: .numHiddenLayers) ?? numHiddenLayers
        numAttentionHeads = try c.decodeIfPresent(Int.self, forKey: .numAttentionHeads) ?? numAttentionHeads
        if c.contains(.numKeyValueHeads) {
            numKeyValueHeads = try c.decodeIfPresent(Int.self, forKey: .numKeyValueHeads) ?? numAttentionHeads
        }
        hiddenAct = try c.decodeIfPresent(String.self, forKey: .hiddenAct) ?? hiddenAct
        maxPositionEmbeddings = try c.decodeIfPresent(Int.self, forKey: .maxPositionEmbeddings) ?? maxPositionEmbeddings
        rmsNormEps = try c.decodeIfPresent(Double.self, forKey: .rmsNormEps) ?? rmsNormEps
        useSlidingWindow = try c.decodeIfPresent(Bool.self, forKey: .useSlidingWindow) ?? useSlidingWindow
        tieWordEmbeddings = try c.decodeIfPresent(Bool.self, forKey: .tieWordEmbeddings) ?? tieWordEmbeddings
        // transformers: `rope_scaling or rope_parameters`, then setdefault(rope_theta, top-level rope_theta).
        let rope = try c.decodeIfPresent(Rope.self, forKey: .ropeScaling) ?? c.decodeIfPresent(Rope.self, forKey: .ropeParameters)
        let type = rope?.ropeType ?? rope?.type ?? "default"
        ropeType = type == "mrope" ? "default" : type
        ropeTheta = try rope?.ropeTheta ?? c.decodeIfPresent(Double.self, forKey: .ropeTheta) ?? ropeTheta
        mropeSection = rope?.mropeSection ?? mropeSection
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(vocabSize, forKey: .vocabSize); try c.encode(hiddenSize, forKey: .hiddenSize)
        try c.encode(intermediateSize, forKey: .intermediateSize); try c.encode(numHiddenLayers, forKey: .numHiddenLayers)
        try c.encode(numAttentionHeads, forKey: .numAttentionHeads); try c.encode(numKeyValueHeads, forKey: .numKeyValueHeads)
        try c.encode(hiddenAct, forKey: .hiddenAct); try c.encode(maxPositionEmbeddings, forKey: .maxPositionEmbeddings)
        try c.encode(rmsNormEps, forKey: .rmsNormEps); try c.encode(useSlidingWindow, forKey: .useSlidingWindow)
        try c.encode(Rope(ropeType: ropeType, type: nil, ropeTheta: ropeTheta, mropeSection: mropeSection),
                     forKey: .ropeParameters)
        try c.encode(tieWordEmbeddings, forKey: .tieWordEmbeddings)
    }

    /// Qwen2.5-VL's attention always uses `hidden_size / num_attention_heads` (no `head_dim` key).
    public var headDim: Int { hiddenSize / max(numAttentionHeads, 1) }
}
