import Foundation

/// A minimal strict JSON reader for safetensors headers.
///
/// Headers come from untrusted files, so the parser is small enough to reason about: bounded
/// nesting depth, exact 64-bit integers (offsets of >9 PB files stay exact), UTF-8 validated
/// strings, duplicate keys rejected, and no Foundation bridging (`true` is never the integer 1).
enum HeaderJSON: Equatable {
    case object([(key: String, value: HeaderJSON)])
    case array([HeaderJSON])
    case string(String)
    case integer(Int)
    case number(Double)
    case bool(Bool)
    case null

    static func == (a: HeaderJSON, b: HeaderJSON) -> Bool {
        switch (a, b) {
        case let (.object(x), .object(y)): return x.count == y.count && zip(x, y).allSatisfy { $0.key == $1.key && $0.value == $1.value }
        case let (.array(x), .array(y)): return x == y
        case let (.string(x), .string(y)): return x == y
        case let (.integer(x), .integer(y)): return x == y
        case let (.number(x), .number(y)): return x == y
        case let (.bool(x), .bool(y)): return x == y
        case (.null, .null): return true
        default: return false
        }
    }

    struct ParseError: Error { let reason: String; let offset: Int }

    static let maxDepth = 32

    /// Parses without throwing (a thrown error costs a backtrace capture under test tools, and
    /// the fuzz test feeds 100 000 bad headers).
    static func parse(_ bytes: UnsafeRawBufferPointer) -> Result<HeaderJSON, ParseError> {
        var p = Parser(b: bytes.bindMemory(to: UInt8.self))
        guard let v = p.value(depth: 0) else { return .failure(p.error!) }
        p.skipSpace()
        guard p.i == p.b.count else { return .failure(ParseError(reason: "trailing characters", offset: p.i)) }
        return .success(v)
    }

    private struct Parser {
        let b: UnsafeBufferPointer<UInt8>
        var i = 0
        var error: ParseError?

        mutating func fail<T>(_ r: String) -> T? {
            error = ParseError(reason: r, offset: i)
            return nil
        }

        mutating func skipSpace() {
            while i < b.count, b[i] == 0x20 || b[i] == 0x0A || b[i] == 0x0D || b[i] == 0x09 { i += 1 }
        }

        mutating func value(depth: Int) -> HeaderJSON? {
            guard depth < HeaderJSON.maxDepth else { return fail("nesting deeper than \(HeaderJSON.maxDepth)") }
            skipSpace()
            guard i < b.count else { return fail("unexpected end") }
            switch b[i] {
            case UInt8(ascii: "{"):
                i += 1
                var items: [(key: String, value: HeaderJSON)] = []
                var seen = Set<String>()
                skipSpace()
                if i < b.count, b[i] == UInt8(ascii: "}") { i += 1; return .object(items) }
                while true {
                    skipSpace()
                    guard i < b.count, b[i] == UInt8(ascii: "\"") else { return fail("expected a key") }
                    guard let k = string() else { return nil }
                    guard seen.insert(k).inserted else { return fail("duplicate key '\(k)'") }
                    skipSpace()
                    guard i < b.count, b[i] == UInt8(ascii: ":") else { return fail("expected ':'") }
                    i += 1
                    guard let v = value(depth: depth + 1) else { return nil }
                    items.append((k, v))
                    skipSpace()
                    guard i < b.count else { return fail("unterminated object") }
                    if b[i] == UInt8(ascii: ",") { i += 1; continue }
                    if b[i] == UInt8(ascii: "}") { i += 1; return .object(items) }
                    return fail("expected ',' or '}'")
                }
            case UInt8(ascii: "["):
                i += 1
                var items: [HeaderJSON] = []
                skipSpace()
                if i < b.count, b[i] == UInt8(ascii: "]") { i += 1; return .array(items) }
                while true {
                    guard let v = value(depth: depth + 1) else { return nil }
                    items.append(v)
                    skipSpace()
                    guard i < b.count else { return fail("unterminated array") }
                    if b[i] == UInt8(ascii: ",") { i += 1; continue }
                    if b[i] == UInt8(ascii: "]") { i += 1; return .array(items) }
                    return fail("expected ',' or ']'")
                }
            case UInt8(ascii: "\""): return string().map { .string($0) }
            case UInt8(ascii: "t"): return literal("true").map { _ in .bool(true) }
            case UInt8(ascii: "f"): return literal("false").map { _ in .bool(false) }
            case UInt8(ascii: "n"): return literal("null").map { _ in .null }
            default: return number()
            }
        }

