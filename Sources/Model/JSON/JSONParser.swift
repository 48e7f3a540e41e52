// A small, fast recursive-descent JSON parser over bytes (RFC 8259), with precise error offsets and a
// nesting cap so hostile input cannot overflow the stack.

/// Why a JSON document could not be parsed. `offset` is the byte offset of the problem.
public struct JSONError: Error, Sendable, Equatable, CustomStringConvertible {
    public var offset: Int
    public var message: String

    public var description: String { "JSON error at byte \(offset): \(message)" }
}

public enum JSONParser {
    /// Default nesting cap; tokenizer files nest fewer than 10 levels.
    public static let defaultMaxDepth = 128

    public static func parse(_ bytes: [UInt8], maxDepth: Int = defaultMaxDepth) throws(JSONError) -> JSONValue {
        try bytes.withUnsafeBufferPointer { (buffer) throws(JSONError) -> JSONValue in
            var reader = Reader(bytes: buffer, maxDepth: maxDepth)
            reader.skipWhitespace()
            let value = try reader.parseValue(depth: 0)
            reader.skipWhitespace()
            if reader.position != buffer.count {
                throw JSONError(offset: reader.position, message: "unexpected data after the top-level value")
            }
            return value
        }
    }

    public static func parse(_ text: String, maxDepth: Int = defaultMaxDepth) throws(JSONError) -> JSONValue {
        try parse(Array(text.utf8), maxDepth: maxDepth)
    }
}

private struct Reader {
    let bytes: UnsafeBufferPointer<UInt8>
    let maxDepth: Int
    var position = 0

    init(bytes: UnsafeBufferPointer<UInt8>, maxDepth: Int) {
        self.bytes = bytes
        self.maxDepth = maxDepth
    }

    func fail(_ message: String, at offset: Int? = nil) -> JSONError {
        JSONError(offset: offset ?? position, message: message)
    }

    mutating func skipWhitespace() {
        while position < bytes.count {
            switch bytes[position] {
            case 0x20, 0x09, 0x0A, 0x0D: position += 1
            default: return
            }
        }
    }

