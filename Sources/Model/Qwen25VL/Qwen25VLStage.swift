import Foundation
import Math

/// A pipeline stage of `Qwen2_5_VLForConditionalGeneration`: decoder layers `layers`, plus (first
/// stage) the token embeddings and vision tower, plus (optionally, last stage) the final norm and
/// `lm_head` (the embedding matrix when `tie_word_embeddings`).
///
/// Only the tensors of those parts are read from the checkpoint. Splitting is exact: stages `[0, a)`
/// then `[a, n)` give bit-identical hidden states and keys to one stage `[0, n)` — the positions travel
/// with the hidden states, and the same kernels run in the same order on the same data.
public struct Qwen25VLStage: Sendable {
    public let config: Qwen25VLConfig
    public let layers: Range<Int>
    public let includesEmbedding: Bool
    public let includesHead: Bool
    let embedTokens: Tensor?
    let visionTower: Qwen25VLVisionTower?
    let decoder: [Qwen2DecoderLayer]
    let finalNorm: RMSNorm?
    let lmHead: Tensor?
    let rope: RotaryEmbedding

    /// Loads a stage from a Hugging Face model directory (`config.json` + safetensors).
    public init(directory: URL, layers: Range<Int>, includeEmbedding: Bool, includeHead: Bool = false) throws {
        let config = try Qwen25VLConfig(directory: directory)
        try self.init(checkpoint: try SafetensorsCheckpoint(directory: directory), config: config, layers: layers,
                      includeEmbedding: includeEmbedding, includeHead: includeHead)
    }

    public init(checkpoint ckpt: SafetensorsCheckpoint, config: Qwen25VLConfig, layers: Range<Int>,
                includeEmbedding: Bool, includeHead: Bool = false) throws {
        let t = config.textConfig
        guard layers.lowerBound >= 0, layers.upperBound <= t.numHiddenLayers else {
            throw Qwen25VLError.layerRangeOutOfBounds(requested: layers, numLayers: t.numHiddenLayers)
        }
        self.config = config; self.layers = layers
        includesEmbedding = includeEmbedding; includesHead = includeHead
        let names = Qwen25VLWeightNames(checkpoint: ckpt)
        let embedShape = [t.vocabSize, t.hiddenSize]
        if includeEmbedding {
            embedTokens = try ckpt.tensor(try names.text("embed_tokens.weight"), shape: embedShape)
            visionTower = try Qwen25VLVisionTower(ckpt, names, config: config.visionConfig)
        } else {
            embedTokens = nil; visionTower = nil
        }
        decoder = try layers.map { try Qwen2DecoderLayer(ckpt, names, $0, t) }
        if includeHead {
            finalNorm = RMSNorm(weight: try ckpt.tensor(try names.text("norm.weight"), shape: [t.hiddenSize]),
                                eps: Float(t.rmsNormEps))
            lmHead = config.tieWordEmbeddings
                ? try embedTokens ?? ckpt.tensor(try names.text("embed_tokens.weight"), shape: embedShape)
                : try ckpt.tensor(try names.lmHead(), shape: embedShape)
        } else {
            finalNorm = nil; lmHead = nil
        }
        rope = RotaryEmbedding(headDim: t.headDim, theta: t.ropeTheta)
    }

    /// A decoder-only stage with given layers (benchmarks build random ones).
    init(config: Qwen25VLConfig, layers: Range<Int>, decoder: [Qwen2DecoderLayer]) {
        self.config = config; self.layers = layers; includesEmbedding = false; includesHead = false
        embedTokens = nil; visionTower = nil; finalNorm = nil; lmHead = nil; self.decoder = decoder
        rope = RotaryEmbedding(headDim: config.textConfig.headDim, theta: config.textConfig.ropeTheta)
    }

    /// Checkpoint names of every tensor a stage reads (what a worker must have on disk to host it).
    public static func tensorNames(config: Qwen25VLConfig, names: Qwen25VLWeightNames, layers: Range<Int>,
                                   includeEmbedding: Bool, includeHead: Bool = false) throws -> [String] {
        var out: [String] = []
        if includeEmbedding {
            out.append(try names.text("embed_tokens.weight"))
            out += try Qwen25VLVisionTower.tensorNames(config.visionConfig, names)
        }
        for i in layers { out += try Qwen2DecoderLayer.tensorNames(names, i) }
        if includeHead {
            out.append(try names.text("norm.weight"))
            out.append(config.tieWordEmbeddings ? try names.text("embed_tokens.weight") : try names.lmHead())
        }
        var seen = Set<String>()
        return out.filter { seen.insert($0).inserted }  // tied head = the embedding tensor
    }

