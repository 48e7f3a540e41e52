import Math

/// A sealed list of named byte blobs: how a unit's partial results travel and sit in the journal,
/// and how `calibration.bin` is stored.
///
/// Layout (little-endian): magic `KSBP`, UInt16 version 1, UInt32 count, then per entry
/// UInt32 name length, name UTF-8, UInt64 blob length, blob; finally XXH64 (seed 0) of all preceding bytes.
public struct BlobPack: Sendable, Equatable {
    public var entries: [(name: String, bytes: [UInt8])]

    public init(_ entries: [(name: String, bytes: [UInt8])] = []) { self.entries = entries }

    public static func == (a: BlobPack, b: BlobPack) -> Bool {
        a.entries.count == b.entries.count && zip(a.entries, b.entries).allSatisfy { $0.name == $1.name && $0.bytes == $1.bytes }
    }

    public subscript(name: String) -> [UInt8]? { entries.first { $0.name == name }?.bytes }

    public func encoded() -> [UInt8] {
        var out: [UInt8] = Array("KSBP".utf8)
        func put<T: FixedWidthInteger>(_ v: T) { withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) } }
        put(UInt16(1)); put(UInt32(entries.count))
        for e in entries {
            let n = Array(e.name.utf8)
            put(UInt32(n.count)); out.append(contentsOf: n)
            put(UInt64(e.bytes.count)); out.append(contentsOf: e.bytes)
        }
        put(XXH64.hash(out, seed: 0))
        return out
    }

    /// Decodes and verifies a pack; `what` names the blob in errors (e.g. "unit 17 result").
    public init(decoding bytes: [UInt8], what: String, maxEntries: Int = 1 << 20) throws(BlobPackError) {
        guard bytes.count >= 18 else { throw .truncated(what) }
        guard Array(bytes[0..<4]) == Array("KSBP".utf8) else { throw .badMagic(what) }
        let body = bytes.count - 8
        let seal = bytes[body..<bytes.count].enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        guard XXH64.hash(Array(bytes[0..<body]), seed: 0) == seal else { throw .checksum(what) }
        var p = 4
        func take(_ n: Int) throws(BlobPackError) -> ArraySlice<UInt8> {
            guard n >= 0, p + n <= body else { throw .truncated(what) }
            defer { p += n }
            return bytes[p..<(p + n)]
        }
        func int(_ n: Int) throws(BlobPackError) -> UInt64 {
            try take(n).enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        }
        let version = try int(2)
        guard version == 1 else { throw .version(what, Int(version)) }
        let count = Int(try int(4))
        guard count <= maxEntries else { throw .tooLarge(what, "\(count) entries") }
        var entries: [(String, [UInt8])] = []
        for _ in 0..<count {
            let nl = Int(try int(4))
            let name = String(decoding: try take(nl), as: UTF8.self)
            let bl = try int(8)
            guard bl <= UInt64(body - p) else { throw .truncated(what) }
            entries.append((name, Array(try take(Int(bl)))))
        }
        guard p == body else { throw .truncated(what) }
        self.entries = entries
    }
}

public enum BlobPackError: Error, Equatable, CustomStringConvertible {
    case truncated(String), badMagic(String), checksum(String), version(String, Int), tooLarge(String, String)
    public var description: String {
        switch self {
        case .truncated(let w): return "\(w): truncated or malformed blob pack"
        case .badMagic(let w): return "\(w): not a keyscope blob pack (bad magic)"
        case .checksum(let w): return "\(w): XXH64 seal mismatch (corrupted)"
        case .version(let w, let v): return "\(w): unsupported blob pack version \(v)"
        case .tooLarge(let w, let m): return "\(w): too large (\(m))"
        }
    }
}
