// A parsed JSON document whose strings stay raw UTF-8 bytes.
//
// Why bytes: Swift `String` equality (and so `Dictionary<String, _>` and Foundation's JSONSerialization)
// treats canonically-equivalent strings as equal, which silently merges distinct vocabulary entries such as
// "Å" (U+00C5) and "Å" (U+212B). Tokenizer vocabularies must be keyed by their exact bytes.

/// One JSON value. Objects keep member order (tokenizer.json relies on it only for readability, but
/// duplicates and order are preserved so callers can decide).
public enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    /// An integer literal (no fraction or exponent) that fits in `Int`, kept exact.
    case integer(Int)
    /// Any other number.
    case number(Double)
    case string([UInt8])
    case array([JSONValue])
    case object([JSONMember])

    /// The string's bytes decoded as UTF-8 (exact scalars, no normalization).
    public var stringValue: String? {
        if case .string(let bytes) = self { return String(decoding: bytes, as: UTF8.self) }
        return nil
    }

    public var bytesValue: [UInt8]? {
        if case .string(let bytes) = self { return bytes }
        return nil
    }

    public var boolValue: Bool? {
        if case .bool(let b) = self { return b }
        return nil
    }

    public var doubleValue: Double? {
        switch self {
        case .number(let d): return d
        case .integer(let i): return Double(i)
        default: return nil
        }
    }

    /// The value as an exact integer, if it was written as one (no fraction or exponent).
    public var intValue: Int? {
        if case .integer(let i) = self { return i }
        return nil
    }

    public var arrayValue: [JSONValue]? {
        if case .array(let a) = self { return a }
        return nil
    }

    public var objectValue: [JSONMember]? {
        if case .object(let o) = self { return o }
        return nil
    }

    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    /// The first member named `key` (compared byte for byte), or nil when absent or not an object.
    public subscript(key: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        let k = Array(key.utf8)
        return members.first(where: { $0.key == k })?.value
    }
}

/// One `"key": value` member of a JSON object, key kept as raw UTF-8 bytes.
public struct JSONMember: Sendable, Equatable {
    public var key: [UInt8]
    public var value: JSONValue

    public init(key: [UInt8], value: JSONValue) {
        self.key = key
        self.value = value
    }

    public var keyString: String { String(decoding: key, as: UTF8.self) }
}
