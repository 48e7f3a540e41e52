import Foundation

/// The Llama `text_config` of a LLaVA checkpoint. llava-hf's is sparse, so every field not present
/// takes transformers 5.24's `LlamaConfig` default — applied here and nowhere else.
public struct LlamaTextConfig: Codable, Sendable, Equatable {
    public var vocabSize = 32000
    public var hiddenSize = 4096
    public var intermediateSize = 11008
    public var numHiddenLayers = 32
    public var numAttentionHeads = 32
    /// Defaults to `numAttentionHeads` (no GQA).
    public var numKeyValueHeads: Int
    /// Defaults to `hiddenSize / numAttentionHeads`.
    public var headDim: Int
    public var hiddenAct = "silu"
    public var maxPositionEmbeddings = 2048
    public var rmsNormEps = 1e-6
    /// `rope_scaling` if present (transformers prefers it), else `rope_parameters`; its `rope_theta`
    /// wins over the top-level one, which wins over 10000.
    public var rope: RopeParameters
    public var attentionBias = false
    public var mlpBias = false
    public var tieWordEmbeddings = false

    enum CodingKeys: String, CodingKey {
        case vocabSize = "vocab_size", hiddenSize = "hidden_size", intermediateSize = "intermediate_size"
        case numHiddenLayers = "num_hidden_layers", numAttentionHeads = "num_attention_heads"
        case numKeyValueHeads = "num_key_value_heads", headDim = "head_dim", hiddenAct = "hidden_act"
        case maxPositionEmbeddings = "max_position_embeddings", rmsNormEps = "rms_norm_eps"
        case ropeParameters = "rope_parameters", ropeScaling = "rope_scaling", ropeTheta = "rope_theta"
        case attentionBias = "attention_bias", mlpBias = "mlp_bias", tieWordEmbeddings = "tie_word_embeddings"
    }

    public static let defaultRopeTheta = 10_000.0

    /// All defaults (transformers' `LlamaConfig()`), what LLaVA uses when `text_config` is absent.
    public init() {
        numKeyValueHeads = numAttentionHeads
        headDim = hiddenSize / numAttentionHeads
        rope = RopeParameters(ropeType: "default", ropeTheta: Self.defaultRopeTheta)
    }

    public init(from decoder: any Decoder) throws {
        self.init()
        let c = try decoder.container(keyedBy: CodingKeys.self)
        vocabSize = try c.decodeIfPresent(Int.self, forKey: .vocabSize) ?? vocabSize
        hiddenSize = try c.decodeIfPresent(Int.self, forKey: .hiddenSize) ?? hiddenSize
        intermediateSize = try c.decodeIfPresent(Int.self, forKey: .intermediateSize) ?? intermediateSize
        numHiddenLayers = try c.decodeIfPresent(Int.self, forKey: .numHiddenLayers) ?? numHiddenLayers
        numAttentionHeads = try c.decodeIfPresent(Int.self, forKey: .numAttentionHeads) ?? numAttentionHeads
        numKeyValueHeads = try c.decodeIfPresent(Int.self, forKey: .numKeyValueHeads) ?? numAttentionHeads
        headDim = try c.decodeIfPresent(Int.self, forKey: .headDim) ?? hiddenSize / max(numAttentionHeads, 1)
        hiddenAct = try c.decodeIfPresent(String.self, forKey: .hiddenAct) ?? hiddenAct
        maxPositionEmbeddings = try c.decodeIfPresent(Int.self, forKey: .maxPositionEmbeddings) ?? maxPositionEmbeddings
        rmsNormEps = try c.decodeIfPresent(Double.self, forKey: .rmsNormEps) ?? rmsNormEps
        attentionBias = try c.decodeIfPresent(Bool.self, forKey: .attentionBias) ?? attentionBias
        mlpBias = try c.decodeIfPresent(Bool.self, forKey: .mlpBias) ?? mlpBias
        tieWordEmbeddings = try c.decodeIfPresent(Bool.self, forKey: .tieWordEmbeddings) ?? tieWordEmbeddings
        let topTheta = try c.decodeIfPresent(Double.self, forKey: .ropeTheta)
        var r = try c.decodeIfPresent(RopeParameters.self, forKey: .ropeScaling)
            ?? c.decodeIfPresent(RopeParameters.self, forKey: .ropeParameters) ?? RopeParameters()
        r.ropeTheta = r.ropeTheta ?? topTheta ?? Self.defaultRopeTheta
        if ["llama3", "yarn", "longrope"].contains(r.ropeType) {
            r.originalMaxPositionEmbeddings = r.originalMaxPositionEmbeddings ?? maxPositionEmbeddings
        }
        rope = r
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(vocabSize, forKey: .vocabSize); try c.encode(hiddenSize, forKey: .hiddenSize)
        try c.encode(intermediateSize, forKey: .intermediateSize); try c.encode(numHiddenLayers, forKey: .numHiddenLayers)
        try c.encode(numAttentionHeads, forKey: .numAttentionHeads); try c.encode(numKeyValueHeads, forKey: .numKeyValueHeads)
        try c.encode(headDim, forKey: .headDim); try c.encode(hiddenAct, forKey: .hiddenAct)
        try c.encode(maxPositionEmbeddings, forKey: .maxPositionEmbeddings); try c.encode(rmsNormEps, forKey: .rmsNormEps)
        try c.encode(rope, forKey: .ropeParameters); try c.encode(attentionBias, forKey: .attentionBias)
        try c.encode(mlpBias, forKey: .mlpBias); try c.encode(tieWordEmbeddings, forKey: .tieWordEmbeddings)
    }

    public var ropeTheta: Double { rope.ropeTheta ?? Self.defaultRopeTheta }
}