    mutating func parseValue(depth: Int) throws(JSONError) -> JSONValue {
        guard position < bytes.count else { throw fail("unexpected end of input, expected a value") }
        switch bytes[position] {
        case UInt8(ascii: "{"): return try parseObject(depth: depth + 1)
        case UInt8(ascii: "["): return try parseArray(depth: depth + 1)
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try expectLiteral("true"); return .bool(true)
        case UInt8(ascii: "f"): try expectLiteral("false"); return .bool(false)
        case UInt8(ascii: "n"): try expectLiteral("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try parseNumber()
        default: throw fail("unexpected byte 0x\(String(bytes[position], radix: 16)), expected a value")
        }
    }

    mutating func expectLiteral(_ word: StaticString) throws(JSONError) {
        let start = position
        let count = word.utf8CodeUnitCount
        guard position + count <= bytes.count else { throw fail("invalid literal", at: start) }
        let p = word.utf8Start
        for i in 0..<count where bytes[position + i] != p[i] { throw fail("invalid literal", at: start) }
        position += count
    }

    mutating func parseObject(depth: Int) throws(JSONError) -> JSONValue {
        if depth > maxDepth { throw fail("nesting deeper than \(maxDepth)") }
        position += 1
        var members: [JSONMember] = []
        skipWhitespace()
        if position < bytes.count, bytes[position] == UInt8(ascii: "}") { position += 1; return .object(members) }
        while true {
            skipWhitespace()
            guard position < bytes.count, bytes[position] == UInt8(ascii: "\"") else {
                throw fail("expected a string key")
            }
            let key = try parseString()
            skipWhitespace()
            guard position < bytes.count, bytes[position] == UInt8(ascii: ":") else { throw fail("expected ':'") }
            position += 1
            skipWhitespace()
            let value = try parseValue(depth: depth)
            members.append(JSONMember(key: key, value: value))
            skipWhitespace()
            guard position < bytes.count else { throw fail("unexpected end of input inside an object") }
            if bytes[position] == UInt8(ascii: ",") { position += 1; continue }
            if bytes[position] == UInt8(ascii: "}") { position += 1; return .object(members) }
            throw fail("expected ',' or '}'")
        }
    }

    mutating func parseArray(depth: Int) throws(JSONError) -> JSONValue {
        if depth > maxDepth { throw fail("nesting deeper than \(maxDepth)") }
        position += 1
        var items: [JSONValue] = []
        skipWhitespace()
        if position < bytes.count, bytes[position] == UInt8(ascii: "]") { position += 1; return .array(items) }
        while true {
            skipWhitespace()
            items.append(try parseValue(depth: depth))
            skipWhitespace()
            guard position < bytes.count else { throw fail("unexpected end of input inside an array") }
            if bytes[position] == UInt8(ascii: ",") { position += 1; continue }
            if bytes[position] == UInt8(ascii: "]") { position += 1; return .array(items) }
            throw fail("expected ',' or ']'")
        }
    }

    mutating func parseNumber() throws(JSONError) -> JSONValue {
        let start = position
        func isDigit(_ b: UInt8) -> Bool { b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9") }
        if bytes[position] == UInt8(ascii: "-") { position += 1 }
        guard position < bytes.count, isDigit(bytes[position]) else { throw fail("invalid number", at: start) }
        if bytes[position] == UInt8(ascii: "0") {
            position += 1
            if position < bytes.count, isDigit(bytes[position]) { throw fail("leading zero in number", at: start) }
        } else {
            while position < bytes.count, isDigit(bytes[position]) { position += 1 }
        }
        if position < bytes.count, bytes[position] == UInt8(ascii: ".") {
            position += 1
            guard position < bytes.count, isDigit(bytes[position]) else { throw fail("invalid fraction", at: start) }
            while position < bytes.count, isDigit(bytes[position]) { position += 1 }
        }
        if position < bytes.count, bytes[position] == UInt8(ascii: "e") || bytes[position] == UInt8(ascii: "E") {
            position += 1
            if position < bytes.count, bytes[position] == UInt8(ascii: "+") || bytes[position] == UInt8(ascii: "-") {
                position += 1
            }
            guard position < bytes.count, isDigit(bytes[position]) else { throw fail("invalid exponent", at: start) }
            while position < bytes.count, isDigit(bytes[position]) { position += 1 }
        }
        // Integers (all of a vocabulary's ids) are accumulated directly; others go through Double parsing.
        var isInteger = true
        var value = 0
        var k = bytes[start] == UInt8(ascii: "-") ? start + 1 : start
        if position - k > 18 { isInteger = false }
        while isInteger && k < position {
            let b = bytes[k]
            guard b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9") else { isInteger = false; break }
            value = value * 10 + Int(b - UInt8(ascii: "0"))
            k += 1
        }
        if isInteger { return .integer(bytes[start] == UInt8(ascii: "-") ? -value : value) }
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
        guard let d = Double(text) else { throw fail("invalid number", at: start) }
        return .number(d)
    }

    /// Parses a string at `position` (which holds the opening quote) into raw UTF-8 bytes.
    mutating func parseString() throws(JSONError) -> [UInt8] {
        let open = position
        position += 1
        // Fast path: no escapes.
        var scan = position
        while scan < bytes.count {
            let b = bytes[scan]
            if b == UInt8(ascii: "\"") {
                let out = Array(bytes[position..<scan])
                try validateUTF8(from: position, to: scan)
                position = scan + 1
                return out
            }
            if b == UInt8(ascii: "\\") || b < 0x20 { break }
            scan += 1
        }
        var out = Array(bytes[position..<scan])
        try validateUTF8(from: position, to: scan)
        position = scan
        while true {
            guard position < bytes.count else { throw fail("unterminated string", at: open) }
            let b = bytes[position]
            if b == UInt8(ascii: "\"") { position += 1; return out }
            if b < 0x20 { throw fail("unescaped control character in string") }
            if b != UInt8(ascii: "\\") {
                let runStart = position
                while position < bytes.count, bytes[position] != UInt8(ascii: "\""),
                      bytes[position] != UInt8(ascii: "\\"), bytes[position] >= 0x20 {
                    position += 1
                }
                try validateUTF8(from: runStart, to: position)
                out.append(contentsOf: bytes[runStart..<position])
                continue
            }
            let escapeStart = position
            position += 1
            guard position < bytes.count else { throw fail("unterminated escape", at: escapeStart) }
            let e = bytes[position]
            position += 1
            switch e {
            case UInt8(ascii: "\""): out.append(0x22)
            case UInt8(ascii: "\\"): out.append(0x5C)
            case UInt8(ascii: "/"): out.append(0x2F)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                var code = try hex4(at: escapeStart)
                if code >= 0xD800 && code < 0xDC00 {
                    guard position + 1 < bytes.count, bytes[position] == UInt8(ascii: "\\"),
                          bytes[position + 1] == UInt8(ascii: "u") else {
                        throw fail("unpaired high surrogate", at: escapeStart)
                    }
                    position += 2
                    let low = try hex4(at: escapeStart)
                    guard low >= 0xDC00 && low < 0xE000 else { throw fail("invalid low surrogate", at: escapeStart) }
                    code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                } else if code >= 0xDC00 && code < 0xE000 {
                    throw fail("unpaired low surrogate", at: escapeStart)
                }
                appendUTF8(code, to: &out)
            default:
                throw fail("invalid escape '\\\(Character(Unicode.Scalar(e)))'", at: escapeStart)
            }
        }
    }

    mutating func hex4(at escapeStart: Int) throws(JSONError) -> UInt32 {
        guard position + 4 <= bytes.count else { throw fail("truncated \\u escape", at: escapeStart) }
        var v: UInt32 = 0
        for _ in 0..<4 {
            let c = bytes[position]
            let d: UInt32
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): d = UInt32(c - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): d = UInt32(c - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): d = UInt32(c - UInt8(ascii: "A") + 10)
            default: throw fail("invalid hex digit in \\u escape", at: escapeStart)
            }
            v = v << 4 | d
            position += 1
        }
        return v
    }

