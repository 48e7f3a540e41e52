import Foundation
import Math
import Testing
@testable import Model

@Suite struct QwenStageTests {
    /// Window index, boundaries and positions for a grid with partial windows, checked by hand:
    /// grid [1, 6, 8] → 3×4 merged units, windows of 2×2 units → 2×2 windows of 4, 4, 2, 2 units.
    @Test func visionLayoutByHand() {
        let l = Qwen25VLVisionLayout(grids: [Qwen25VLImageGrid(t: 1, h: 6, w: 8)], mergeSize: 2, windowSide: 2)
        #expect(l.windowIndex == [0, 1, 4, 5, 2, 3, 6, 7, 8, 9, 10, 11])
        #expect(l.windowBoundaries == [0, 16, 32, 40, 48] && l.fullBoundaries == [0, 48])
        #expect(Array(l.rowPositions.prefix(8)) == [0, 0, 1, 1, 0, 0, 1, 1])
        #expect(Array(l.columnPositions.prefix(8)) == [0, 1, 0, 1, 2, 3, 2, 3])
        for (slot, unit) in l.windowIndex.enumerated() { #expect(l.inverseWindowIndex[unit] == slot) }
        // Two images, one of two frames: the second image's units come after the first's, frames are separate segments.
        let two = Qwen25VLVisionLayout(grids: [Qwen25VLImageGrid(t: 1, h: 2, w: 2), Qwen25VLImageGrid(t: 2, h: 2, w: 4)],
                                       mergeSize: 2, windowSide: 4)
        #expect(two.windowIndex == [0, 1, 2, 3, 4] && two.fullBoundaries == [0, 4, 12, 20])
        #expect(two.windowBoundaries == [0, 4, 12, 20])
    }

    @Test func ropeIndexContinuesAfterEachImage() throws {
        let pad = 9
        let ids = [1, 2, pad, pad, pad, pad, pad, pad, 3, 4]  // grid [1, 4, 6] → 2×3 tokens
        let p = try Qwen25VLRopeIndex.positions(inputIds: ids, imageTokenId: pad, grids: [Qwen25VLImageGrid(t: 1, h: 4, w: 6)],
                                                spatialMergeSize: 2)
        #expect(p.t == [0, 1, 2, 2, 2, 2, 2, 2, 5, 6])
        #expect(p.h == [0, 1, 2, 2, 2, 3, 3, 3, 5, 6])
        #expect(p.w == [0, 1, 2, 3, 4, 2, 3, 4, 5, 6])
        #expect(throws: Qwen25VLError.imageTokenMismatch(imageTokens: 6, imageFeatures: 4)) {
            try Qwen25VLRopeIndex.positions(inputIds: ids, imageTokenId: pad, grids: [Qwen25VLImageGrid(t: 1, h: 4, w: 4)],
                                            spatialMergeSize: 2)
        }
        // Text only: identical rows, and M-RoPE tables equal plain RoPE tables.
        let text = try Qwen25VLRopeIndex.positions(inputIds: [5, 6, 7], imageTokenId: pad, grids: [], spatialMergeSize: 2)
        #expect(text == MultimodalPositions(sequential: 0..<3))
        let rope = RotaryEmbedding(headDim: 16, theta: 1e6)
        let (c1, s1) = rope.multimodalTables(positions: MultimodalPositions(sequential: 0..<40), section: [2, 3, 3])
        let (c2, s2) = rope.tables(positions: Array(0..<40))
        #expect(c1 == c2 && s1 == s2)
    }

