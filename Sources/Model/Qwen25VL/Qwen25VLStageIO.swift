import Foundation
import Math

/// Input of a Qwen2.5-VL stage: token ids (+ images) for the stage holding the embeddings; hidden
/// states with their M-RoPE positions and modality mask (from stage 0) for later stages.
public enum Qwen25VLStageInput: Sendable {
    /// `pixelValues` `[Σ t·h·w, C·T·P·P]` as the Qwen2-VL image processor flattens them, one
    /// `imageGridTHW` entry per image, one run of `t·h·w / merge²` `<|image_pad|>` ids per image.
    case tokens(inputIds: [Int], pixelValues: Tensor?, imageGridTHW: [Qwen25VLImageGrid])
    /// `[tokens, hidden]` from the previous stage, with its `positions` and `isImageToken`.
    case hidden(Tensor, positions: MultimodalPositions, isImageToken: [Bool])
}

/// Result of a stage forward.
public struct Qwen25VLStageOutput: Sendable {
    /// `[tokens, hidden]` after the last layer run (`layersRun.upperBound − 1`), before the final norm.
    public var hiddenStates: Tensor
    /// Pre-RoPE keys (`k_proj` output with bias) per tapped layer, `[tokens, kv_heads · head_dim]`.
    public var keys: [Int: Tensor]
    /// Post-M-RoPE keys per tapped layer (equal to the KV cache).
    public var rotatedKeys: [Int: Tensor]
    /// `true` where the position holds an image feature (`<|image_pad|>`).
    public var isImageToken: [Bool]
    /// (t, h, w) positions of every token (`get_rope_index`), passed on to the next stage.
    public var positions: MultimodalPositions
    /// Decoder layers actually run (may end early, see `KeyTaps.stopAfterLastTap`).
    public var layersRun: Range<Int>
    /// Merger output `[image tokens, hidden]` in token order (stage with embeddings and images only).
    public var imageFeatures: Tensor?
    /// Embeddings after the image scatter, the input of layer 0 (stage with embeddings only).
    public var embeddings: Tensor?
}
