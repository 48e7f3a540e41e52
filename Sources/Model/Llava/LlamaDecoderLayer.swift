import Foundation
import Math

/// One Llama decoder layer: RMSNorm → (q, k, v) → RoPE → causal GQA attention → o_proj, residual;
/// RMSNorm → SiLU-gated MLP, residual. Keys can be captured before and after RoPE.
public struct LlamaDecoderLayer: Sendable {
    let inputNorm: RMSNorm, postNorm: RMSNorm
    let q: LinearLayer, k: LinearLayer, v: LinearLayer, o: LinearLayer
    let gate: LinearLayer, up: LinearLayer, down: LinearLayer
    let heads: Int, kvHeads: Int, headDim: Int
    let act: Activation

    init(_ ckpt: SafetensorsCheckpoint, _ names: WeightNames, _ i: Int, _ c: LlamaTextConfig) throws {
        let d = c.hiddenSize, hd = c.headDim, eps = Float(c.rmsNormEps)
        func lin(_ n: String, _ o: Int, _ inF: Int, _ bias: Bool) throws -> LinearLayer {
            try LinearLayer(ckpt, try names.textLayer(i, n), out: o, in: inF, hasBias: bias)
        }
        inputNorm = RMSNorm(weight: try ckpt.tensor(try names.textLayer(i, "input_layernorm.weight"), shape: [d]), eps: eps)
        postNorm = RMSNorm(weight: try ckpt.tensor(try names.textLayer(i, "post_attention_layernorm.weight"), shape: [d]),
                           eps: eps)
        q = try lin("self_attn.q_proj", c.numAttentionHeads * hd, d, c.attentionBias)
        k = try lin("self_attn.k_proj", c.numKeyValueHeads * hd, d, c.attentionBias)
        v = try lin("self_attn.v_proj", c.numKeyValueHeads * hd, d, c.attentionBias)
        o = try lin("self_attn.o_proj", d, c.numAttentionHeads * hd, c.attentionBias)
        gate = try lin("mlp.gate_proj", c.intermediateSize, d, c.mlpBias)
        up = try lin("mlp.up_proj", c.intermediateSize, d, c.mlpBias)
        down = try lin("mlp.down_proj", d, c.intermediateSize, c.mlpBias)
        heads = c.numAttentionHeads; kvHeads = c.numKeyValueHeads; headDim = hd
        guard let a = Activation(transformersName: c.hiddenAct) else { throw LlavaError.unsupported("hidden_act \(c.hiddenAct)") }
        act = a
    }

    /// A layer with random weights (benchmarks): N(0, 1/in) entries, unit norms, no biases.
    init(randomWith c: LlamaTextConfig, rng: inout SplitMix64) {
        func rand(_ o: Int, _ i: Int) -> LinearLayer {
            let s = Float(1 / Double(i).squareRoot())
            return LinearLayer(weight: Tensor(shape: [o, i], data: (0..<(o * i)).map { _ in (rng.nextFloat() * 2 - 1) * s }),
                               bias: nil)
        }
        let d = c.hiddenSize, hd = c.headDim
        inputNorm = RMSNorm(weight: Tensor(repeating: 1, shape: [d]), eps: Float(c.rmsNormEps))
        postNorm = RMSNorm(weight: Tensor(repeating: 1, shape: [d]), eps: Float(c.rmsNormEps))
        q = rand(c.numAttentionHeads * hd, d); k = rand(c.numKeyValueHeads * hd, d)
        v = rand(c.numKeyValueHeads * hd, d); o = rand(d, c.numAttentionHeads * hd)
        gate = rand(c.intermediateSize, d); up = rand(c.intermediateSize, d); down = rand(d, c.intermediateSize)
        heads = c.numAttentionHeads; kvHeads = c.numKeyValueHeads; headDim = hd; act = .silu
    }

    /// Keys captured by one call.
    struct Captured { var pre: Tensor?; var post: Tensor? }

    func forward(_ x: Tensor, rope: RotaryEmbedding, cos: Tensor, sin: Tensor,
                 capturePre: Bool, capturePost: Bool) -> (Tensor, Captured) {
        let h = inputNorm(x)
        var qs = q(h), ks = k(h)
        let vs = v(h)
        var cap = Captured()
        if capturePre { cap.pre = ks }
        rope.apply(&qs, cos: cos, sin: sin)
        rope.apply(&ks, cos: cos, sin: sin)
        if capturePost { cap.post = ks }
        let a = Attention.scaledDotProduct(q: qs, k: ks, v: vs, heads: heads, kvHeads: kvHeads,
                                           headDim: headDim, causal: true)
        let x1 = x + o(a)
        let h2 = postNorm(x1)
        var g = gate(h2)
        act.apply(&g)
        let u = up(h2)
        g.data.withUnsafeMutableBufferPointer { gp in
            u.data.withUnsafeBufferPointer { upp in for i in 0..<gp.count { gp[i] *= upp[i] } }
        }
        return (x1 + down(g), cap)
    }
}
