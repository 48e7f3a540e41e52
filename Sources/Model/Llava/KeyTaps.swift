import Foundation
import Math

/// Which keys a forward captures (DESIGN §3): the output of `self_attn.k_proj` (bias included),
/// `[tokens, num_key_value_heads · head_dim]`, before RoPE (TransformerLens `hook_k`) and/or after
/// (`hook_rot_k`, equal to the KV cache). KV head `j` serves query heads `j·g ..< (j+1)·g`, `g = Hq/Hkv`.
public struct KeyTaps: Sendable, Equatable {
    public var layers: Set<Int>
    public var preRoPE: Bool
    public var postRoPE: Bool
    /// Stop the forward after the deepest tapped layer (later layers cannot change those keys).
    /// Pipeline stages whose hidden states feed a next stage pass `false`.
    public var stopAfterLastTap: Bool

    public init(layers: Set<Int>, preRoPE: Bool = true, postRoPE: Bool = false, stopAfterLastTap: Bool = true) {
        self.layers = layers; self.preRoPE = preRoPE; self.postRoPE = postRoPE; self.stopAfterLastTap = stopAfterLastTap
    }

    /// Capture nothing, run every layer of the stage.
    public static let none = KeyTaps(layers: [], preRoPE: false, postRoPE: false, stopAfterLastTap: false)
}

/// Input of a stage: token ids (+ images) for the stage holding the embeddings, hidden states
/// (+ the modality mask from stage 0) for later stages.
public enum LlavaStageInput: Sendable {
    /// `pixelValues` `[n_images, 3, H, W]` (CLIP-normalised), one image per run of image tokens.
    case tokens(inputIds: [Int], pixelValues: Tensor?)
    /// `[tokens, hidden]` from the previous stage, with its `isImageToken`.
    case hidden(Tensor, isImageToken: [Bool])
}

/// Result of a stage forward.
public struct LlavaStageOutput: Sendable {
    /// `[tokens, hidden]` after the last layer run (`layersRun.upperBound − 1`), before the final norm.
    public var hiddenStates: Tensor
    /// Pre-RoPE keys per tapped layer.
    public var keys: [Int: Tensor]
    /// Post-RoPE keys per tapped layer.
    public var rotatedKeys: [Int: Tensor]
    /// `true` where the position holds an image feature.
    public var isImageToken: [Bool]
    /// Decoder layers actually run (may end early, see `KeyTaps.stopAfterLastTap`).
    public var layersRun: Range<Int>
    /// Projector output `[image tokens, hidden]` (stage with embeddings and images only).
    public var imageFeatures: Tensor?
    /// Embeddings after the image scatter, the input of layer 0 (stage with embeddings only).
    public var embeddings: Tensor?
    /// `[tokens, vocab]` when the stage holds the head and ran its last layer.
    public var logits: Tensor?
}
