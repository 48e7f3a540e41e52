// Hand-written matchers for the two pre-tokenizer regexes byte-level BPE tokenizers use. There is no
// regex engine with lookahead and \p{..} classes here, and the patterns are fixed, so each alternative is
// coded with Oniguruma's leftmost-first, greedy-with-backtracking semantics (what `tokenizers` runs).

/// The pre-tokenizer regexes this package reproduces.
enum SplitPattern: Sendable {
    /// Qwen2: `(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`
    case qwen2
    /// GPT-2 (ByteLevel `use_regex`): `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`
    case gpt2

    static let qwen2Source =
        #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#
    static let gpt2Source = #"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"#

    init?(source: String) {
        // Compare scalars, not String equality, so only the exact pattern text is accepted.
        if Array(source.unicodeScalars) == Array(SplitPattern.qwen2Source.unicodeScalars) {
            self = .qwen2
        } else if Array(source.unicodeScalars) == Array(SplitPattern.gpt2Source.unicodeScalars) {
            self = .gpt2
        } else {
            return nil
        }
    }

    /// Splits `bytes[range]` into consecutive pieces (Isolated behaviour: matches and the gaps between them).
    func split(_ bytes: UnsafeBufferPointer<UInt8>, range: Range<Int>, scalars: ScalarClasses,
               into pieces: inout [Range<Int>]) {
        scalars.load(bytes, range: range)
        let n = scalars.count
        var p = 0
        while p < n {
            let end: Int
            switch self {
            case .qwen2: end = scalars.matchQwen2(at: p)
            case .gpt2: end = scalars.matchGPT2(at: p)
            }
            pieces.append(scalars.byteOffset(p)..<scalars.byteOffset(end))
            p = end
        }
    }
}

/// Per-scalar character classes of one piece of text; reusable working memory of one encode call.
final class ScalarClasses {
    static let letter: UInt8 = 1, number: UInt8 = 2, space: UInt8 = 4, newline: UInt8 = 8

    private var values: UnsafeMutablePointer<UInt32>
    private var classes: UnsafeMutablePointer<UInt8>
    private var offsets: UnsafeMutablePointer<Int32>  // byte offset of each scalar, plus the end
    private var capacity: Int
    private(set) var count = 0

    init() {
        capacity = 256
        values = .allocate(capacity: capacity)
        classes = .allocate(capacity: capacity)
        offsets = .allocate(capacity: capacity + 1)
    }

    deinit {
        values.deallocate()
        classes.deallocate()
        offsets.deallocate()
    }

    @inline(__always) func byteOffset(_ i: Int) -> Int { Int(offsets[i]) }

    func load(_ bytes: UnsafeBufferPointer<UInt8>, range: Range<Int>) {
        if range.count > capacity {
            values.deallocate(); classes.deallocate(); offsets.deallocate()
            capacity = range.count
            values = .allocate(capacity: capacity)
            classes = .allocate(capacity: capacity)
            offsets = .allocate(capacity: capacity + 1)
        }
        var i = range.lowerBound
        var n = 0
        while i < range.upperBound {
            let b0 = bytes[i]
            var v: UInt32
            let len: Int
            if b0 < 0x80 {
                values[n] = UInt32(b0)
                classes[n] = ScalarClasses.asciiClasses[Int(b0)]
                offsets[n] = Int32(i)
                n += 1
                i += 1
                continue
            } else if b0 < 0xE0 {
                v = UInt32(b0 & 0x1F); len = 2
            } else if b0 < 0xF0 {
                v = UInt32(b0 & 0x0F); len = 3
            } else {
                v = UInt32(b0 & 0x07); len = 4
            }
            for k in 1..<len { v = v << 6 | UInt32(bytes[i + k] & 0x3F) }
            values[n] = v
            classes[n] = ScalarClasses.classify(v)
            offsets[n] = Int32(i)
            n += 1
            i += len
        }
        offsets[n] = Int32(range.upperBound)
        count = n
    }

    static let asciiTable: [UInt8] = (0..<128).map { b -> UInt8 in
        switch b {
        case 0x0A, 0x0D: return space | newline
        case 0x09, 0x0B, 0x0C, 0x20: return space
        case 0x30...0x39: return number
        case 0x41...0x5A, 0x61...0x7A: return letter
        default: return 0
        }
    }

    /// The ASCII classes in raw memory (fast even unoptimized); lives as long as the process.
    nonisolated(unsafe) static let asciiClasses: UnsafePointer<UInt8> = {
        let p = UnsafeMutablePointer<UInt8>.allocate(capacity: 128)
        p.initialize(from: asciiTable, count: 128)
        return UnsafePointer(p)
    }()

