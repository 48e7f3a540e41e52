import Foundation
import Testing
@testable import Model

/// demo/images is part of the repository (not a test resource); it is found from this file's path.
@Suite("demo/images: real photographs the demo runs on")
struct ImageDemoTests {
    static let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../demo/images").standardizedFileURL

    @Test("≥ 24 JPEGs named NN_name.jpg, each decodes, long side ≤ 400 px, each has a licence row")
    func demoImages() throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: Self.dir.path)
            .filter { $0.hasSuffix(".jpg") }.sorted()
        #expect(names.count >= 24)
        let licences = try String(contentsOf: Self.dir.appendingPathComponent("LICENSES.md"), encoding: .utf8)
        for (i, name) in names.enumerated() {
            #expect(name.hasPrefix(String(format: "%02d_", i + 1)), "\(name)")
            let image = try Image.load(url: Self.dir.appendingPathComponent(name))
            #expect(max(image.width, image.height) <= 400, "\(name)")
            #expect(licences.contains("| \(name) |"), "\(name) has no licence row")
        }
    }
}
