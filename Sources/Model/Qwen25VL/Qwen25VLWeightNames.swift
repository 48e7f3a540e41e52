import Foundation

/// The one place that knows how Qwen2.5-VL checkpoints name their tensors (LLaVA's `WeightNames`
/// has a fixed candidate list, so Qwen gets its own type with the same shape).
///
/// | component | Qwen hub / transformers 5.24 `save_pretrained` | transformers 5 in memory |
/// |---|---|---|
/// | vision | `visual.` | `model.visual.` |
/// | text | `model.` | `model.language_model.` |
/// | head | `lm_head.` (absent when tied) | `lm_head.` |
public struct Qwen25VLWeightNames: Sendable, Equatable {
    public let visionPrefix: String?
    public let textPrefix: String?
    public let lmHeadPrefix: String?

    static let visionCandidates = ["visual.", "model.visual."]
    static let textCandidates = ["model.language_model.", "language_model.model.", "model.", "language_model."]
    static let lmHeadCandidates = ["lm_head.", "model.lm_head.", "language_model.lm_head."]

    /// Detects the layout from the checkpoint's tensor names; a component is `nil` when absent.
    public init(names: Set<String>) {
        func detect(_ candidates: [String], _ sentinels: [String]) -> String? {
            candidates.first { p in sentinels.contains { s in
                s.hasSuffix(".") ? names.contains { $0.hasPrefix(p + s) } : names.contains(p + s)
            } }
        }
        visionPrefix = detect(Self.visionCandidates, ["patch_embed.proj.weight", "blocks.", "merger.ln_q.weight"])
        textPrefix = detect(Self.textCandidates, ["embed_tokens.weight", "layers.", "norm.weight"])
        lmHeadPrefix = detect(Self.lmHeadCandidates, ["weight"])
    }

    public init(checkpoint: SafetensorsCheckpoint) { self.init(names: checkpoint.names) }

    public func vision(_ logical: String) throws -> String { try resolve(visionPrefix, "vision tower", logical) }
    public func text(_ logical: String) throws -> String { try resolve(textPrefix, "language model", logical) }
    public func lmHead(_ logical: String = "weight") throws -> String { try resolve(lmHeadPrefix, "lm_head", logical) }

    /// Decoder layer `i`'s tensor, e.g. `textLayer(3, "self_attn.k_proj.bias")`.
    public func textLayer(_ i: Int, _ logical: String) throws -> String { try text("layers.\(i).\(logical)") }
    /// Vision block `i`'s tensor, e.g. `visionBlock(0, "attn.qkv.weight")`.
    public func visionBlock(_ i: Int, _ logical: String) throws -> String { try vision("blocks.\(i).\(logical)") }

    private func resolve(_ prefix: String?, _ component: String, _ logical: String) throws -> String {
        guard let prefix else { throw WeightNamesError.componentMissing(component: component, tensor: logical) }
        return prefix + logical
    }
}
