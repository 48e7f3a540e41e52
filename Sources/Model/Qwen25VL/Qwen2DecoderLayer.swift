import Foundation
import Math

/// One Qwen2 decoder layer of Qwen2.5-VL: RMSNorm → q/k/v (with bias) → M-RoPE → causal GQA attention
/// → o_proj (no bias), residual; RMSNorm → SiLU-gated MLP (no biases), residual. Keys can be captured
/// before (`k_proj` output, bias included) and after M-RoPE (what the KV cache holds).
public struct Qwen2DecoderLayer: Sendable {
    let inputNorm: RMSNorm, postNorm: RMSNorm
    let q: LinearLayer, k: LinearLayer, v: LinearLayer, o: LinearLayer
    let mlp: GatedMLP
    let heads: Int, kvHeads: Int, headDim: Int

    init(_ ckpt: SafetensorsCheckpoint, _ names: Qwen25VLWeightNames, _ i: Int, _ c: Qwen25VLTextConfig) throws {
        let d = c.hiddenSize, hd = c.headDim, eps = Float(c.rmsNormEps), f = c.intermediateSize
        func lin(_ n: String, _ o: Int, _ inF: Int, _ bias: Bool) throws -> LinearLayer {
            try LinearLayer(ckpt, try names.textLayer(i, n), out: o, in: inF, hasBias: bias)
        }
        inputNorm = RMSNorm(weight: try ckpt.tensor(try names.textLayer(i, "input_layernorm.weight"), shape: [d]), eps: eps)
        postNorm = RMSNorm(weight: try ckpt.tensor(try names.textLayer(i, "post_attention_layernorm.weight"), shape: [d]),
                           eps: eps)
        q = try lin("self_attn.q_proj", c.numAttentionHeads * hd, d, true)
        k = try lin("self_attn.k_proj", c.numKeyValueHeads * hd, d, true)
        v = try lin("self_attn.v_proj", c.numKeyValueHeads * hd, d, true)
        o = try lin("self_attn.o_proj", d, c.numAttentionHeads * hd, false)
        guard let act = Activation(transformersName: c.hiddenAct) else { throw Qwen25VLError.unsupported("hidden_act \(c.hiddenAct)") }
        mlp = GatedMLP(gate: try lin("mlp.gate_proj", f, d, false), up: try lin("mlp.up_proj", f, d, false),
                       down: try lin("mlp.down_proj", d, f, false), act: act)
        heads = c.numAttentionHeads; kvHeads = c.numKeyValueHeads; headDim = hd
    }

    /// Checkpoint names of layer `i`'s tensors.
    static func tensorNames(_ names: Qwen25VLWeightNames, _ i: Int) throws -> [String] {
        var out = try ["input_layernorm.weight", "post_attention_layernorm.weight"].map { try names.textLayer(i, $0) }
        for p in ["q_proj", "k_proj", "v_proj"] {
            out += [try names.textLayer(i, "self_attn.\(p).weight"), try names.textLayer(i, "self_attn.\(p).bias")]
        }
        out.append(try names.textLayer(i, "self_attn.o_proj.weight"))
        out += try ["gate_proj", "up_proj", "down_proj"].map { try names.textLayer(i, "mlp.\($0).weight") }
        return out
    }

    /// A layer with random weights (benchmarks): N(0, 1/in)-scaled uniform entries, unit norms, zero biases.
    init(randomWith c: Qwen25VLTextConfig, rng: inout SplitMix64) {
        func rand(_ o: Int, _ i: Int, bias: Bool = false) -> LinearLayer {
            let s = Float(1 / Double(i).squareRoot())
            return LinearLayer(weight: Tensor(shape: [o, i], data: (0..<(o * i)).map { _ in (rng.nextFloat() * 2 - 1) * s }),
                               bias: bias ? Tensor(zeros: [o]) : nil)
        }
        let d = c.hiddenSize, hd = c.headDim, f = c.intermediateSize
        inputNorm = RMSNorm(weight: Tensor(repeating: 1, shape: [d]), eps: Float(c.rmsNormEps))
        postNorm = RMSNorm(weight: Tensor(repeating: 1, shape: [d]), eps: Float(c.rmsNormEps))
        q = rand(c.numAttentionHeads * hd, d, bias: true); k = rand(c.numKeyValueHeads * hd, d, bias: true)
        v = rand(c.numKeyValueHeads * hd, d, bias: true); o = rand(d, c.numAttentionHeads * hd)
        mlp = GatedMLP(gate: rand(f, d), up: rand(f, d), down: rand(d, f), act: .silu)
        heads = c.numAttentionHeads; kvHeads = c.numKeyValueHeads; headDim = hd
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
        return (x1 + mlp(postNorm(x1)), cap)
    }
}
