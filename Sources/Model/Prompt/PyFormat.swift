import Foundation

/// Python string and number formatting that templates observe: `repr()`, `str.strip()`,
/// `str.split()`, `splitlines()`, `%`-formatting and `json.dumps`. Everything works on Unicode
/// scalars because Python strings index by code point, not by grapheme.
enum PyFormat {
    /// `float.__repr__`: Swift's shortest round-trip description uses the same digits and the same
    /// switch to exponent notation (exponent < -4 or ≥ 16) as CPython.
    static func floatRepr(_ d: Double) -> String {
        if d.isNaN { return "nan" }
        if d.isInfinite { return d < 0 ? "-inf" : "inf" }
        return d.description
    }

    /// `str.__repr__`: single quotes unless the text holds `'` and no `"`.
    static func stringRepr(_ s: String) -> String {
        let quote: Character = s.contains("'") && !s.contains("\"") ? "\"" : "'"
        var out = String(quote)
        for u in s.unicodeScalars {
            switch u {
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if Character(u) == quote { out += "\\" + String(quote) }
                else if u.value < 0x20 || u.value == 0x7f { out += String(format: "\\x%02x", u.value) }
                else { out.unicodeScalars.append(u) }
            }
        }
        out.append(quote)
        return out
    }

    /// `str.isspace()` for one code point (Python's whitespace set, including the \x1c–\x1f separators).
    static func isSpace(_ u: Unicode.Scalar) -> Bool {
        switch u.value {
        case 0x09...0x0d, 0x1c...0x20, 0x85, 0xa0, 0x1680, 0x2000...0x200a, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000:
            return true
        default: return false
        }
    }

    static func scalars(_ s: String) -> [Unicode.Scalar] { Array(s.unicodeScalars) }
    static func string<S: Sequence>(_ u: S) -> String where S.Element == Unicode.Scalar {
        var s = String.UnicodeScalarView()
        s.append(contentsOf: u)
        return String(s)
    }

    /// `str.strip/lstrip/rstrip(chars)`; `chars == nil` strips whitespace.
    static func strip(_ s: String, chars: String?, leading: Bool, trailing: Bool) -> String {
        let u = scalars(s)
        let set = chars.map { Set($0.unicodeScalars) }
        let drop: (Unicode.Scalar) -> Bool = { set?.contains($0) ?? isSpace($0) }
        var lo = 0, hi = u.count
        if leading { while lo < hi && drop(u[lo]) { lo += 1 } }
        if trailing { while hi > lo && drop(u[hi - 1]) { hi -= 1 } }
        return string(u[lo..<hi])
    }

    /// `str.split(sep, maxsplit)`.
    static func split(_ s: String, sep: String?, maxSplit: Int) -> [String] {
        let u = scalars(s)
        var parts: [String] = []
        if let sep {
            let p = scalars(sep)
            var start = 0, i = 0
            while i + p.count <= u.count {
                if (maxSplit < 0 || parts.count < maxSplit) && Array(u[i..<i + p.count]) == p {
                    parts.append(string(u[start..<i])); i += p.count; start = i
                } else { i += 1 }
            }
            parts.append(string(u[start...]))
            return parts
        }
        var i = 0
        while i < u.count {
            while i < u.count && isSpace(u[i]) { i += 1 }
            if i == u.count { break }
            if maxSplit >= 0 && parts.count == maxSplit {
                var end = u.count
                while end > i && isSpace(u[end - 1]) { end -= 1 }
                parts.append(string(u[i..<end])); break
            }
            let start = i
            while i < u.count && !isSpace(u[i]) { i += 1 }
            parts.append(string(u[start..<i]))
        }
        return parts
    }

