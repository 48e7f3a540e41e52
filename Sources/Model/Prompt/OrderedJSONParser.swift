/// A small JSON parser that keeps object key order and the int/float distinction, because a
/// template's `tojson` / `items()` output depends on both (Foundation's `JSONSerialization` keeps
/// neither reliably on Linux). Used for chat-template fixtures and `chat_template.json` files.
struct OrderedJSONParser {
    private let u: [Unicode.Scalar]
    private var i = 0
    private var depth = 0
    static let maxDepth = 512

    init(_ scalars: [Unicode.Scalar]) { u = scalars }

    mutating func parseDocument() throws -> JinjaValue {
        let v = try value()
        skipSpace()
        guard i == u.count else { throw fail("trailing characters") }
        return v
    }

    private func fail(_ what: String) -> JinjaError {
        JinjaError.json(message: "\(what) at character \(i)")
    }

    private mutating func skipSpace() {
        while i < u.count, u[i] == " " || u[i] == "\n" || u[i] == "\t" || u[i] == "\r" { i += 1 }
    }

    private mutating func literal(_ word: String, _ v: JinjaValue) throws -> JinjaValue {
        let w = Array(word.unicodeScalars)
        guard i + w.count <= u.count, Array(u[i..<i + w.count]) == w else { throw fail("invalid literal") }
        i += w.count
        return v
    }

    private mutating func value() throws -> JinjaValue {
        skipSpace()
        guard i < u.count else { throw fail("unexpected end") }
        switch u[i] {
        case "{":
            depth += 1; defer { depth -= 1 }
            guard depth <= Self.maxDepth else { throw fail("nesting too deep") }
            i += 1
            var obj = JinjaObject()
            skipSpace()
            if i < u.count, u[i] == "}" { i += 1; return .object(obj) }
            while true {
                skipSpace()
                guard i < u.count, u[i] == "\"" else { throw fail("expected string key") }
                let k = try string()
                skipSpace()
                guard i < u.count, u[i] == ":" else { throw fail("expected ':'") }
                i += 1
                obj[k] = try value()
                skipSpace()
                guard i < u.count else { throw fail("unexpected end") }
                if u[i] == "," { i += 1; continue }
                if u[i] == "}" { i += 1; return .object(obj) }
                throw fail("expected ',' or '}'")
            }
        case "[":
            depth += 1; defer { depth -= 1 }
            guard depth <= Self.maxDepth else { throw fail("nesting too deep") }
            i += 1
            var arr: [JinjaValue] = []
            skipSpace()
            if i < u.count, u[i] == "]" { i += 1; return .array(arr) }
            while true {
                arr.append(try value())
                skipSpace()
                guard i < u.count else { throw fail("unexpected end") }
                if u[i] == "," { i += 1; continue }
                if u[i] == "]" { i += 1; return .array(arr) }
                throw fail("expected ',' or ']'")
            }
        case "\"": return .string(try string())
        case "t": return try literal("true", .bool(true))
        case "f": return try literal("false", .bool(false))
        case "n": return try literal("null", .none)
        default: return try number()
        }
    }

    private mutating func number() throws -> JinjaValue {
        let start = i
        var isFloat = false
        while i < u.count, "+-0123456789.eE".unicodeScalars.contains(u[i]) {
            if ".eE".unicodeScalars.contains(u[i]) { isFloat = true }
            i += 1
        }
        let text = PyFormat.string(u[start..<i])
        if !isFloat, let n = Int(text) { return .int(n) }
        guard !text.isEmpty, let d = Double(text) else { throw fail("invalid number") }
        return .double(d)
    }

    private mutating func hex4() throws -> UInt32 {
        guard i + 4 <= u.count, let v = UInt32(PyFormat.string(u[i..<i + 4]), radix: 16) else { throw fail("bad \\u escape") }
        i += 4
        return v
    }

    private mutating func string() throws -> String {
        i += 1
        var out = String.UnicodeScalarView()
        while i < u.count {
            let c = u[i]; i += 1
            if c == "\"" { return String(out) }
            guard c == "\\" else { out.append(c); continue }
            guard i < u.count else { break }
            let e = u[i]; i += 1
            switch e {
            case "n": out.append("\n")
            case "t": out.append("\t")
            case "r": out.append("\r")
            case "b": out.append("\u{08}")
            case "f": out.append("\u{0c}")
            case "u":
                var v = try hex4()
                if (0xd800..<0xdc00).contains(v), i + 1 < u.count, u[i] == "\\", u[i + 1] == "u" {
                    i += 2
                    let lo = try hex4()
                    v = 0x10000 + ((v - 0xd800) << 10) + (lo - 0xdc00)
                }
                out.append(Unicode.Scalar(v) ?? "\u{fffd}")
            default: out.append(e)
            }
        }
        throw fail("unterminated string")
    }
}
