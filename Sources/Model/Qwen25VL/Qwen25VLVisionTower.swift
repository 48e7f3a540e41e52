import Foundation
import Math

/// SiLU-gated MLP `down(act(gate(x)) · up(x))`, used by the vision blocks (with biases) and the Qwen2 decoder.
struct GatedMLP: Sendable {
    let gate: LinearLayer, up: LinearLayer, down: LinearLayer
    let act: Activation

    func callAsFunction(_ x: Tensor) -> Tensor {
        var g = gate(x)
        act.apply(&g)
        let u = up(x)
        g.data.withUnsafeMutableBufferPointer { gp in
            u.data.withUnsafeBufferPointer { upp in for i in 0..<gp.count { gp[i] *= upp[i] } }
        }
        return down(g)
    }
}

/// One Qwen2.5-VL vision block: RMSNorm → fused qkv → 2-D RoPE → attention within segments → proj,
/// residual; RMSNorm → gated MLP with biases, residual.
struct Qwen25VLVisionBlock: Sendable {
    let norm1: RMSNorm, norm2: RMSNorm
    let qkv: LinearLayer, proj: LinearLayer
    let mlp: GatedMLP
    let heads: Int

    init(_ ckpt: SafetensorsCheckpoint, _ names: Qwen25VLWeightNames, _ i: Int, _ c: Qwen25VLVisionConfig) throws {
        let d = c.hiddenSize, f = c.intermediateSize
        func lin(_ n: String, _ o: Int, _ inF: Int) throws -> LinearLayer {
            try LinearLayer(ckpt, try names.visionBlock(i, n), out: o, in: inF, hasBias: true)
        }
        // transformers hard-codes eps 1e-6 for the vision norms.
        norm1 = RMSNorm(weight: try ckpt.tensor(try names.visionBlock(i, "norm1.weight"), shape: [d]), eps: 1e-6)
        norm2 = RMSNorm(weight: try ckpt.tensor(try names.visionBlock(i, "norm2.weight"), shape: [d]), eps: 1e-6)
        qkv = try lin("attn.qkv", 3 * d, d); proj = try lin("attn.proj", d, d)
        guard let act = Activation(transformersName: c.hiddenAct) else {
            throw Qwen25VLError.unsupported("vision_config.hidden_act \(c.hiddenAct)")
        }
        mlp = GatedMLP(gate: try lin("mlp.gate_proj", f, d), up: try lin("mlp.up_proj", f, d),
                       down: try lin("mlp.down_proj", d, f), act: act)
        heads = c.numHeads
    }

    func callAsFunction(_ x: Tensor, rope: RotaryEmbedding, cos: Tensor, sin: Tensor, boundaries: [Int]) -> Tensor {
        let d = x.cols, hd = d / heads
        let fused = qkv(norm1(x))  // [N, 3·d]: q | k | v, heads inside each
        var q = fused.columns(0..<d), k = fused.columns(d..<(2 * d))
        let v = fused.columns((2 * d)..<(3 * d))
        rope.apply(&q, cos: cos, sin: sin)
        rope.apply(&k, cos: cos, sin: sin)
        let a = Attention.segmented(q: q, k: k, v: v, heads: heads, headDim: hd, boundaries: boundaries)
        let x1 = x + proj(a)
        return x1 + mlp(norm2(x1))
    }
}

/// The Qwen2.5-VL vision encoder (`model.visual`): Conv3d patch embedding as a GEMM, window/full
/// attention blocks with 2-D rotary embeddings, and the patch merger. Output rows are in the original
/// order of the merged units, i.e. the order of the `<|image_pad|>` tokens.
public struct Qwen25VLVisionTower: Sendable {
    public let config: Qwen25VLVisionConfig
    let patchWeight: Tensor  // [hidden, C·T·P·P], the flattened Conv3d kernel (stride = kernel)
    let blocks: [Qwen25VLVisionBlock]
    let mergerNorm: RMSNorm
    let merger1: LinearLayer, merger2: LinearLayer
    /// Frequencies of the axial tables (built over `head_dim / 2`) and the full-head rotation.
    let rope: RotaryEmbedding, rotation: RotaryEmbedding

    init(_ ckpt: SafetensorsCheckpoint, _ names: Qwen25VLWeightNames, config c: Qwen25VLVisionConfig) throws {
        config = c
        let d = c.hiddenSize, p = c.patchSize, m2 = c.spatialMergeSize * c.spatialMergeSize
        patchWeight = try ckpt.tensor(try names.vision("patch_embed.proj.weight"),
                                      shape: [d, c.inChannels, c.temporalPatchSize, p, p]).reshaped([d, c.patchWidth])
        blocks = try (0..<c.depth).map { try Qwen25VLVisionBlock(ckpt, names, $0, c) }
        mergerNorm = RMSNorm(weight: try ckpt.tensor(try names.vision("merger.ln_q.weight"), shape: [d]), eps: 1e-6)
        merger1 = try LinearLayer(ckpt, try names.vision("merger.mlp.0"), out: d * m2, in: d * m2, hasBias: true)
        merger2 = try LinearLayer(ckpt, try names.vision("merger.mlp.2"), out: c.outHiddenSize, in: d * m2, hasBias: true)
        rope = RotaryEmbedding(headDim: c.headDim / 2, theta: c.ropeTheta)
        rotation = RotaryEmbedding(headDim: c.headDim, theta: c.ropeTheta)
    }

