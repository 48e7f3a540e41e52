import Foundation
import Math
import Testing
@testable import Model

/// Access to `Fixtures/qwen/` and the parity tolerance of DESIGN §3.
enum QwenFixtures {
    static var root: URL {
        Bundle.module.url(forResource: "Fixtures", withExtension: nil)!.appendingPathComponent("qwen")
    }
    static func url(_ name: String) -> URL { root.appendingPathComponent(name) }
    static func file(_ name: String) throws -> SafetensorsFile { try SafetensorsFile(url: url(name)) }

    /// max |Δ| ≤ 1e-4 · max(1, max |ref|).
    static func expectClose(_ got: Tensor, _ ref: Tensor, _ what: String,
                            sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(got.count == ref.count, "\(what): \(got.shape) vs \(ref.shape)", sourceLocation: sourceLocation)
        guard got.count == ref.count else { return }
        let tol = 1e-4 * max(1, ref.maxAbs)
        let diff = got.maxAbsDifference(ref)
        #expect(diff <= tol, "\(what): max |Δ| \(diff) > \(tol)", sourceLocation: sourceLocation)
    }

    static func grids(_ ref: SafetensorsFile) throws -> [Qwen25VLImageGrid] {
        let g = try ref.integers("image_grid_thw").values
        return stride(from: 0, to: g.count, by: 3).map { Qwen25VLImageGrid(t: g[$0], h: g[$0 + 1], w: g[$0 + 2]) }
    }

    static func positions(_ ref: SafetensorsFile) throws -> MultimodalPositions {
        let p = try ref.integers("position_ids").values, n = p.count / 3
        return MultimodalPositions(t: Array(p[0..<n]), h: Array(p[n..<(2 * n)]), w: Array(p[(2 * n)...]))
    }

    static func input(_ ref: SafetensorsFile) throws -> Qwen25VLStageInput {
        .tokens(inputIds: try ref.integers("input_ids").values, pixelValues: try ref.tensor("pixel_values"),
                imageGridTHW: try grids(ref))
    }

    static func temporaryDirectory() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("keyscope-qwen-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }
}
