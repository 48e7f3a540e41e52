import Foundation

extension LlavaStage {
    /// Checkpoint names of every tensor a stage reads — what a worker must have on disk (and maps)
    /// to host `layers`, e.g. for memory planning. Mirrors the loaders of the layer types.
    public static func tensorNames(config: LlavaConfig, names: WeightNames, layers: Range<Int>,
                                   includeEmbedding: Bool) throws -> [String] {
        var out: [String] = []
        let t = config.textConfig
        if includeEmbedding {
            out.append(try names.text("embed_tokens.weight"))
            for n in ["embeddings.class_embedding", "embeddings.patch_embedding.weight",
                      "embeddings.position_embedding.weight", "pre_layrnorm.weight", "pre_layrnorm.bias"] {
                out.append(try names.vision(n))
            }
            for i in 0..<(config.resolvedFeatureLayers.max() ?? 0) {
                for m in ["layer_norm1", "layer_norm2", "self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj",
                          "self_attn.out_proj", "mlp.fc1", "mlp.fc2"] {
                    out.append(try names.visionLayer(i, m + ".weight"))
                    out.append(try names.visionLayer(i, m + ".bias"))
                }
            }
            for m in ["linear_1", "linear_2"] {
                out.append(try names.projector(m + ".weight"))
                if config.multimodalProjectorBias { out.append(try names.projector(m + ".bias")) }
            }
        }
        for i in layers {
            out.append(try names.textLayer(i, "input_layernorm.weight"))
            out.append(try names.textLayer(i, "post_attention_layernorm.weight"))
            for p in ["q_proj", "k_proj", "v_proj", "o_proj"] {
                out.append(try names.textLayer(i, "self_attn.\(p).weight"))
                if t.attentionBias { out.append(try names.textLayer(i, "self_attn.\(p).bias")) }
            }
            for p in ["gate_proj", "up_proj", "down_proj"] {
                out.append(try names.textLayer(i, "mlp.\(p).weight"))
                if t.mlpBias { out.append(try names.textLayer(i, "mlp.\(p).bias")) }
            }
        }
        return out
    }
}
