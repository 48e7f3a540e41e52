import Foundation

/// The one place that knows how LLaVA checkpoints name their tensors.
///
/// Model code asks for *logical* names relative to a component (`text("layers.3.self_attn.k_proj.weight")`);
/// this type maps them to whatever layout the checkpoint uses, detected once from its tensor names:
///
/// | component | llava-hf hub | transformers 5 in memory | transformers 5.24 `save_pretrained` |
/// |---|---|---|---|
/// | vision | `vision_tower.vision_model.` | `model.vision_tower.` | `vision_tower.` |
/// | text | `language_model.model.` | `model.language_model.` | `language_model.model.` |
/// | projector | `multi_modal_projector.` | `model.multi_modal_projector.` | `multi_modal_projector.` |
/// | head | `language_model.lm_head.` | `lm_head.` | `language_model.lm_head.` |
public struct WeightNames: Sendable, Equatable {
    public let visionPrefix: String?
    public let textPrefix: String?
    public let projectorPrefix: String?
    public let lmHeadPrefix: String?

    static let visionCandidates = ["vision_tower.vision_model.", "model.vision_tower.vision_model.",
                                   "vision_tower.", "model.vision_tower."]
    static let textCandidates = ["language_model.model.", "model.language_model.model.",
                                 "model.language_model.", "language_model."]
    static let projectorCandidates = ["multi_modal_projector.", "model.multi_modal_projector."]
    static let lmHeadCandidates = ["language_model.lm_head.", "lm_head.", "model.lm_head."]

    /// Detects the layout from the checkpoint's tensor names. A component is `nil` when the
    /// checkpoint has none of its tensors (a text-only or partial export).
    public init(names: Set<String>) {
        func detect(_ candidates: [String], _ sentinels: [String]) -> String? {
            candidates.first { p in sentinels.contains { s in
                s.hasSuffix(".") ? names.contains { $0.hasPrefix(p + s) } : names.contains(p + s)
            } }
        }
        visionPrefix = detect(Self.visionCandidates, ["embeddings.patch_embedding.weight", "encoder.layers."])
        textPrefix = detect(Self.textCandidates, ["embed_tokens.weight", "layers.", "norm.weight"])
        projectorPrefix = detect(Self.projectorCandidates, ["linear_1.weight"])
        lmHeadPrefix = detect(Self.lmHeadCandidates, ["weight"])
    }

    public init(checkpoint: SafetensorsCheckpoint) { self.init(names: checkpoint.names) }

    public func vision(_ logical: String) throws -> String { try resolve(visionPrefix, "vision tower", logical) }
    public func text(_ logical: String) throws -> String { try resolve(textPrefix, "language model", logical) }
    public func projector(_ logical: String) throws -> String { try resolve(projectorPrefix, "projector", logical) }
    public func lmHead(_ logical: String = "weight") throws -> String { try resolve(lmHeadPrefix, "lm_head", logical) }

    /// Decoder layer `i`'s tensor, e.g. `textLayer(3, "self_attn.k_proj.weight")`.
    public func textLayer(_ i: Int, _ logical: String) throws -> String { try text("layers.\(i).\(logical)") }
    public func visionLayer(_ i: Int, _ logical: String) throws -> String { try vision("encoder.layers.\(i).\(logical)") }

    private func resolve(_ prefix: String?, _ component: String, _ logical: String) throws -> String {
        guard let prefix else { throw WeightNamesError.componentMissing(component: component, tensor: logical) }
        return prefix + logical
    }
}

public enum WeightNamesError: Error, Sendable, Equatable, CustomStringConvertible {
    case componentMissing(component: String, tensor: String)
    public var description: String {
        switch self {
        case let .componentMissing(c, t): return "checkpoint has no \(c) tensors (needed '\(t)')"
        }
    }
}
