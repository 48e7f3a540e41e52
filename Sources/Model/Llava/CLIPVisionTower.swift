import Foundation
import Math

/// One CLIP encoder layer: pre-LN attention and pre-LN quick-GELU MLP, both residual.
struct CLIPEncoderLayer: Sendable {
    let norm1: LayerNorm, norm2: LayerNorm
    let q: LinearLayer, k: LinearLayer, v: LinearLayer, out: LinearLayer
    let fc1: LinearLayer, fc2: LinearLayer
    let heads: Int, act: Activation

    init(_ ckpt: SafetensorsCheckpoint, _ names: WeightNames, _ i: Int, _ c: CLIPVisionConfig) throws {
        let d = c.hiddenSize, eps = Float(c.layerNormEps)
        func ln(_ n: String) throws -> LayerNorm {
            LayerNorm(weight: try ckpt.tensor(try names.visionLayer(i, n + ".weight"), shape: [d]),
                      bias: try ckpt.tensor(try names.visionLayer(i, n + ".bias"), shape: [d]), eps: eps)
        }
        func lin(_ n: String, _ o: Int, _ inF: Int) throws -> LinearLayer {
            try LinearLayer(ckpt, try names.visionLayer(i, n), out: o, in: inF, hasBias: true)
        }
        norm1 = try ln("layer_norm1"); norm2 = try ln("layer_norm2")
        q = try lin("self_attn.q_proj", d, d); k = try lin("self_attn.k_proj", d, d)
        v = try lin("self_attn.v_proj", d, d); out = try lin("self_attn.out_proj", d, d)
        fc1 = try lin("mlp.fc1", c.intermediateSize, d); fc2 = try lin("mlp.fc2", d, c.intermediateSize)
        heads = c.numAttentionHeads
        act = Activation(transformersName: c.hiddenAct) ?? .quickGelu
    }

    func callAsFunction(_ x: Tensor) -> Tensor {
        let h = norm1(x)
        let d = x.cols / heads
        let a = Attention.scaledDotProduct(q: q(h), k: k(h), v: v(h), heads: heads, kvHeads: heads,
                                           headDim: d, causal: false)
        let x1 = x + out(a)
        var m = fc1(norm2(x1))
        act.apply(&m)
        return x1 + fc2(m)
    }
}

/// The CLIP vision tower of LLaVA, run only as deep as the deepest selected feature layer.
///
/// The patch convolution (stride = kernel = patch) is a GEMM over unfolded patches: each patch's
/// `C·p·p` pixels in (channel, row, column) order, which is the flattened Conv2d weight's order.
public struct CLIPVisionTower: Sendable {
    public let config: CLIPVisionConfig
    let patchWeight: Tensor       // [hidden, C·p·p]
    let classEmbedding: Tensor    // [hidden]
    let positionEmbedding: Tensor // [numPositions, hidden]
    let preNorm: LayerNorm
    let layers: [CLIPEncoderLayer]

    /// Loads the embeddings, `pre_layrnorm` and the first `layerCount` encoder layers.
    init(_ ckpt: SafetensorsCheckpoint, _ names: WeightNames, config c: CLIPVisionConfig, layerCount: Int) throws {
        config = c
        let d = c.hiddenSize, p = c.patchSize
        patchWeight = try ckpt.tensor(try names.vision("embeddings.patch_embedding.weight"),
                                      shape: [d, c.numChannels, p, p]).reshaped([d, c.numChannels * p * p])
        classEmbedding = try ckpt.tensor(try names.vision("embeddings.class_embedding"), shape: [d])
        positionEmbedding = try ckpt.tensor(try names.vision("embeddings.position_embedding.weight"),
                                            shape: [c.numPositions, d])
        preNorm = LayerNorm(weight: try ckpt.tensor(try names.vision("pre_layrnorm.weight"), shape: [d]),
                            bias: try ckpt.tensor(try names.vision("pre_layrnorm.bias"), shape: [d]),
                            eps: Float(c.layerNormEps))
        layers = try (0..<layerCount).map { try CLIPEncoderLayer(ckpt, names, $0, c) }
    }

    /// Unfolded patches `[grid², C·p·p]` of image `n` of `pixels` `[N, C, H, W]`.
    func patches(_ pixels: Tensor, image n: Int) -> Tensor {
        let c = config.numChannels, s = config.imageSize, p = config.patchSize, g = s / p
        let width = c * p * p
        var out = [Float](repeating: 0, count: g * g * width)
        pixels.data.withUnsafeBufferPointer { src in
            let img = src.baseAddress! + n * c * s * s
            out.withUnsafeMutableBufferPointer { dst in
                for py in 0..<g { for px in 0..<g {
                    let row = dst.baseAddress! + (py * g + px) * width
                    for ch in 0..<c { for ky in 0..<p {
                        let from = img + ch * s * s + (py * p + ky) * s + px * p
                        (row + ch * p * p + ky * p).update(from: from, count: p)
                    } }
                } }
            }
        }
        return Tensor(shape: [g * g, width], data: out)
    }

    /// Hidden states (index 0 = after `pre_layrnorm`, i = after encoder layer i) of one image,
    /// for the requested indices only; stops at the deepest one.
    func hiddenStates(_ pixels: Tensor, image n: Int, indices: [Int]) -> [Int: Tensor] {
        let d = config.hiddenSize
        let patchEmbeds = patches(pixels, image: n).linear(patchWeight)
        var x = [Float](repeating: 0, count: config.numPositions * d)
        x.replaceSubrange(0..<d, with: classEmbedding.data)
        x.replaceSubrange(d..<(config.numPositions * d), with: patchEmbeds.data)
        var h = preNorm(Tensor(shape: [config.numPositions, d], data: x) + positionEmbedding)
        var out: [Int: Tensor] = [:]
        let wanted = Set(indices)
        if wanted.contains(0) { out[0] = h }
        let deepest = indices.max() ?? 0
        for i in 0..<min(deepest, layers.count) {
            h = layers[i](h)
            if wanted.contains(i + 1) { out[i + 1] = h }
        }
        return out
    }
}
