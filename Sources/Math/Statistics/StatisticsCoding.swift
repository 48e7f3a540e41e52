/// Versioned little-endian binary encoding shared by the statistics blobs.
///
/// Layout: 4-byte magic, UInt16 version, payload, then XXH64(seed 0) of everything before it.
/// Readers check the seal before parsing and every length before allocating, so a truncated or
/// corrupted blob becomes a `StatisticsCodingError`, never a crash or a huge allocation.
public enum StatisticsCodingError: Error, Equatable, CustomStringConvertible {
    case truncated(blob: String, field: String)
    case badMagic(blob: String)
    case unsupportedVersion(blob: String, version: Int)
    case checksumMismatch(blob: String)
    case invalidField(blob: String, field: String, reason: String)
    case trailingBytes(blob: String, count: Int)

    public var description: String {
        switch self {
        case .truncated(let b, let f): return "\(b): truncated while reading \(f)"
        case .badMagic(let b): return "\(b): bad magic"
        case .unsupportedVersion(let b, let v): return "\(b): unsupported version \(v)"
        case .checksumMismatch(let b): return "\(b): XXH64 seal mismatch (corrupted blob)"
        case .invalidField(let b, let f, let r): return "\(b): field \(f) invalid: \(r)"
        case .trailingBytes(let b, let n): return "\(b): \(n) unexpected trailing bytes"
        }
    }
}

struct BlobWriter {
    private(set) var bytes: [UInt8] = []

    init(magic: String, version: UInt16) {
        bytes.append(contentsOf: Array(magic.utf8))
        u16(version)
    }

    mutating func u8(_ v: UInt8) { bytes.append(v) }
    mutating func u16(_ v: UInt16) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
    mutating func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
    mutating func u64(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
    mutating func i64(_ v: Int) { u64(UInt64(bitPattern: Int64(v))) }
    mutating func f32(_ v: Float) { u32(v.bitPattern) }
    mutating func f64(_ v: Double) { u64(v.bitPattern) }
    mutating func i128(_ v: Int128) {
        let u = UInt128(bitPattern: v)
        u64(UInt64(truncatingIfNeeded: u)); u64(UInt64(truncatingIfNeeded: u >> 64))
    }
    /// Unsigned LEB128 (histogram counts are mostly small).
    mutating func varint(_ v: UInt64) {
        var x = v
        while x >= 0x80 { bytes.append(UInt8(x & 0x7F) | 0x80); x >>= 7 }
        bytes.append(UInt8(x))
    }
    mutating func string(_ s: String) {
        let b = Array(s.utf8)
        u32(UInt32(b.count)); bytes.append(contentsOf: b)
    }

    /// Appends the XXH64 seal and returns the blob.
    consuming func sealed() -> [UInt8] {
        let h = XXH64.hash(bytes, seed: 0)
        u64(h)
        return bytes
    }
}

struct BlobReader {
    let blob: String
    private let bytes: [UInt8]
    private var pos: Int
    private let end: Int

    /// The version found in the blob (one of those the caller accepts).
    private(set) var version: UInt16 = 0

    /// Checks magic, seal and version; `version` is the one this build reads.
    init(_ data: [UInt8], magic: String, version: UInt16, blob: String) throws {
        try self.init(data, magic: magic, versions: version...version, blob: blob)
    }

    /// Checks magic, seal and version; `versions` are those this build reads (older layouts stay readable,
    /// e.g. in journals written before an upgrade).
    init(_ data: [UInt8], magic: String, versions: ClosedRange<UInt16>, blob: String) throws {
        self.blob = blob
        let m = Array(magic.utf8)
        guard data.count >= m.count + 2 + 8 else { throw StatisticsCodingError.truncated(blob: blob, field: "header") }
        guard Array(data[0..<m.count]) == m else { throw StatisticsCodingError.badMagic(blob: blob) }
        let payloadEnd = data.count - 8
        let stored = data.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(fromByteOffset: payloadEnd, as: UInt64.self)) }
        let actual = data.withUnsafeBytes { XXH64.hash(UnsafeRawBufferPointer(rebasing: $0[0..<payloadEnd]), seed: 0) }
        guard stored == actual else { throw StatisticsCodingError.checksumMismatch(blob: blob) }
        bytes = data
        pos = m.count
        end = payloadEnd
        let v = try u16("version")
        guard versions.contains(v) else { throw StatisticsCodingError.unsupportedVersion(blob: blob, version: Int(v)) }
        version = v
    }

    var remaining: Int { end - pos }

    private mutating func take<T: FixedWidthInteger>(_ type: T.Type, _ field: String) throws -> T {
        let n = MemoryLayout<T>.size
        guard remaining >= n else { throw StatisticsCodingError.truncated(blob: blob, field: field) }
        let v = bytes.withUnsafeBytes { T(littleEndian: $0.loadUnaligned(fromByteOffset: pos, as: T.self)) }
        pos += n
        return v
    }

    mutating func u8(_ f: String) throws -> UInt8 { try take(UInt8.self, f) }
    mutating func u16(_ f: String) throws -> UInt16 { try take(UInt16.self, f) }
    mutating func u32(_ f: String) throws -> UInt32 { try take(UInt32.self, f) }
    mutating func u64(_ f: String) throws -> UInt64 { try take(UInt64.self, f) }
    mutating func i64(_ f: String) throws -> Int { Int(Int64(bitPattern: try take(UInt64.self, f))) }
    mutating func f32(_ f: String) throws -> Float { Float(bitPattern: try u32(f)) }
    mutating func f64(_ f: String) throws -> Double { Double(bitPattern: try u64(f)) }
    mutating func i128(_ f: String) throws -> Int128 {
        let lo = try u64(f), hi = try u64(f)
        return Int128(bitPattern: UInt128(hi) << 64 | UInt128(lo))
    }
    mutating func varint(_ f: String) throws -> UInt64 {
        var result: UInt64 = 0, shift: UInt64 = 0
        while true {
            let b = try u8(f)
            guard shift < 64, !(shift == 63 && b > 1) else { throw invalid(f, "varint overflows 64 bits") }
            result |= UInt64(b & 0x7F) << shift
            if b & 0x80 == 0 { return result }
            shift += 7
        }
    }
    mutating func string(_ f: String, limit: Int = 1 << 16) throws -> String {
        let n = Int(try u32(f))
        guard n <= limit else { throw invalid(f, "length \(n) exceeds limit \(limit)") }
        guard remaining >= n else { throw StatisticsCodingError.truncated(blob: blob, field: f) }
        let s = String(decoding: bytes[pos..<(pos + n)], as: UTF8.self)
        pos += n
        return s
    }

    /// A count that must lie in `range` and whose `elementBytes`-sized payload must still fit.
    mutating func count(_ f: String, in range: ClosedRange<Int>, elementBytes: Int = 0) throws -> Int {
        let n = try i64(f)
        guard range.contains(n) else { throw invalid(f, "\(n) outside \(range)") }
        try need(n, elementBytes: elementBytes, f)
        return n
    }

    /// Fails before allocating when `n` elements of `elementBytes` cannot fit in what is left.
    func need(_ n: Int, elementBytes: Int, _ f: String) throws {
        let (total, o) = n.multipliedReportingOverflow(by: elementBytes)
        guard !o, total <= remaining else { throw StatisticsCodingError.truncated(blob: blob, field: f) }
    }

    func invalid(_ f: String, _ reason: String) -> StatisticsCodingError {
        .invalidField(blob: blob, field: f, reason: reason)
    }

    func finish() throws {
        guard remaining == 0 else { throw StatisticsCodingError.trailingBytes(blob: blob, count: remaining) }
    }
}
