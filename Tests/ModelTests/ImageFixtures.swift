import Foundation
@testable import Model

/// Access to Fixtures/images (written by scripts/make_image_fixtures.py from Pillow/transformers).
enum ImageFixtures {
    static let root: URL = Bundle.module.url(forResource: "Fixtures", withExtension: nil)!
        .appendingPathComponent("images")

    static func url(_ relative: String) -> URL { root.appendingPathComponent(relative) }

    nonisolated(unsafe) static let manifest: [String: Any] = {
        let data = try! Data(contentsOf: url("manifest.json"))
        return try! JSONSerialization.jsonObject(with: data) as! [String: Any]
    }()

    static func entries(_ key: String) -> [[String: Any]] { manifest[key] as! [[String: Any]] }

    static let decodeExpected: [UInt8] = [UInt8](try! Data(contentsOf: url("decode_expected.bin")))

    static func load(_ relative: String) throws -> Image { try Image.load(url: url(relative)) }

    /// The fixture script's checksum: Σ u_i · (2i + 1) mod 2^64 over bytes or float32 bit patterns.
    static func wsum(_ bytes: [UInt8]) -> UInt64 {
        bytes.withUnsafeBufferPointer { p in
            var s: UInt64 = 0, w: UInt64 = 1
            for b in p { s &+= UInt64(b) &* w; w &+= 2 }
            return s
        }
    }

    static func wsum(_ floats: [Float]) -> UInt64 {
        floats.withUnsafeBufferPointer { p in
            var s: UInt64 = 0, w: UInt64 = 1
            for f in p { s &+= UInt64(f.bitPattern) &* w; w &+= 2 }
            return s
        }
    }

    static func uint64(_ any: Any?) -> UInt64 { UInt64(any as! String)! }

    /// Largest |a - b| over the manifest's strided samples.
    static func maxSampleError(_ values: [Float], entry: [String: Any]) -> (count: Int, maxError: Double) {
        let stride = entry["stride"] as! Int
        let samples = entry["samples"] as! [Double]
        var worst = 0.0
        for (k, expected) in samples.enumerated() {
            worst = max(worst, abs(Double(values[k * stride]) - expected))
        }
        return (samples.count, worst)
    }
}
