import Foundation
import Math
import Testing
@testable import Model

/// Math/NN kernels against PyTorch / transformers outputs (`nn_ref.safetensors`).
@Suite struct NNParityTests {
    let ref: SafetensorsFile
    init() throws { ref = try LlavaFixtures.file("nn_ref.safetensors") }
    func t(_ n: String) throws -> Tensor { try ref.tensor(n) }

    @Test func softmaxPlainAndCausal() throws {
        LlavaFixtures.expectClose(Softmax.apply(try t("x")), try t("softmax"), "softmax")
        LlavaFixtures.expectClose(Softmax.apply(try t("scores"), causal: true), try t("softmax_causal"), "causal softmax")
    }

    @Test func norms() throws {
        let x = try t("x")
        LlavaFixtures.expectClose(LayerNorm(weight: try t("ln_w"), bias: try t("ln_b"), eps: 1e-5)(x), try t("layer_norm"), "LayerNorm")
        LlavaFixtures.expectClose(RMSNorm(weight: try t("ln_w"), eps: 1e-6)(x), try t("rms_norm"), "RMSNorm")
    }

    @Test(arguments: ["gelu", "gelu_pytorch_tanh", "quick_gelu", "silu"])
    func activations(name: String) throws {
        let act = try #require(Activation(transformersName: name))
        LlavaFixtures.expectClose(act(try t("x")), try t("act_" + name), name)
    }

    @Test(arguments: ["default", "linear", "dynamic", "llama3"])
    func rotary(name: String) throws {
        let scaling: RopeScaling
        var theta = 10000.0
        switch name {
        case "linear": scaling = .linear(factor: 2)
        case "dynamic": scaling = .dynamic(factor: 2, maxPositionEmbeddings: 32)
        case "llama3":
            scaling = .llama3(factor: 8, lowFreqFactor: 1, highFreqFactor: 4, originalMaxPositionEmbeddings: 16)
            theta = 500000
        default: scaling = .none
        }
        let rope = RotaryEmbedding(headDim: 16, theta: theta, scaling: scaling)
        let k = try t("rope_k")
        let inv = Tensor(shape: [8], data: rope.inverseFrequencies(sequenceLength: k.rows))
        let refInv = try t("rope_\(name)_inv_freq")
        for i in 0..<8 {  // relative: frequencies span 1 … 1e-5
            #expect(abs(inv.data[i] - refInv.data[i]) <= 1e-6 * abs(refInv.data[i]), "\(name) inv_freq[\(i)]")
        }
        LlavaFixtures.expectClose(rope.rotated(k, positions: Array(0..<k.rows)), try t("rope_\(name)_k"), "\(name) keys")
    }

    @Test func groupedQueryAttention() throws {
        let (q, k, v) = (try t("att_q"), try t("att_k"), try t("att_v"))
        for causal in [true, false] {
            let o = Attention.scaledDotProduct(q: q, k: k, v: v, heads: 4, kvHeads: 2, headDim: 8, causal: causal)
            LlavaFixtures.expectClose(o, try t(causal ? "att_causal" : "att_full"), "attention causal=\(causal)")
        }
    }
}
