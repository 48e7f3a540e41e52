/// Why a message was refused by `MessageCodec`. `field` is a path such as `ASSIGN.sampleIDs[3]` or
/// `header.magic`, so a dropped message can be logged precisely. Never thrown by a trap.
public enum ProtocolError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The first four header bytes are not `KSCP` (or the header is shorter than 8 bytes).
    case badMagic
    /// The peer speaks another protocol version; a server answers with `Message.reject`.
    case versionMismatch(received: UInt16, expected: UInt16)
    case unknownType(UInt8)
    case frameCount(message: String, expected: Int, actual: Int)
    case truncated(field: String, needed: Int, available: Int)
    case limitExceeded(field: String, value: Int, limit: Int)
    case invalidValue(field: String, detail: String)
    case trailingBytes(field: String, count: Int)

    public var description: String {
        switch self {
        case .badMagic: return "protocol: header.magic is not KSCP"
        case let .versionMismatch(r, e): return "protocol: peer speaks version \(r), this side speaks \(e)"
        case let .unknownType(t): return "protocol: header.type \(t) is unknown"
        case let .frameCount(m, e, a): return "protocol: \(m) needs \(e) frames, got \(a)"
        case let .truncated(f, n, a): return "protocol: \(f) needs \(n) bytes, only \(a) left"
        case let .limitExceeded(f, v, l): return "protocol: \(f) is \(v), over the limit \(l)"
        case let .invalidValue(f, d): return "protocol: \(f): \(d)"
        case let .trailingBytes(f, c): return "protocol: \(c) unexpected bytes after \(f)"
        }
    }

    /// A low-cardinality label for a `keyscope_protocol_dropped_total{reason=…}` counter.
    public var metricLabel: String {
        switch self {
        case .badMagic: "bad_magic"
        case .versionMismatch: "version"
        case .unknownType: "unknown_type"
        case .frameCount: "frame_count"
        case .truncated: "truncated"
        case .limitExceeded: "limit"
        case .invalidValue: "invalid_value"
        case .trailingBytes: "trailing_bytes"
        }
    }
}
