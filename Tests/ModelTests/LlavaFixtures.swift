import Foundation
import Math
import Testing
@testable import Model

/// Access to `Fixtures/llava/` and the parity tolerance of DESIGN §3.
enum LlavaFixtures {
    static var root: URL {
        Bundle.module.url(forResource: "Fixtures", withExtension: nil)!.appendingPathComponent("llava")
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

    static func temporaryDirectory() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("keyscope-llava-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }
}