    /// Checkpoint names of every tensor the tower reads.
    static func tensorNames(_ c: Qwen25VLVisionConfig, _ names: Qwen25VLWeightNames) throws -> [String] {
        var out = [try names.vision("patch_embed.proj.weight")]
        for i in 0..<c.depth {
            out += try ["norm1.weight", "norm2.weight"].map { try names.visionBlock(i, $0) }
            for l in ["attn.qkv", "attn.proj", "mlp.gate_proj", "mlp.up_proj", "mlp.down_proj"] {
                out += [try names.visionBlock(i, l + ".weight"), try names.visionBlock(i, l + ".bias")]
            }
        }
        out.append(try names.vision("merger.ln_q.weight"))
        for l in ["merger.mlp.0", "merger.mlp.2"] { out += [try names.vision(l + ".weight"), try names.vision(l + ".bias")] }
        return out
    }

    /// Checks `grids` against `pixelValues` `[Σ t·h·w, C·T·P·P]`.
    func validate(_ pixelValues: Tensor, _ grids: [Qwen25VLImageGrid]) throws {
        let m = config.spatialMergeSize
        for (i, g) in grids.enumerated() {
            guard g.t > 0, g.h > 0, g.w > 0 else { throw Qwen25VLError.badGrid(image: i, grid: g, reason: "non-positive size") }
            guard g.h % m == 0, g.w % m == 0 else {
                throw Qwen25VLError.badGrid(image: i, grid: g, reason: "h and w must be multiples of spatial_merge_size \(m)")
            }
        }
        let rows = grids.reduce(0) { $0 + $1.patches }
        guard pixelValues.rank == 2, pixelValues.shape == [rows, config.patchWidth] else {
            throw Qwen25VLError.pixelShape(expected: [rows, config.patchWidth], actual: pixelValues.shape)
        }
    }

    /// Intermediate results of one tower forward (tests compare them to transformers' hooks).
    struct Trace {
        var patchEmbeds: Tensor        // original order
        var blockOutputs: [Tensor]     // window order
    }

    /// Merged image features `[Σ t·(h/m)·(w/m), out_hidden_size]` in original order.
    public func callAsFunction(_ pixelValues: Tensor, grids: [Qwen25VLImageGrid]) throws -> Tensor {
        try forward(pixelValues, grids: grids, trace: false).features
    }

    func forward(_ pixelValues: Tensor, grids: [Qwen25VLImageGrid], trace: Bool) throws -> (features: Tensor, trace: Trace?) {
        try validate(pixelValues, grids)
        let c = config, m2 = c.spatialMergeSize * c.spatialMergeSize
        let layout = Qwen25VLVisionLayout(grids: grids, mergeSize: c.spatialMergeSize, windowSide: c.mergedWindowSide)
        let embeds = pixelValues.linear(patchWeight)
        var x = Self.permuteUnits(embeds, layout.windowIndex, unit: m2)
        let (cos0, sin0) = rope.axialTables(rows: layout.rowPositions, columns: layout.columnPositions, headDim: c.headDim)
        let cos = Self.permuteUnits(cos0, layout.windowIndex, unit: m2), sin = Self.permuteUnits(sin0, layout.windowIndex, unit: m2)
        let full = Set(c.fullattBlockIndexes)
        var outs: [Tensor] = []
        for (i, b) in blocks.enumerated() {
            x = b(x, rope: rotation, cos: cos, sin: sin,
                  boundaries: full.contains(i) ? layout.fullBoundaries : layout.windowBoundaries)
            if trace { outs.append(x) }
        }
        let normed = mergerNorm(x)
        var h = merger1(normed.reshaped([normed.rows / m2, normed.cols * m2]))
        Activation.gelu.apply(&h)
        let merged = merger2(h)
        let features = Self.permuteUnits(merged, layout.inverseWindowIndex, unit: 1)
        return (features, trace ? Trace(patchEmbeds: embeds, blockOutputs: outs) : nil)
    }

    /// Rows regrouped in units of `unit` rows: new unit `j` = old unit `index[j]`.
    static func permuteUnits(_ x: Tensor, _ index: [Int], unit: Int) -> Tensor {
        let width = unit * x.cols
        var out = [Float](repeating: 0, count: x.count)
        x.data.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for (j, u) in index.enumerated() {
                    (dst.baseAddress! + j * width).update(from: src.baseAddress! + u * width, count: width)
                }
            }
        }
        return Tensor(shape: x.shape, data: out)
    }
}