        mutating func literal(_ word: String) -> Bool? {
            let w = Array(word.utf8)
            guard i + w.count <= b.count else { return fail("unexpected end") }
            for k in 0..<w.count where b[i + k] != w[k] { return fail("invalid literal") }
            i += w.count
            return true
        }

        mutating func number() -> HeaderJSON? {
            let start = i
            if i < b.count, b[i] == UInt8(ascii: "-") { i += 1 }
            let digits = i
            while i < b.count, b[i] >= 0x30, b[i] <= 0x39 { i += 1 }
            guard i > digits else { return fail("invalid value") }
            guard !(b[digits] == 0x30 && i - digits > 1) else { return fail("leading zero") }
            var isInteger = true
            if i < b.count, b[i] == UInt8(ascii: ".") {
                isInteger = false; i += 1
                let f = i
                while i < b.count, b[i] >= 0x30, b[i] <= 0x39 { i += 1 }
                guard i > f else { return fail("invalid fraction") }
            }
            if i < b.count, b[i] == UInt8(ascii: "e") || b[i] == UInt8(ascii: "E") {
                isInteger = false; i += 1
                if i < b.count, b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") { i += 1 }
                let e = i
                while i < b.count, b[i] >= 0x30, b[i] <= 0x39 { i += 1 }
                guard i > e else { return fail("invalid exponent") }
            }
            let text = String(decoding: UnsafeBufferPointer(rebasing: b[start..<i]), as: UTF8.self)
            if isInteger {
                guard let v = Int(text) else { return fail("integer out of range") }
                return .integer(v)
            }
            return .number(Double(text) ?? .nan)
        }

        mutating func string() -> String? {
            i += 1  // opening quote
            var out: [UInt8] = []
            while true {
                guard i < b.count else { return fail("unterminated string") }
                let c = b[i]
                i += 1
                if c == UInt8(ascii: "\"") { break }
                if c < 0x20 { return fail("control character in string") }
                if c != UInt8(ascii: "\\") { out.append(c); continue }
                guard i < b.count else { return fail("unterminated escape") }
                let e = b[i]
                i += 1
                switch e {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(e)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "u"):
                    guard var scalar = hex4() else { return nil }
                    if (0xD800..<0xDC00).contains(scalar) {
                        guard i + 1 < b.count, b[i] == UInt8(ascii: "\\"), b[i + 1] == UInt8(ascii: "u") else {
                            return fail("unpaired surrogate")
                        }
                        i += 2
                        guard let low = hex4() else { return nil }
                        guard (0xDC00..<0xE000).contains(low) else { return fail("unpaired surrogate") }
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    }
                    guard let u = Unicode.Scalar(scalar) else { return fail("invalid \\u escape") }
                    out.append(contentsOf: Array(String(Character(u)).utf8))
                default: return fail("invalid escape")
                }
            }
            guard let s = String(bytes: out, encoding: .utf8) else { return fail("invalid UTF-8 in string") }
            return s
        }

        mutating func hex4() -> UInt32? {
            guard i + 4 <= b.count else { return fail("short \\u escape") }
            var v: UInt32 = 0
            for _ in 0..<4 {
                let c = b[i]
                i += 1
                let d: UInt32
                switch c {
                case 0x30...0x39: d = UInt32(c - 0x30)
                case 0x41...0x46: d = UInt32(c - 0x41 + 10)
                case 0x61...0x66: d = UInt32(c - 0x61 + 10)
                default: return fail("bad hex digit")
                }
                v = v << 4 | d
            }
            return v
        }
    }
}
