import Foundation
import Math

/// `calibration.bin` in the run directory: the merged phase-1 calibration of every (variant, layer),
/// a `BlobPack` whose XXH64 (of the whole file) workers check before phase 2 so that no unit ever runs
/// against a stale or partial calibration.
public enum CalibrationFile {
    public static func encode(_ calibrations: [String: Calibration]) -> [UInt8] {
        BlobPack(calibrations.keys.sorted().map { ($0, calibrations[$0]!.serialized()) }).encoded()
    }

    public static func fingerprint(_ bytes: [UInt8]) -> UInt64 { XXH64.hash(bytes, seed: 0) }

    /// Writes atomically (temp file + rename) and returns the fingerprint.
    @discardableResult
    public static func write(_ calibrations: [String: Calibration], to url: URL) throws -> UInt64 {
        let bytes = encode(calibrations)
        try Data(bytes).write(to: url, options: .atomic)
        return fingerprint(bytes)
    }

    public static func read(path: String, expectedFingerprint: UInt64?) throws -> [String: Calibration] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CalibrationFileError.unreadable(path)
        }
        let bytes = [UInt8](data)
        if let expected = expectedFingerprint, fingerprint(bytes) != expected {
            throw CalibrationFileError.fingerprint(path, expected: expected, found: fingerprint(bytes))
        }
        let pack = try BlobPack(decoding: bytes, what: path)
        var out: [String: Calibration] = [:]
        for e in pack.entries { out[e.name] = try Calibration(serialized: e.bytes) }
        return out
    }
}

public enum CalibrationFileError: Error, CustomStringConvertible {
    case unreadable(String)
    case fingerprint(String, expected: UInt64, found: UInt64)
    public var description: String {
        switch self {
        case .unreadable(let p): return "\(p): cannot read the calibration file (is the run directory shared with this worker?)"
        case .fingerprint(let p, let e, let f):
            return "\(p): calibration fingerprint \(String(f, radix: 16)) does not match the plan's \(String(e, radix: 16))"
        }
    }
}
