/// Little-endian writer for payload frames; checks the same limits the reader enforces so a message
/// that encodes also decodes.
struct ByteWriter {
    var bytes: [UInt8] = []
    let limits: ProtocolLimits

    init(limits: ProtocolLimits, capacity: Int = 64) {
        self.limits = limits
        bytes.reserveCapacity(capacity)
    }

    mutating func u8(_ v: UInt8) { bytes.append(v) }
    mutating func u16(_ v: UInt16) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
    mutating func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
    mutating func u64(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
    mutating func bool(_ v: Bool) { u8(v ? 1 : 0) }

    mutating func count(_ n: Int, _ field: @autoclosure () -> String) throws(ProtocolError) {
        guard n <= limits.maxArrayCount else { throw .limitExceeded(field: field(), value: n, limit: limits.maxArrayCount) }
        u32(UInt32(n))
    }

    mutating func string(_ s: String, _ field: @autoclosure () -> String) throws(ProtocolError) {
        let n = s.utf8.count
        guard n <= limits.maxStringBytes else { throw .limitExceeded(field: field(), value: n, limit: limits.maxStringBytes) }
        u32(UInt32(n))
        bytes.append(contentsOf: s.utf8)
    }

    mutating func blob(_ b: [UInt8], _ field: @autoclosure () -> String) throws(ProtocolError) {
        guard b.count <= limits.maxBlobBytes else { throw .limitExceeded(field: field(), value: b.count, limit: limits.maxBlobBytes) }
        u32(UInt32(b.count))
        bytes.append(contentsOf: b)
    }
}

/// Little-endian reader over one frame. Every read checks the bytes left first; every count and
/// length is checked against `ProtocolLimits` and against the bytes left *before* any allocation.
struct ByteReader {
    let bytes: [UInt8]
    private(set) var offset = 0
    let limits: ProtocolLimits

    init(_ bytes: [UInt8], limits: ProtocolLimits) {
        self.bytes = bytes
        self.limits = limits
    }

    var remaining: Int { bytes.count - offset }

    private mutating func take(_ n: Int, _ field: @autoclosure () -> String) throws(ProtocolError) -> Int {
        guard n <= remaining else { throw .truncated(field: field(), needed: n, available: remaining) }
        defer { offset += n }
        return offset
    }

    mutating func u8(_ field: @autoclosure () -> String) throws(ProtocolError) -> UInt8 { bytes[try take(1, field())] }

    mutating func u16(_ field: @autoclosure () -> String) throws(ProtocolError) -> UInt16 {
        let o = try take(2, field())
        return UInt16(bytes[o]) | UInt16(bytes[o + 1]) << 8
    }

    mutating func u32(_ field: @autoclosure () -> String) throws(ProtocolError) -> UInt32 {
        let o = try take(4, field())
        var v: UInt32 = 0
        for i in (0..<4).reversed() { v = v << 8 | UInt32(bytes[o + i]) }
        return v
    }

    mutating func u64(_ field: @autoclosure () -> String) throws(ProtocolError) -> UInt64 {
        let o = try take(8, field())
        var v: UInt64 = 0
        for i in (0..<8).reversed() { v = v << 8 | UInt64(bytes[o + i]) }
        return v
    }

    /// Only 0 and 1 are accepted, so every accepted payload re-encodes to the same bytes.
    mutating func bool(_ field: @autoclosure () -> String) throws(ProtocolError) -> Bool {
        switch try u8(field()) {
        case 0: return false
        case 1: return true
        case let b: throw .invalidValue(field: field(), detail: "boolean byte \(b) is neither 0 nor 1")
        }
    }

    /// An array count; `minElementBytes` is the smallest encoding of one element, so a count that
    /// cannot fit in the bytes left is refused before anything is reserved.
    mutating func count(_ field: @autoclosure () -> String, minElementBytes: Int) throws(ProtocolError) -> Int {
        let n = Int(try u32(field() + ".count"))
        guard n <= limits.maxArrayCount else { throw .limitExceeded(field: field() + ".count", value: n, limit: limits.maxArrayCount) }
        guard n * minElementBytes <= remaining else {
            throw .truncated(field: field(), needed: n * minElementBytes, available: remaining)
        }
        return n
    }

    mutating func string(_ field: @autoclosure () -> String) throws(ProtocolError) -> String {
        let n = Int(try u32(field() + ".length"))
        guard n <= limits.maxStringBytes else { throw .limitExceeded(field: field() + ".length", value: n, limit: limits.maxStringBytes) }
        let o = try take(n, field())
        let slice = bytes[o..<(o + n)]
        // Strict: replacement characters would make the re-encoding differ from the input.
        guard let s = String(validating: slice, as: UTF8.self) else { throw .invalidValue(field: field(), detail: "not valid UTF-8") }
        return s
    }

    mutating func blob(_ field: @autoclosure () -> String) throws(ProtocolError) -> [UInt8] {
        let n = Int(try u32(field() + ".length"))
        guard n <= limits.maxBlobBytes else { throw .limitExceeded(field: field() + ".length", value: n, limit: limits.maxBlobBytes) }
        let o = try take(n, field())
        return Array(bytes[o..<(o + n)])
    }

    func finish(_ field: @autoclosure () -> String) throws(ProtocolError) {
        if remaining != 0 { throw .trailingBytes(field: field(), count: remaining) }
    }
}
