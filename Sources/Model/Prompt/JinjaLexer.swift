/// One lexical token of a template, with where it starts.
struct JinjaToken: Sendable {
    enum Kind: Sendable, Equatable {
        case text(String)
        case variableBegin, variableEnd, blockBegin, blockEnd
        case name(String)
        case string(String)
        case integer(Int)
        case float(Double)
        case op(String)
        case eof
    }
    let kind: Kind
    let location: JinjaLocation
}

/// Whitespace options, named and defaulted as in `jinja2.Environment`. Hugging Face renders chat
/// templates with `trim_blocks=True, lstrip_blocks=True`, which `JinjaTemplate.Options.chatTemplate` sets.
public struct JinjaWhitespace: Sendable, Equatable {
    /// Remove the first newline after a block or comment tag.
    public var trimBlocks: Bool
    /// Remove spaces/tabs before a block or comment tag that starts a line.
    public var lstripBlocks: Bool
    /// Keep a single trailing newline of the source (Jinja drops it by default).
    public var keepTrailingNewline: Bool
    public init(trimBlocks: Bool = false, lstripBlocks: Bool = false, keepTrailingNewline: Bool = false) {
        self.trimBlocks = trimBlocks
        self.lstripBlocks = lstripBlocks
        self.keepTrailingNewline = keepTrailingNewline
    }
}

/// Splits template source into text and tag tokens, reproducing `jinja2.lexer.Lexer.tokeniter`:
/// newline normalisation, `-`/`+` whitespace control, `trim_blocks`, `lstrip_blocks` (including its
/// "line starting" rule), comments and `{% raw %}`.
struct JinjaLexer {
    private let u: [Unicode.Scalar]
    private let ws: JinjaWhitespace
    private var lineStarts: [Int] = [0]
    private var tokens: [JinjaToken] = []
    private var lineStarting = true

    init(source: String, whitespace: JinjaWhitespace) {
        var s: [Unicode.Scalar] = []
        s.reserveCapacity(source.unicodeScalars.count)
        var prevCR = false
        for c in source.unicodeScalars {
            if c == "\r" { s.append("\n"); prevCR = true; continue }
            if c == "\n" && prevCR { prevCR = false; continue }
            prevCR = false
            s.append(c)
        }
        if !whitespace.keepTrailingNewline, s.last == "\n" { s.removeLast() }
        u = s
        ws = whitespace
        for (i, c) in s.enumerated() where c == "\n" { lineStarts.append(i + 1) }
    }