    static func classify(_ v: UInt32) -> UInt8 {
        if v < 128 { return asciiClasses[Int(v)] }
        guard let scalar = Unicode.Scalar(v) else { return 0 }
        let props = scalar.properties
        if props.isWhitespace { return space }
        switch props.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: return letter
        case .decimalNumber, .letterNumber, .otherNumber: return number
        default: return 0
        }
    }

    func isLetter(_ i: Int) -> Bool { classes[i] & ScalarClasses.letter != 0 }
    func isNumber(_ i: Int) -> Bool { classes[i] & ScalarClasses.number != 0 }
    func isSpace(_ i: Int) -> Bool { classes[i] & ScalarClasses.space != 0 }
    func isNewline(_ i: Int) -> Bool { classes[i] & ScalarClasses.newline != 0 }
    /// `[^\s\p{L}\p{N}]`
    func isOther(_ i: Int) -> Bool { classes[i] == 0 }

    func letterRun(from i: Int) -> Int {
        var j = i
        while j < count, isLetter(j) { j += 1 }
        return j
    }

    func spaceRun(from i: Int) -> Int {
        var j = i
        while j < count, isSpace(j) { j += 1 }
        return j
    }

    /// `'s|'t|'re|'ve|'m|'ll|'d`, optionally case-insensitive with Unicode simple case folding
    /// (ſ U+017F folds to s; no other scalar folds to these letters).
    func contraction(at p: Int, ignoreCase: Bool) -> Int? {
        guard values[p] == 0x27, p + 1 < count else { return nil }
        func fold(_ v: UInt32) -> UInt32 {
            guard ignoreCase else { return v }
            if v >= 0x41 && v <= 0x5A { return v + 0x20 }
            if v == 0x17F { return 0x73 }
            return v
        }
        let c1 = fold(values[p + 1])
        switch c1 {
        case 0x73, 0x74, 0x6D, 0x64: return p + 2  // s t m d
        default: break
        }
        guard p + 2 < count else { return nil }
        let c2 = fold(values[p + 2])
        if (c1 == 0x72 && c2 == 0x65) || (c1 == 0x76 && c2 == 0x65) || (c1 == 0x6C && c2 == 0x6C) { return p + 3 }
        return nil
    }

    /// `\s+(?!\S)|\s+` at a whitespace position.
    func trailingSpace(at p: Int) -> Int {
        let w = spaceRun(from: p)
        if w == count || w - p == 1 { return w }
        return w - 1
    }

    func matchQwen2(at p: Int) -> Int {
        if let e = contraction(at: p, ignoreCase: true) { return e }
        // [^\r\n\p{L}\p{N}]?\p{L}+
        if isLetter(p) { return letterRun(from: p) }
        if !isNewline(p), !isNumber(p), p + 1 < count, isLetter(p + 1) { return letterRun(from: p + 1) }
        // \p{N}
        if isNumber(p) { return p + 1 }
        // ' ?[^\s\p{L}\p{N}]+[\r\n]*'
        var q = -1
        if values[p] == 0x20 {
            if p + 1 < count, isOther(p + 1) { q = p + 1 }
        } else if isOther(p) {
            q = p
        }
        if q >= 0 {
            var e = q
            while e < count, isOther(e) { e += 1 }
            while e < count, values[e] == 0x0A || values[e] == 0x0D { e += 1 }
            return e
        }
        // \s*[\r\n]+ : the whitespace run up to and including its last newline
        if isSpace(p) {
            let w = spaceRun(from: p)
            var k = w - 1
            while k >= p, !isNewline(k) { k -= 1 }
            if k >= p { return k + 1 }
            return trailingSpace(at: p)
        }
        return p + 1  // unreachable: every scalar is a letter, number, space or other
    }

    func matchGPT2(at p: Int) -> Int {
        if let e = contraction(at: p, ignoreCase: false) { return e }
        let q = (values[p] == 0x20 && p + 1 < count) ? p + 1 : p
        // ' ?\p{L}+', ' ?\p{N}+', ' ?[^\s\p{L}\p{N}]+'
        if isLetter(q) { return letterRun(from: q) }
        if isNumber(q) {
            var e = q
            while e < count, isNumber(e) { e += 1 }
            return e
        }
        if isOther(q) {
            var e = q
            while e < count, isOther(e) { e += 1 }
            return e
        }
        if isSpace(p) { return trailingSpace(at: p) }
        return p + 1
    }
}