    /// `str.splitlines()` (all of Python's line boundaries).
    static func splitLines(_ s: String) -> [String] {
        let u = scalars(s)
        var lines: [String] = []
        var start = 0, i = 0
        while i < u.count {
            switch u[i].value {
            case 0x0a, 0x0b, 0x0c, 0x1c, 0x1d, 0x1e, 0x85, 0x2028, 0x2029:
                lines.append(string(u[start..<i])); i += 1; start = i
            case 0x0d:
                lines.append(string(u[start..<i]))
                i += (i + 1 < u.count && u[i + 1] == "\n") ? 2 : 1; start = i
            default: i += 1
            }
        }
        if start < u.count { lines.append(string(u[start...])) }
        return lines
    }

    /// `str.replace(old, new, count)`.
    static func replace(_ s: String, _ old: String, _ new: String, count: Int) -> String {
        let u = scalars(s), o = scalars(old), n = scalars(new)
        var out: [Unicode.Scalar] = []
        var done = 0, i = 0
        if o.isEmpty {
            for c in u { if count < 0 || done < count { out += n; done += 1 }; out.append(c) }
            if count < 0 || done < count { out += n }
            return string(out)
        }
        while i < u.count {
            if (count < 0 || done < count) && i + o.count <= u.count && Array(u[i..<i + o.count]) == o {
                out += n; i += o.count; done += 1
            } else { out.append(u[i]); i += 1 }
        }
        return string(out)
    }

    /// `str.find` (code-point index, or -1).
    static func find(_ s: String, _ sub: String, last: Bool = false) -> Int {
        let u = scalars(s), p = scalars(sub)
        guard p.count <= u.count else { return -1 }
        let range = Array(0...(u.count - p.count))
        for i in (last ? range.reversed() : range) where Array(u[i..<i + p.count]) == p { return i }
        return -1
    }

    /// `str.capitalize()`.
    static func capitalize(_ s: String) -> String {
        guard let first = s.unicodeScalars.first else { return s }
        return String(first).uppercased() + string(s.unicodeScalars.dropFirst()).lowercased()
    }

    /// `str.title()`: upper-case a cased letter that follows an uncased one.
    static func pythonTitle(_ s: String) -> String {
        var out = "", prevCased = false
        for u in s.unicodeScalars {
            let cased = u.properties.isCased
            out += cased ? (prevCased ? String(u).lowercased() : String(u).uppercased()) : String(u)
            prevCased = cased
        }
        return out
    }

    /// Jinja's `title` filter: capitalise each chunk split at runs of `-`, whitespace, `(`, `{`, `[`, `<`.
    static func jinjaTitle(_ s: String) -> String {
        var out = "", atStart = true
        for u in s.unicodeScalars {
            if isSpace(u) || "-({[<".unicodeScalars.contains(u) { out.unicodeScalars.append(u); atStart = true }
            else { out += atStart ? String(u).uppercased() : String(u).lowercased(); atStart = false }
        }
        return out
    }