    func location(_ index: Int) -> JinjaLocation {
        var lo = 0, hi = lineStarts.count - 1
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if lineStarts[mid] <= index { lo = mid } else { hi = mid - 1 }
        }
        return JinjaLocation(line: lo + 1, column: index - lineStarts[lo] + 1)
    }

    private func syntax(_ message: String, _ index: Int) -> JinjaError {
        .syntax(message: message, location: location(index))
    }

    private func starts(_ s: String, at i: Int) -> Bool {
        var j = i
        for c in s.unicodeScalars {
            guard j < u.count, u[j] == c else { return false }
            j += 1
        }
        return true
    }

    private func skipSpace(_ i: Int) -> Int {
        var j = i
        while j < u.count, PyFormat.isSpace(u[j]) { j += 1 }
        return j
    }

    /// Applies `-` / `lstrip_blocks` to the text before a tag and emits it.
    private mutating func emitText(_ start: Int, _ end: Int, sign: Unicode.Scalar?, isVariable: Bool) {
        var hi = end
        if sign == "-" {
            while hi > start, PyFormat.isSpace(u[hi - 1]) { hi -= 1 }
        } else if sign != "+", ws.lstripBlocks, !isVariable {
            var lineStart = hi
            while lineStart > start, u[lineStart - 1] != "\n" { lineStart -= 1 }
            let afterNewline = lineStart > start
            if (afterNewline || lineStarting), lineStart < hi, (lineStart..<hi).allSatisfy({ PyFormat.isSpace(u[$0]) }) {
                hi = lineStart
            }
        }
        if hi > start { tokens.append(JinjaToken(kind: .text(PyFormat.string(u[start..<hi])), location: location(start))) }
    }

    /// Consumes a block-style tag end (`+%}`, `-%}` + whitespace, `%}` + optional newline) at `i`,
    /// returning the index after it, or nil if none is there.
    private func blockEnd(at i: Int, close: String) -> Int? {
        if starts("+" + close, at: i) { return i + 3 }
        if starts("-" + close, at: i) { return skipSpace(i + 3) }
        if starts(close, at: i) {
            let j = i + 2
            return ws.trimBlocks && j < u.count && u[j] == "\n" ? j + 1 : j
        }
        return nil
    }

    mutating func tokenize() throws -> [JinjaToken] {
        var pos = 0
        while pos < u.count {
            guard let tag = nextTag(from: pos) else {
                tokens.append(JinjaToken(kind: .text(PyFormat.string(u[pos...])), location: location(pos)))
                break
            }
            let opener = u[tag + 1]
            var inner = tag + 2
            var sign: Unicode.Scalar? = nil
            if inner < u.count, u[inner] == "-" || u[inner] == "+" { sign = u[inner]; inner += 1 }
            if opener == "%", let rawEnd = rawBegin(at: inner) {
                emitText(pos, tag, sign: sign, isVariable: false)
                lineStarting = u[rawEnd - 1] == "\n"
                pos = try rawBody(from: rawEnd, tagStart: tag)
                continue
            }
            emitText(pos, tag, sign: sign, isVariable: opener == "{")
            switch opener {
            case "#":
                pos = try commentEnd(from: inner, tagStart: tag)
            case "%":
                tokens.append(JinjaToken(kind: .blockBegin, location: location(tag)))
                pos = try tagBody(from: inner, close: "%}", endKind: .blockEnd)
            default:
                tokens.append(JinjaToken(kind: .variableBegin, location: location(tag)))
                pos = try tagBody(from: inner, close: "}}", endKind: .variableEnd)
            }
            lineStarting = u[pos - 1] == "\n"
        }
        tokens.append(JinjaToken(kind: .eof, location: location(u.count)))
        return tokens
    }

    private func nextTag(from i: Int) -> Int? {
        var j = i
        while j + 1 < u.count {
            if u[j] == "{", u[j + 1] == "{" || u[j + 1] == "%" || u[j + 1] == "#" { return j }
            j += 1
        }
        return nil
    }

    /// `{%(-|+)?\s*raw\s*(-%}\s*|%})` — note the raw opener never trims a newline.
    private func rawBegin(at i: Int) -> Int? {
        var j = skipSpace(i)
        guard starts("raw", at: j) else { return nil }
        j = skipSpace(j + 3)
        if starts("-%}", at: j) { return skipSpace(j + 3) }
        if starts("%}", at: j) { return j + 2 }
        return nil
    }

    private mutating func rawBody(from start: Int, tagStart: Int) throws -> Int {
        var j = start
        while let tag = nextTag(from: j) {
            defer { j = tag + 1 }
            guard u[tag + 1] == "%" else { continue }
            var k = tag + 2
            var sign: Unicode.Scalar? = nil
            if k < u.count, u[k] == "-" || u[k] == "+" { sign = u[k]; k += 1 }
            k = skipSpace(k)
            guard starts("endraw", at: k) else { continue }
            k = skipSpace(k + 6)
            guard let end = blockEnd(at: k, close: "%}") else { continue }
            emitText(start, tag, sign: sign, isVariable: false)
            lineStarting = u[end - 1] == "\n"
            return end
        }
        throw syntax("Missing end of raw directive", tagStart)
    }

    private func commentEnd(from start: Int, tagStart: Int) throws -> Int {
        var j = start
        while j + 1 < u.count {
            if u[j] == "#", u[j + 1] == "}" {
                if j > start, u[j - 1] == "-" { return skipSpace(j + 2) }
                if j > start, u[j - 1] == "+" { return j + 2 }
                return ws.trimBlocks && j + 2 < u.count && u[j + 2] == "\n" ? j + 3 : j + 2
            }
            j += 1
        }
        throw syntax("Missing end of comment tag", tagStart)
    }

    /// Tokens inside `{{ … }}` or `{% … %}` up to the closing delimiter (only when brackets balance).
    private mutating func tagBody(from start: Int, close: String, endKind: JinjaToken.Kind) throws -> Int {
        var i = start
        var balance: [Unicode.Scalar] = []
        while true {
            guard i < u.count else { throw syntax("unexpected end of template, expected '\(close)'", i) }
            if balance.isEmpty {
                let end = close == "%}" ? blockEnd(at: i, close: close)
                    : starts("-}}", at: i) ? skipSpace(i + 3) : starts("}}", at: i) ? i + 2 : nil
                if let end {
                    tokens.append(JinjaToken(kind: endKind, location: location(i)))
                    return end
                }
            }
            let c = u[i]
            if PyFormat.isSpace(c) { i += 1; continue }
            let here = location(i)
            if c.properties.numericType == .decimal, c.isASCII {
                let (kind, next) = try number(at: i)
                tokens.append(JinjaToken(kind: kind, location: here))
                i = next
            } else if c == "_" || c.properties.isAlphabetic {
                var j = i + 1
                while j < u.count, u[j] == "_" || u[j].properties.isAlphabetic || u[j].properties.numericType == .decimal { j += 1 }
                tokens.append(JinjaToken(kind: .name(PyFormat.string(u[i..<j])), location: here))
                i = j
            } else if c == "'" || c == "\"" {
                var j = i + 1
                while j < u.count, u[j] != c { j += u[j] == "\\" ? 2 : 1 }
                guard j < u.count else { throw syntax("unexpected char \(PyFormat.stringRepr(String(c))) at \(i)", i) }
                tokens.append(JinjaToken(kind: .string(try unescape(i + 1, j)), location: here))
                i = j + 1
            } else {
                let two = i + 1 < u.count ? PyFormat.string([c, u[i + 1]]) : ""
                let op: String
                if ["**", "//", "==", "!=", ">=", "<="].contains(two) { op = two }
                else if "+-/*%~[](){}><=.:|,;".unicodeScalars.contains(c) { op = String(c) }
                else { throw syntax("unexpected char \(PyFormat.stringRepr(String(c))) at \(i)", i) }
                switch op {
                case "(": balance.append(")")
                case "[": balance.append("]")
                case "{": balance.append("}")
                case ")", "]", "}":
                    guard let expected = balance.popLast() else { throw syntax("unexpected '\(op)'", i) }
                    guard String(expected) == op else { throw syntax("unexpected '\(op)', expected '\(expected)'", i) }
                default: break
                }
                tokens.append(JinjaToken(kind: .op(op), location: here))
                i += op.unicodeScalars.count
            }
        }
    }

    private func isDigit(_ i: Int, radix: Int = 10) -> Bool {
        guard i < u.count, let v = Int(String(u[i]), radix: radix) else { return false }
        return v < radix
    }

    /// Digits with single `_` separators starting at `i`; returns the end index.
    private func digits(_ i: Int, radix: Int = 10) -> Int {
        var j = i
        while isDigit(j, radix: radix) || (j > i && j < u.count && u[j] == "_" && isDigit(j + 1, radix: radix)) { j += 1 }
        return j
    }

    private func number(at i: Int) throws -> (JinjaToken.Kind, Int) {
        let text: (Int, Int) -> String = { PyFormat.string(self.u[$0..<$1].filter { $0 != "_" }) }
        if i == 0 || u[i - 1] != "." {
            let intEnd = digits(i)
            var j = intEnd
            var isFloat = false
            if j < u.count, u[j] == ".", isDigit(j + 1) { j = digits(j + 1); isFloat = true }
            if j < u.count, u[j] == "e" || u[j] == "E" {
                var k = j + 1
                if k < u.count, u[k] == "+" || u[k] == "-" { k += 1 }
                if isDigit(k) { j = digits(k); isFloat = true }
            }
            if isFloat, let d = Double(text(i, j)) { return (.float(d), j) }
        }
        if u[i] == "0", i + 1 < u.count, let radix = ["x": 16, "o": 8, "b": 2][String(u[i + 1]).lowercased()] {
            let start = i + 2 + (i + 2 < u.count && u[i + 2] == "_" ? 1 : 0)
            let end = digits(start, radix: radix)
            if end > start {
                guard let v = Int(text(start, end), radix: radix) else { throw syntax("integer literal too large", i) }
                return (.integer(v), end)
            }
        }
        var end = i + 1
        if u[i] == "0" {
            while end < u.count, u[end] == "0" || (u[end] == "_" && end + 1 < u.count && u[end + 1] == "0") { end += 1 }
        } else {
            end = digits(i)
        }
        guard let v = Int(text(i, end)) else { throw syntax("integer literal too large", i) }
        return (.integer(v), end)
    }

    /// Python `unicode-escape` decoding of a string literal's body.
    private func unescape(_ start: Int, _ end: Int) throws -> String {
        var out = String.UnicodeScalarView()
        var i = start
        while i < end {
            let c = u[i]
            guard c == "\\", i + 1 < end else { out.append(c); i += 1; continue }
            let e = u[i + 1]
            i += 2
            switch e {
            case "\n": break
            case "\\": out.append("\\")
            case "'": out.append("'")
            case "\"": out.append("\"")
            case "a": out.append("\u{07}")
            case "b": out.append("\u{08}")
            case "f": out.append("\u{0c}")
            case "n": out.append("\n")
            case "r": out.append("\r")
            case "t": out.append("\t")
            case "v": out.append("\u{0b}")
            case "x", "u", "U":
                let n = e == "x" ? 2 : e == "u" ? 4 : 8
                guard i + n <= end, let v = UInt32(PyFormat.string(u[i..<i + n]), radix: 16), let s = Unicode.Scalar(v) else {
                    throw syntax("truncated \\\(e) escape", i - 2)
                }
                out.append(s)
                i += n
            case "0"..."7":
                var v = e.value - 48
                var k = 0
                while k < 2, i < end, ("0"..."7").contains(u[i]) { v = v * 8 + u[i].value - 48; i += 1; k += 1 }
                out.append(Unicode.Scalar(v)!)
            default:
                out.append("\\")
                out.append(e)
            }
        }
        return String(out)
    }
}