    /// Image features `[Σ t·(h/m)·(w/m), hidden]` for `pixelValues` `[Σ t·h·w, C·T·P·P]`.
    public func imageFeatures(_ pixelValues: Tensor, grids: [Qwen25VLImageGrid]) throws -> Tensor {
        guard let visionTower else { throw Qwen25VLError.missingInput("a stage with the vision tower") }
        return try visionTower(pixelValues, grids: grids)
    }

    /// Token embeddings with image features scattered, in order, into the `<|image_pad|>` positions.
    func embed(_ ids: [Int], pixelValues: Tensor?, grids: [Qwen25VLImageGrid]) throws -> (Tensor, [Bool], Tensor?) {
        guard let embedTokens else { throw Qwen25VLError.missingInput("a stage with the embeddings") }
        let vocab = config.textConfig.vocabSize
        let isImage = ids.map { $0 == config.imageTokenId }
        let imageCount = isImage.filter { $0 }.count
        var features: Tensor?
        if grids.isEmpty, let pixelValues, pixelValues.count > 0 {
            throw Qwen25VLError.missingInput("image_grid_thw for pixel_values \(pixelValues.shape)")
        }
        if !grids.isEmpty {
            guard let pixelValues else { throw Qwen25VLError.missingInput("pixel_values for \(grids.count) image grids") }
            features = try imageFeatures(pixelValues, grids: grids)
        }
        guard imageCount == (features?.rows ?? 0) else {
            throw Qwen25VLError.imageTokenMismatch(imageTokens: imageCount, imageFeatures: features?.rows ?? 0)
        }
        do {
            return (try TokenEmbedding.scatter(ids: ids, isImage: isImage, features: features, embedTokens: embedTokens),
                    isImage, features)
        } catch {
            throw Qwen25VLError.tokenOutOfVocabulary(position: error.position, id: error.id, vocabSize: vocab)
        }
    }

    public func forward(_ input: Qwen25VLStageInput, taps: KeyTaps = .none) throws -> Qwen25VLStageOutput {
        for l in taps.layers where !layers.contains(l) { throw Qwen25VLError.tapOutsideStage(layer: l, stage: layers) }
        var x: Tensor, isImage: [Bool], positions: MultimodalPositions
        var features: Tensor?, embeddings: Tensor?
        switch input {
        case let .tokens(ids, pixels, grids):
            (x, isImage, features) = try embed(ids, pixelValues: pixels, grids: grids)
            positions = try Qwen25VLRopeIndex.positions(inputIds: ids, imageTokenId: config.imageTokenId, grids: grids,
                                                        spatialMergeSize: config.visionConfig.spatialMergeSize)
            embeddings = x
        case let .hidden(h, p, mask):
            guard h.rank == 2, h.cols == config.textConfig.hiddenSize, mask.count == h.rows else {
                throw Qwen25VLError.hiddenShape(expected: config.textConfig.hiddenSize, actual: h.shape)
            }
            guard p.count == h.rows else { throw Qwen25VLError.positionsMismatch(tokens: h.rows, positions: p.count) }
            x = h; isImage = mask; positions = p
        }
        let end = taps.stopAfterLastTap && !taps.layers.isEmpty ? taps.layers.max()! + 1 : layers.upperBound
        let (cos, sin) = rope.multimodalTables(positions: positions, section: config.textConfig.mropeSection)
        var keys: [Int: Tensor] = [:], rotated: [Int: Tensor] = [:]
        for l in layers.lowerBound..<end {
            let tapped = taps.layers.contains(l)
            let (y, cap) = decoder[l - layers.lowerBound].forward(
                x, rope: rope, cos: cos, sin: sin, capturePre: tapped && taps.preRoPE, capturePost: tapped && taps.postRoPE)
            x = y
            if let k = cap.pre { keys[l] = k }
            if let k = cap.post { rotated[l] = k }
        }
        return Qwen25VLStageOutput(hiddenStates: x, keys: keys, rotatedKeys: rotated, isImageToken: isImage,
                                   positions: positions, layersRun: layers.lowerBound..<end,
                                   imageFeatures: features, embeddings: embeddings)
    }

    /// Logits `[tokens, vocab]` of the last layer's hidden states: final RMSNorm, then `lm_head`
    /// (the embedding matrix when tied). Needs a stage built with `includeHead` that ran the last layer.
    public func logits(_ hiddenStates: Tensor) throws -> Tensor {
        guard let finalNorm, let lmHead else { throw Qwen25VLError.missingInput("a stage with the final norm and lm_head") }
        guard hiddenStates.rank == 2, hiddenStates.cols == config.textConfig.hiddenSize else {
            throw Qwen25VLError.hiddenShape(expected: config.textConfig.hiddenSize, actual: hiddenStates.shape)
        }
        return finalNorm(hiddenStates).linear(lmHead)
    }
}
