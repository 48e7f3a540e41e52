import Foundation

/// The `vision_config` of a Qwen2.5-VL checkpoint. Missing fields take transformers 5.24's
/// `Qwen2_5_VLVisionConfig` defaults — applied here and nowhere else.
public struct Qwen25VLVisionConfig: Codable, Sendable, Equatable {
    public var depth = 32
    public var hiddenSize = 3584
    public var hiddenAct = "silu"
    public var intermediateSize = 3420
    public var numHeads = 16
    /// `in_channels` (transformers 5) or the hub's `in_chans`.
    public var inChannels = 3
    public var patchSize = 14
    public var spatialMergeSize = 2
    public var temporalPatchSize = 2
    public var tokensPerSecond = 4
    /// Window side in pixels; a window holds `windowSize / spatialMergeSize / patchSize` merged units per side.
    public var windowSize = 112
    public var outHiddenSize = 3584
    /// Blocks attending over the whole image; all others attend within windows.
    public var fullattBlockIndexes = [7, 15, 23, 31]
    /// `rope_parameters.rope_theta` of the 2-D (h, w) rotary embedding.
    public var ropeTheta = 10_000.0

    enum CodingKeys: String, CodingKey {
        case depth, hiddenSize = "hidden_size", hiddenAct = "hidden_act", intermediateSize = "intermediate_size"
        case numHeads = "num_heads", inChannels = "in_channels", inChans = "in_chans", patchSize = "patch_size"
        case spatialMergeSize = "spatial_merge_size", temporalPatchSize = "temporal_patch_size"
        case tokensPerSecond = "tokens_per_second", windowSize = "window_size", outHiddenSize = "out_hidden_size"
        case fullattBlockIndexes = "fullatt_block_indexes", ropeParameters = "rope_parameters"
    }

    struct RopeKeys: Codable { var ropeTheta: Double?; enum CodingKeys: String, CodingKey { case ropeTheta = "rope_theta" } }

    public init() {}

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        depth = try c.decodeIfPresent(Int.self, forKey: .depth) ?? depth
        hiddenSize = try c.decodeIfPresent(Int.self, forKey: .hiddenSize) ?? hiddenSize
        hiddenAct = try c.decodeIfPresent(String.self, forKey: .hiddenAct) ?? hiddenAct
        intermediateSize = try c.decodeIfPresent(Int.self, forKey: .intermediateSize) ?? intermediateSize
        numHeads = try c.decodeIfPresent(Int.self, forKey: .numHeads) ?? numHeads
        inChannels = try c.decodeIfPresent(Int.self, forKey: .inChannels)
            ?? c.decodeIfPresent(Int.self, forKey: .inChans) ?? inChannels
        patchSize = try c.decodeIfPresent(Int.self, forKey: .patchSize) ?? patchSize
        spatialMergeSize = try c.decodeIfPresent(Int.self, forKey: .spatialMergeSize) ?? spatialMergeSize
        temporalPatchSize = try c.decodeIfPresent(Int.self, forKey: .temporalPatchSize) ?? temporalPatchSize
        tokensPerSecond = try c.decodeIfPresent(Int.self, forKey: .tokensPerSecond) ?? tokensPerSecond
        windowSize = try c.decodeIfPresent(Int.self, forKey: .windowSize) ?? windowSize
        outHiddenSize = try c.decodeIfPresent(Int.self, forKey: .outHiddenSize) ?? outHiddenSize
        fullattBlockIndexes = try c.decodeIfPresent([Int].self, forKey: .fullattBlockIndexes) ?? fullattBlockIndexes
        ropeTheta = try c.decodeIfPresent(RopeKeys.self, forKey: .ropeParameters)?.ropeTheta ?? ropeTheta
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(depth, forKey: .depth); try c.encode(hiddenSize, forKey: .hiddenSize)
        try c.encode(hiddenAct, forKey: .hiddenAct); try c.encode(intermediateSize, forKey: .intermediateSize)
        try c.encode(numHeads, forKey: .numHeads); try c.encode(inChannels, forKey: .inChannels)
        try c.encode(patchSize, forKey: .patchSize); try c.encode(spatialMergeSize, forKey: .spatialMergeSize)
        try c.encode(temporalPatchSize, forKey: .temporalPatchSize); try c.encode(tokensPerSecond, forKey: .tokensPerSecond)
        try c.encode(windowSize, forKey: .windowSize); try c.encode(outHiddenSize, forKey: .outHiddenSize)
        try c.encode(fullattBlockIndexes, forKey: .fullattBlockIndexes)
        try c.encode(RopeKeys(ropeTheta: ropeTheta), forKey: .ropeParameters)
    }

    public var headDim: Int { hiddenSize / max(numHeads, 1) }
    /// Width of one flattened patch row of `pixel_values`: `C · T · P · P` (1176 for 3·2·14·14).
    public var patchWidth: Int { inChannels * temporalPatchSize * patchSize * patchSize }
    /// Merged units per window side (`window_size // spatial_merge_size // patch_size`).
    public var mergedWindowSide: Int { windowSize / spatialMergeSize / patchSize }
}
