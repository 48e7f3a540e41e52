import Foundation

/// Reads the openTSNE references made by scripts/make_tsne_fixtures.py (raw little-endian arrays
/// plus meta.json); see that script for how each file was produced.
enum TSNEFixture {
    static var directory: URL {
        Bundle.module.url(forResource: "Fixtures", withExtension: nil)!.appendingPathComponent("tsne")
    }

    static func meta() throws -> [String: Any] {
        let data = try Data(contentsOf: directory.appendingPathComponent("meta.json"))
        return try JSONSerialization.jsonObject(with: data) as! [String: Any]
    }

    static func section(_ name: String) throws -> [String: Any] { try meta()[name] as! [String: Any] }

    static func doubles(_ file: String) throws -> [Double] {
        let data = try Data(contentsOf: directory.appendingPathComponent(file))
        return data.withUnsafeBytes { raw in
            (0..<(data.count / 8)).map { Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 8 * $0, as: UInt64.self))) }
        }
    }

    static func floats(_ file: String) throws -> [Float] {
        let data = try Data(contentsOf: directory.appendingPathComponent(file))
        return data.withUnsafeBytes { raw in
            (0..<(data.count / 4)).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self))) }
        }
    }
}
