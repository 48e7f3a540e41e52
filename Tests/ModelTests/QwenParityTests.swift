import Foundation
import Math
import Testing
@testable import Model

/// Qwen2.5-VL forward against transformers 5.24 on the tiny generated checkpoints (golden tests).
@Suite struct QwenParityTests {
    struct Case: Sendable, CustomStringConvertible {
        let dir: String
        var description: String { dir }
    }
    static let cases = [Case(dir: "tiny_t5"), Case(dir: "tiny_hub")]

    @Test(arguments: cases)
    func positionsMatchGetRopeIndex(c: Case) throws {
        let ref = try QwenFixtures.file("\(c.dir)_ref.safetensors")
        let config = try Qwen25VLConfig(directory: QwenFixtures.url(c.dir))
        let p = try Qwen25VLRopeIndex.positions(inputIds: try ref.integers("input_ids").values,
                                                imageTokenId: config.imageTokenId, grids: try QwenFixtures.grids(ref),
                                                spatialMergeSize: config.visionConfig.spatialMergeSize)
        #expect(p == (try QwenFixtures.positions(ref)))
        #expect(p.t != p.h && p.h != p.w)
    }

    @Test(arguments: cases)
    func visionTower(c: Case) throws {
        let ref = try QwenFixtures.file("\(c.dir)_ref.safetensors")
        let dir = QwenFixtures.url(c.dir)
        let stage = try Qwen25VLStage(directory: dir, layers: 0..<0, includeEmbedding: true)
        let tower = try #require(stage.visionTower)
        let (features, trace) = try tower.forward(try ref.tensor("pixel_values"), grids: try QwenFixtures.grids(ref), trace: true)
        let t = try #require(trace)
        QwenFixtures.expectClose(t.patchEmbeds, try ref.tensor("patch_embeds"), "\(c) patch embeddings")
        for (i, b) in t.blockOutputs.enumerated() {
            QwenFixtures.expectClose(b, try ref.tensor("vision_block_\(i)"), "\(c) vision block \(i)")
        }
        QwenFixtures.expectClose(features, try ref.tensor("image_features"), "\(c) image features")
    }

    @Test(arguments: cases)
    func keysHiddenStatesAndLogits(c: Case) throws {
        let ref = try QwenFixtures.file("\(c.dir)_ref.safetensors")
        let dir = QwenFixtures.url(c.dir)
        let config = try Qwen25VLConfig(directory: dir)
        let n = config.textConfig.numHiddenLayers
        let stage = try Qwen25VLStage(directory: dir, layers: 0..<n, includeEmbedding: true, includeHead: true)
        let out = try stage.forward(try QwenFixtures.input(ref), taps: KeyTaps(layers: Set(0..<n), preRoPE: true, postRoPE: true))
        #expect(out.layersRun == 0..<n)
        QwenFixtures.expectClose(try #require(out.imageFeatures), try ref.tensor("image_features"), "\(c) image features")
        QwenFixtures.expectClose(try #require(out.embeddings), try ref.tensor("embeddings"), "\(c) embeddings")
        for l in 0..<n {
            QwenFixtures.expectClose(try #require(out.keys[l]), try ref.tensor("keys_\(l)"), "\(c) pre-RoPE keys L\(l)")
            QwenFixtures.expectClose(try #require(out.rotatedKeys[l]), try ref.tensor("rotated_keys_\(l)"), "\(c) post-RoPE keys L\(l)")
        }
        QwenFixtures.expectClose(out.hiddenStates, try ref.tensor("hidden_\(n - 1)"), "\(c) last hidden")
        QwenFixtures.expectClose(try stage.logits(out.hiddenStates), try ref.tensor("logits"), "\(c) logits")
        let ids = try ref.integers("input_ids").values
        #expect(out.isImageToken == ids.map { $0 == config.imageTokenId })
        #expect(out.isImageToken.filter { $0 }.count == (try ref.tensor("image_features")).rows)
        #expect(out.positions == (try QwenFixtures.positions(ref)))
        // 1-D RoPE would give different keys: the M-RoPE positions matter in this fixture.
        let oneD = stage.rope.rotated(try #require(out.keys[0]), positions: Array(0..<ids.count))
        #expect(oneD.maxAbsDifference(try ref.tensor("rotated_keys_0")) > 1e-2)
        for l in 0..<(n - 1) {
            let part = try stage.forward(try QwenFixtures.input(ref), taps: KeyTaps(layers: [l], preRoPE: false))
            #expect(part.layersRun == 0..<(l + 1))
            QwenFixtures.expectClose(part.hiddenStates, try ref.tensor("hidden_\(l)"), "\(c) hidden L\(l)")
        }
    }

    /// Stages [0, a) then [a, n) give bit-identical keys and hidden states to one stage [0, n).
    @Test(arguments: cases)
    func splitStagesAreBitIdentical(c: Case) throws {
        let ref = try QwenFixtures.file("\(c.dir)_ref.safetensors")
        let dir = QwenFixtures.url(c.dir)
        let n = try Qwen25VLConfig(directory: dir).textConfig.numHiddenLayers
        let whole = try Qwen25VLStage(directory: dir, layers: 0..<n, includeEmbedding: true)
            .forward(try QwenFixtures.input(ref), taps: KeyTaps(layers: Set(0..<n), postRoPE: true))
        for a in 1..<n {
            let first = try Qwen25VLStage(directory: dir, layers: 0..<a, includeEmbedding: true)
                .forward(try QwenFixtures.input(ref), taps: KeyTaps(layers: Set(0..<a), postRoPE: true, stopAfterLastTap: false))
            let second = try Qwen25VLStage(directory: dir, layers: a..<n, includeEmbedding: false)
                .forward(.hidden(first.hiddenStates, positions: first.positions, isImageToken: first.isImageToken),
                         taps: KeyTaps(layers: Set(a..<n), postRoPE: true))
            #expect(second.hiddenStates == whole.hiddenStates, "split at \(a)")
            #expect(second.isImageToken == whole.isImageToken && second.positions == whole.positions)
            for l in 0..<n {
                let part = l < a ? first : second
                #expect(part.keys[l] == whole.keys[l] && part.rotatedKeys[l] == whole.rotatedKeys[l], "split \(a) layer \(l)")
            }
        }
    }
}
