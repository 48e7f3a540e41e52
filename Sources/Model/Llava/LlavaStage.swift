import Foundation
import Math

/// A pipeline stage of `LlavaForConditionalGeneration`: decoder layers `layers`, plus (for the first
/// stage) the token embeddings, CLIP vision tower and projector.
///
/// Only the tensors of those parts are read from the checkpoint, so stages of a 7B model fit on
/// small workers. Splitting is exact: stages `[0, a)` then `[a, n)` give bit-identical hidden states
/// and keys to one stage `[0, n)` — the same kernels run in the same order on the same data.
public struct LlavaStage: Sendable {
    public let config: LlavaConfig
    public let layers: Range<Int>
    public let includesEmbedding: Bool
    let embedTokens: Tensor?
    let visionTower: CLIPVisionTower?
    let projector: LlavaProjector?
    let decoder: [LlamaDecoderLayer]
    let rope: RotaryEmbedding
    /// Final RMSNorm and `lm_head`, for the last stage when logits are wanted.
    let head: (norm: RMSNorm, lmHead: Tensor)?

    /// Loads a stage from a Hugging Face model directory (`config.json` + safetensors).
    /// `includeHead` (only for a stage ending at the last layer) also loads the final norm and
    /// `lm_head`, so the forward returns logits — keyscope itself needs only keys.
    public init(directory: URL, layers: Range<Int>, includeEmbedding: Bool, includeHead: Bool = false) throws {
        let config = try LlavaConfig(directory: directory)
        try self.init(checkpoint: try SafetensorsCheckpoint(directory: directory), config: config,
                      layers: layers, includeEmbedding: includeEmbedding, includeHead: includeHead)
    }

    public init(checkpoint ckpt: SafetensorsCheckpoint, config: LlavaConfig, layers: Range<Int>,
                includeEmbedding: Bool, includeHead: Bool = false) throws {
        let t = config.textConfig
        guard layers.lowerBound >= 0, layers.upperBound <= t.numHiddenLayers else {
            throw LlavaError.layerRangeOutOfBounds(requested: layers, numLayers: t.numHiddenLayers)
        }
        self.config = config
        self.layers = layers
        includesEmbedding = includeEmbedding
        let names = WeightNames(checkpoint: ckpt)
        if includeEmbedding {
            embedTokens = try ckpt.tensor(try names.text("embed_tokens.weight"), shape: [t.vocabSize, t.hiddenSize])
            visionTower = try CLIPVisionTower(ckpt, names, config: config.visionConfig,
                                              layerCount: config.resolvedFeatureLayers.max() ?? 0)
            projector = try LlavaProjector(ckpt, names, config: config)
        } else {
            embedTokens = nil; visionTower = nil; projector = nil
        }
        decoder = try layers.map { try LlamaDecoderLayer(ckpt, names, $0, t) }
        if includeHead {
            guard layers.upperBound == t.numHiddenLayers else {
                throw LlavaError.unsupported("lm_head on a stage ending at layer \(layers.upperBound) of \(t.numHiddenLayers)")
            }
            let norm = RMSNorm(weight: try ckpt.tensor(try names.text("norm.weight"), shape: [t.hiddenSize]),
                               eps: Float(t.rmsNormEps))
            // Tied checkpoints (tie_word_embeddings) have no lm_head tensor: reuse the embeddings.
            let lm = config.tieWordEmbeddings && names.lmHeadPrefix == nil
                ? try ckpt.tensor(try names.text("embed_tokens.weight"), shape: [t.vocabSize, t.hiddenSize])
                : try ckpt.tensor(try names.lmHead("weight"), shape: [t.vocabSize, t.hiddenSize])
            head = (norm, lm)
        } else {
            head = nil
        }
        let scaling = try t.rope.scaling(maxPositionEmbeddings: t.maxPositionEmbeddings, file: LlavaConfig.fileName,
                                         path: "text_config.rope_parameters")
        rope = RotaryEmbedding(headDim: t.headDim, theta: t.ropeTheta, scaling: scaling)
    }

    /// A decoder-only stage with given layers (benchmarks build random ones).
    init(config: LlavaConfig, layers: Range<Int>, decoder: [LlamaDecoderLayer]) {
        self.config = config; self.layers = layers; includesEmbedding = false
        embedTokens = nil; visionTower = nil; projector = nil; self.decoder = decoder; head = nil
        rope = RotaryEmbedding(headDim: config.textConfig.headDim, theta: config.textConfig.ropeTheta)
    }