    /// transformers-5 in-memory names (`model.language_model.*`, `model.visual.*`) load to the same keys.
    @Test func transformers5InMemoryNames() throws {
        let src = QwenFixtures.url("tiny_t5")
        let file = try SafetensorsFile(url: src.appendingPathComponent("model.safetensors"))
        var w = SafetensorsWriter()
        for name in file.names {
            var new = name
            for (old, rep) in [("visual.", "model.visual."), ("model.", "model.language_model.")] where name.hasPrefix(old) {
                new = rep + name.dropFirst(old.count)
                break
            }
            w.add(new, try file.tensor(name))
        }
        let dir = try QwenFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try w.write(to: dir.appendingPathComponent("model.safetensors"))
        try FileManager.default.copyItem(at: src.appendingPathComponent("config.json"), to: dir.appendingPathComponent("config.json"))
        let names = Qwen25VLWeightNames(checkpoint: try SafetensorsCheckpoint(directory: dir))
        #expect(names.textPrefix == "model.language_model." && names.visionPrefix == "model.visual." && names.lmHeadPrefix == "lm_head.")
        let ref = try QwenFixtures.file("tiny_t5_ref.safetensors")
        let stage = try Qwen25VLStage(directory: dir, layers: 0..<3, includeEmbedding: true, includeHead: true)
        let out = try stage.forward(try QwenFixtures.input(ref), taps: KeyTaps(layers: [1, 2], postRoPE: true, stopAfterLastTap: false))
        QwenFixtures.expectClose(try #require(out.rotatedKeys[1]), try ref.tensor("rotated_keys_1"), "renamed keys L1")
        QwenFixtures.expectClose(try stage.logits(out.hiddenStates), try ref.tensor("logits"), "renamed logits")
    }

    @Test func laterStageReadsOnlyItsShard() throws {
        let dir = QwenFixtures.url("tiny_hub")
        let ckpt = try SafetensorsCheckpoint(directory: dir)
        let config = try Qwen25VLConfig(directory: dir)
        _ = try Qwen25VLStage(checkpoint: ckpt, config: config, layers: 2..<3, includeEmbedding: false)
        #expect(ckpt.openedFiles == ["model-00002-of-00002.safetensors"])
        // A tied head needs the embedding matrix, which lives in the first shard.
        let names = try Qwen25VLStage.tensorNames(config: config, names: Qwen25VLWeightNames(checkpoint: ckpt), layers: 2..<3,
                                                  includeEmbedding: false, includeHead: true)
        #expect(names.suffix(2) == ["model.norm.weight", "model.embed_tokens.weight"])
    }

    @Test func inputErrors() throws {
        let dir = QwenFixtures.url("tiny_t5")
        let ref = try QwenFixtures.file("tiny_t5_ref.safetensors")
        let stage = try Qwen25VLStage(directory: dir, layers: 0..<2, includeEmbedding: true)
        let pixels = try ref.tensor("pixel_values")
        let grid = Qwen25VLImageGrid(t: 1, h: 4, w: 6)
        #expect(throws: Qwen25VLError.imageTokenMismatch(imageTokens: 4, imageFeatures: 6)) {
            try stage.forward(.tokens(inputIds: [1, 502, 502, 502, 502, 2], pixelValues: pixels, imageGridTHW: [grid]))
        }
        #expect(throws: Qwen25VLError.pixelShape(expected: [48, 1176], actual: [24, 1176])) {
            try stage.forward(.tokens(inputIds: [1, 2], pixelValues: pixels, imageGridTHW: [grid, grid]))
        }
        #expect(throws: Qwen25VLError.badGrid(image: 0, grid: Qwen25VLImageGrid(t: 1, h: 3, w: 8),
                                              reason: "h and w must be multiples of spatial_merge_size 2")) {
            try stage.forward(.tokens(inputIds: [1, 2], pixelValues: pixels, imageGridTHW: [Qwen25VLImageGrid(t: 1, h: 3, w: 8)]))
        }
        #expect(throws: Qwen25VLError.missingInput("image_grid_thw for pixel_values [24, 1176]")) {
            try stage.forward(.tokens(inputIds: [1, 2], pixelValues: pixels, imageGridTHW: []))
        }
        #expect(throws: Qwen25VLError.missingInput("pixel_values for 1 image grids")) {
            try stage.forward(.tokens(inputIds: [1, 2], pixelValues: nil, imageGridTHW: [grid]))
        }
        #expect(throws: Qwen25VLError.tokenOutOfVocabulary(position: 1, id: 999, vocabSize: 512)) {
            try stage.forward(.tokens(inputIds: [1, 999], pixelValues: nil, imageGridTHW: []))
        }
        #expect(throws: Qwen25VLError.tapOutsideStage(layer: 3, stage: 0..<2)) {
            try stage.forward(.tokens(inputIds: [1, 2], pixelValues: nil, imageGridTHW: []), taps: KeyTaps(layers: [3]))
        }
        #expect(throws: Qwen25VLError.layerRangeOutOfBounds(requested: 2..<9, numLayers: 3)) {
            try Qwen25VLStage(directory: dir, layers: 2..<9, includeEmbedding: false)
        }
        #expect(throws: Qwen25VLError.positionsMismatch(tokens: 2, positions: 3)) {
            try stage.forward(.hidden(Tensor(zeros: [2, 64]), positions: MultimodalPositions(sequential: 0..<3),
                                      isImageToken: [false, false]))
        }
        #expect(throws: Qwen25VLError.missingInput("a stage with the final norm and lm_head")) { try stage.logits(Tensor(zeros: [1, 64])) }
        let text = try stage.forward(.tokens(inputIds: [1, 5, 6], pixelValues: nil, imageGridTHW: []), taps: KeyTaps(layers: [0]))
        #expect(text.isImageToken == [false, false, false] && text.keys[0]?.shape == [3, 32])
        #expect(text.positions == MultimodalPositions(sequential: 0..<3))
    }

    @Test func benchmarkReportsConsistentFigures() throws {
        var o = Qwen25VLBenchmark.Options()
        o.hiddenSize = 64; o.intermediateSize = 128; o.heads = 4; o.kvHeads = 2; o.layers = 2; o.tokens = 40
        o.imageGrid = Qwen25VLImageGrid(t: 1, h: 8, w: 8)
        let r = try Qwen25VLBenchmark.forward(o)
        #expect(r.tokens == 40 && r.layers == 2 && r.seconds > 0)
        #expect(abs(r.tokensPerSecond * r.seconds - 40) < 1e-6 && abs(r.gflopPerSecond * r.seconds - r.gflop) < 1e-9)
        #expect(Qwen25VLBenchmark.textConfig(Qwen25VLBenchmark.Options()).mropeSection == [16, 24, 24])
        var c = Qwen25VLTextConfig()
        c.hiddenSize = 3584; c.numAttentionHeads = 28; c.numKeyValueHeads = 4; c.intermediateSize = 18944
        let projections: Double = 2.0 * 640 * 3584 * (3584 + 2 * 512) + 2.0 * 640 * 3584 * 3584
        let mlp: Double = 6.0 * 640 * 3584 * 18944
        let attention: Double = 4.0 * 28 * 640 * 640 * 128
        let expected = projections + mlp + attention
        #expect(Qwen25VLBenchmark.flopsPerLayer(c, tokens: 640) == expected)
        o.heads = 5
        #expect(throws: ConfigError.self) { try Qwen25VLBenchmark.forward(o) }
    }
}