    func appendUTF8(_ code: UInt32, to out: inout [UInt8]) {
        switch code {
        case ..<0x80: out.append(UInt8(code))
        case ..<0x800:
            out.append(UInt8(0xC0 | (code >> 6)))
            out.append(UInt8(0x80 | (code & 0x3F)))
        case ..<0x10000:
            out.append(UInt8(0xE0 | (code >> 12)))
            out.append(UInt8(0x80 | ((code >> 6) & 0x3F)))
            out.append(UInt8(0x80 | (code & 0x3F)))
        default:
            out.append(UInt8(0xF0 | (code >> 18)))
            out.append(UInt8(0x80 | ((code >> 12) & 0x3F)))
            out.append(UInt8(0x80 | ((code >> 6) & 0x3F)))
            out.append(UInt8(0x80 | (code & 0x3F)))
        }
    }

    /// Rejects invalid UTF-8 (overlongs, surrogates, truncated sequences) in raw string bytes.
    func validateUTF8(from start: Int, to end: Int) throws(JSONError) {
        var i = start
        while i < end {
            let b = bytes[i]
            if b < 0x80 { i += 1; continue }
            var need = 0
            var minCode: UInt32 = 0
            var code: UInt32 = 0
            switch b {
            case 0xC2...0xDF: need = 1; code = UInt32(b & 0x1F); minCode = 0x80
            case 0xE0...0xEF: need = 2; code = UInt32(b & 0x0F); minCode = 0x800
            case 0xF0...0xF4: need = 3; code = UInt32(b & 0x07); minCode = 0x10000
            default: throw fail("invalid UTF-8 byte 0x\(String(b, radix: 16))", at: i)
            }
            guard i + need < end else { throw fail("truncated UTF-8 sequence", at: i) }
            for k in 1...need {
                let c = bytes[i + k]
                guard c & 0xC0 == 0x80 else { throw fail("invalid UTF-8 continuation byte", at: i + k) }
                code = code << 6 | UInt32(c & 0x3F)
            }
            if code < minCode || code > 0x10FFFF || (code >= 0xD800 && code < 0xE000) {
                throw fail("invalid UTF-8 sequence", at: i)
            }
            i += need + 1
        }
    }
}