    /// Projected image features `[n_images · tokens_per_image, hidden]` for `pixelValues` `[N, C, H, W]`.
    public func imageFeatures(_ pixelValues: Tensor) throws -> Tensor {
        guard let visionTower, let projector else { throw LlavaError.missingInput("a stage with the vision tower") }
        let v = config.visionConfig
        let per = [v.numChannels, v.imageSize, v.imageSize]
        guard pixelValues.rank == 4, Array(pixelValues.shape.dropFirst()) == per else {
            throw LlavaError.pixelShape(expected: per, actual: pixelValues.shape)
        }
        let indices = config.resolvedFeatureLayers
        let dropCLS = config.visionFeatureSelectStrategy == .default
        var perImage: [Tensor] = []
        for n in 0..<pixelValues.shape[0] {
            let states = visionTower.hiddenStates(pixelValues, image: n, indices: indices)
            let parts = indices.map { i -> Tensor in
                let h = states[i]!
                return dropCLS ? h.rows(1..<h.rows) : h
            }
            perImage.append(parts.count == 1 ? parts[0] : Self.concatColumns(parts))
        }
        return projector(Tensor.concatRows(perImage))
    }

    static func concatColumns(_ parts: [Tensor]) -> Tensor {
        let r = parts[0].rows, width = parts.reduce(0) { $0 + $1.cols }
        var out = [Float](repeating: 0, count: r * width)
        var off = 0
        for p in parts {
            for i in 0..<r { out.replaceSubrange((i * width + off)..<(i * width + off + p.cols), with: p[row: i]) }
            off += p.cols
        }
        return Tensor(shape: [r, width], data: out)
    }

    /// Token embeddings with image features scattered, in order, into the image-token positions.
    func embed(_ ids: [Int], pixelValues: Tensor?) throws -> (Tensor, [Bool], Tensor?) {
        guard let embedTokens else { throw LlavaError.missingInput("a stage with the embeddings") }
        let vocab = config.textConfig.vocabSize
        let isImage = ids.map { $0 == config.imageTokenIndex }
        let imageCount = isImage.filter { $0 }.count
        var features: Tensor?
        if let pixelValues, pixelValues.shape.first ?? 0 > 0 {
            features = try imageFeatures(pixelValues)
        }
        guard imageCount == (features?.rows ?? 0) else {
            throw LlavaError.imageTokenMismatch(imageTokens: imageCount, imageFeatures: features?.rows ?? 0)
        }
        do {
            return (try TokenEmbedding.scatter(ids: ids, isImage: isImage, features: features, embedTokens: embedTokens),
                    isImage, features)
        } catch {
            throw LlavaError.tokenOutOfVocabulary(position: error.position, id: error.id, vocabSize: vocab)
        }
    }

    public func forward(_ input: LlavaStageInput, taps: KeyTaps = .none) throws -> LlavaStageOutput {
        for l in taps.layers where !layers.contains(l) { throw LlavaError.tapOutsideStage(layer: l, stage: layers) }
        var x: Tensor, isImage: [Bool]
        var features: Tensor?, embeddings: Tensor?
        switch input {
        case let .tokens(ids, pixels):
            (x, isImage, features) = try embed(ids, pixelValues: pixels)
            embeddings = x
        case let .hidden(h, mask):
            guard h.rank == 2, h.cols == config.textConfig.hiddenSize, mask.count == h.rows else {
                throw LlavaError.hiddenShape(expected: config.textConfig.hiddenSize, actual: h.shape)
            }
            x = h; isImage = mask
        }
        let end = taps.stopAfterLastTap && !taps.layers.isEmpty ? taps.layers.max()! + 1 : layers.upperBound
        let (cos, sin) = rope.tables(positions: Array(0..<x.rows))
        var keys: [Int: Tensor] = [:], rotated: [Int: Tensor] = [:]
        for l in layers.lowerBound..<end {
            let tapped = taps.layers.contains(l)
            let (y, cap) = decoder[l - layers.lowerBound].forward(
                x, rope: rope, cos: cos, sin: sin, capturePre: tapped && taps.preRoPE, capturePost: tapped && taps.postRoPE)
            x = y
            if let k = cap.pre { keys[l] = k }
            if let k = cap.post { rotated[l] = k }
        }
        var logits: Tensor?
        if let head, end == layers.upperBound { logits = head.norm(x).linear(head.lmHead) }
        return LlavaStageOutput(hiddenStates: x, keys: keys, rotatedKeys: rotated, isImageToken: isImage,
                                layersRun: layers.lowerBound..<end, imageFeatures: features, embeddings: embeddings,
                                logits: logits)
    }
}