    /// HTML escaping as `markupsafe.escape` does it.
    static func htmlEscape(_ s: String) -> String {
        var out = ""
        for c in s.unicodeScalars {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&#34;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }

    /// Python `format % args` for the conversions templates use (%s %r %d %i %f %x %%, width/precision).
    static func percentFormat(_ format: String, _ argsValue: JinjaValue) throws -> String {
        var args: [JinjaValue]
        if case .tuple(let t) = argsValue { args = t } else { args = [argsValue] }
        let u = scalars(format)
        var out = "", i = 0, next = 0
        while i < u.count {
            guard u[i] == "%" else { out.unicodeScalars.append(u[i]); i += 1; continue }
            i += 1
            var flags = "", width = "", precision: String? = nil
            while i < u.count, "-+ 0#".unicodeScalars.contains(u[i]) { flags.unicodeScalars.append(u[i]); i += 1 }
            while i < u.count, u[i].properties.numericType == .decimal { width.unicodeScalars.append(u[i]); i += 1 }
            if i < u.count, u[i] == "." {
                i += 1; var p = ""
                while i < u.count, u[i].properties.numericType == .decimal { p.unicodeScalars.append(u[i]); i += 1 }
                precision = p
            }
            guard i < u.count else { throw JinjaFailure("incomplete format") }
            let conv = u[i]; i += 1
            if conv == "%" { out += "%"; continue }
            guard next < args.count else { throw JinjaFailure("not enough arguments for format string") }
            let arg = args[next]; next += 1
            var piece: String
            switch conv {
            case "s": piece = arg.pyStr
            case "r": piece = arg.pyRepr
            case "d", "i":
                guard let n = arg.number else { throw JinjaFailure("%d format: a real number is required, not \(arg.typeName)") }
                switch n { case .int(let v): piece = String(v); case .double(let v): piece = String(Int(v.rounded(.towardZero))) }
            case "f", "F", "e", "g", "x", "X":
                guard let n = arg.number else { throw JinjaFailure("must be real number, not \(arg.typeName)") }
                let d: Double
                switch n { case .int(let v): d = Double(v); case .double(let v): d = v }
                if conv == "x" || conv == "X" { piece = String(Int(d), radix: 16, uppercase: conv == "X") }
                else { piece = String(format: "%.\(precision ?? "6")\(conv)", d) }
            default: throw JinjaFailure("unsupported format character '\(conv)'")
            }
            if let w = Int(width), piece.unicodeScalars.count < w {
                let pad = String(repeating: flags.contains("0") && !flags.contains("-") ? "0" : " ", count: w - piece.unicodeScalars.count)
                piece = flags.contains("-") ? piece + pad : pad + piece
            }
            out += piece
        }
        if next < args.count, case .tuple = argsValue { throw JinjaFailure("not all arguments converted during string formatting") }
        return out
    }

    /// `json.dumps(x, ensure_ascii=False, indent=…, separators=…, sort_keys=…)` — the `tojson`
    /// filter transformers installs for chat templates.
    static func jsonDumps(_ v: JinjaValue, indent: String?, itemSeparator: String? = nil, keySeparator: String? = nil,
                          sortKeys: Bool = false) throws -> String {
        let item = itemSeparator ?? (indent == nil ? ", " : ",")
        let key = keySeparator ?? ": "
        var out = ""
        func write(_ v: JinjaValue, _ level: Int) throws {
            switch v {
            case .none: out += "null"
            case .bool(let b): out += b ? "true" : "false"
            case .int(let i): out += String(i)
            case .double(let d):
                out += d.isNaN ? "NaN" : d.isInfinite ? (d < 0 ? "-Infinity" : "Infinity") : floatRepr(d)
            case .string(let s): out += jsonString(s)
            case .array(let a), .tuple(let a):
                try container("[", "]", a.count, level) { try write(a[$0], level + 1) }
            case .object(let o):
                let pairs = sortKeys ? o.pairs.sorted { $0.0.unicodeScalars.lexicographicallyPrecedes($1.0.unicodeScalars) } : o.pairs
                try container("{", "}", pairs.count, level) {
                    out += jsonString(pairs[$0].0) + key
                    try write(pairs[$0].1, level + 1)
                }
            default: throw JinjaFailure("Object of type \(v.typeName) is not JSON serializable")
            }
        }
        func container(_ open: String, _ close: String, _ n: Int, _ level: Int, _ body: (Int) throws -> Void) throws {
            out += open
            guard n > 0 else { out += close; return }
            for i in 0..<n {
                if i > 0 { out += item }
                if let indent { out += "\n" + String(repeating: indent, count: level + 1) }
                try body(i)
            }
            if let indent { out += "\n" + String(repeating: indent, count: level) }
            out += close
        }
        try write(v, 0)
        return out
    }

    static func jsonString(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{08}": out += "\\b"
            case "\u{0c}": out += "\\f"
            default:
                if u.value < 0x20 { out += String(format: "\\u%04x", u.value) } else { out.unicodeScalars.append(u) }
            }
        }
        return out + "\""
    }
}

/// A plain error message raised while evaluating; the renderer attaches the template location.
struct JinjaFailure: Error {
    let message: String
    init(_ message: String) { self.message = message }
}
