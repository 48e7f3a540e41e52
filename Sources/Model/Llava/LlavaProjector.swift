import Foundation
import Math

/// `multi_modal_projector`: linear_1 → activation (GELU in LLaVA-1.5) → linear_2.
struct LlavaProjector: Sendable {
    let linear1: LinearLayer, linear2: LinearLayer
    let act: Activation

    init(_ ckpt: SafetensorsCheckpoint, _ names: WeightNames, config c: LlavaConfig) throws {
        let inF = c.visionConfig.hiddenSize * c.visionFeatureLayer.indices.count, d = c.textConfig.hiddenSize
        linear1 = try LinearLayer(ckpt, try names.projector("linear_1"), out: d, in: inF, hasBias: c.multimodalProjectorBias)
        linear2 = try LinearLayer(ckpt, try names.projector("linear_2"), out: d, in: d, hasBias: c.multimodalProjectorBias)
        guard let a = Activation(transformersName: c.projectorHiddenAct) else {
            throw LlavaError.unsupported("projector_hidden_act \(c.projectorHiddenAct)")
        }
        act = a
    }

    func callAsFunction(_ x: Tensor) -> Tensor {
        var h = linear1(x)
        act.apply(&h)
        return linear2(h)
    }
}
