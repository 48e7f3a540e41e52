// Finds added tokens (`<image>`, `<|im_start|>`, …) in raw text before normalization, as tokenizers'
// AddedVocabulary does with a leftmost-longest Aho-Corasick automaton; here a byte trie, scanned from each
// position, gives the same matches (patterns are short, so this stays linear in the text length).

struct AddedToken: Sendable {
    var id: Int32
    var content: [UInt8]
    var special: Bool
    var lstrip: Bool
    var rstrip: Bool
    var singleWord: Bool
}

struct AddedTokenMatcher: Sendable {
    /// Trie nodes: byte → child index; `terminal` holds the index into `tokens` of a pattern ending there.
    private var children: [[UInt8: Int32]] = [[:]]
    private var terminal: [Int32] = [-1]
    /// Bytes that start some added token: most input bytes are rejected with one table read.
    private let firstBytes: IdTable
    let tokens: [AddedToken]

    init(tokens: [AddedToken]) {
        self.tokens = tokens
        firstBytes = IdTable(count: 256)
        for token in tokens where !token.content.isEmpty { firstBytes.values[Int(token.content[0])] = 1 }
        for (t, token) in tokens.enumerated() where !token.content.isEmpty {
            var node = 0
            for b in token.content {
                if let next = children[node][b] {
                    node = Int(next)
                } else {
                    children.append([:])
                    terminal.append(-1)
                    children[node][b] = Int32(children.count - 1)
                    node = children.count - 1
                }
            }
            // First declaration of a duplicate content wins, like the automaton's pattern order.
            if terminal[node] < 0 { terminal[node] = Int32(t) }
        }
    }

    var isEmpty: Bool { tokens.isEmpty }

    /// A segment of the input: either plain text (to normalize and tokenize) or one added token.
    enum Segment {
        case text(Range<Int>)
        case token(AddedToken, Range<Int>)
    }

    func split(_ text: UnsafeBufferPointer<UInt8>) -> [Segment] {
        let n = text.count
        guard !isEmpty else { return [.text(0..<n)] }
        var segments: [Segment] = []
        var startOffset = 0
        var i = 0
        while i < n {
            guard firstBytes[Int(text[i])] > 0, let (t, end) = longestMatch(text, at: i) else { i += 1; continue }
            let token = tokens[t]
            if token.singleWord {
                let startOK = i == 0 || !AddedTokenMatcher.endsWithWordChar(text, before: i)
                let stopOK = end == n || !AddedTokenMatcher.startsWithWordChar(text, at: end)
                // The automaton resumes after a rejected match, so do the same.
                if !(startOK && stopOK) { i = end; continue }
            }
            var start = i, stop = end
            if token.lstrip {
                while start > startOffset, AddedTokenMatcher.isSpaceByte(text[start - 1]) { start -= 1 }
            }
            if token.rstrip {
                while stop < n, AddedTokenMatcher.isSpaceByte(text[stop]) { stop += 1 }
            }
            if startOffset < start { segments.append(.text(startOffset..<start)) }
            segments.append(.token(token, start..<stop))
            startOffset = stop
            i = stop
        }
        if startOffset < n { segments.append(.text(startOffset..<n)) }
        return segments
    }

    private func longestMatch(_ text: UnsafeBufferPointer<UInt8>, at start: Int) -> (Int, Int)? {
        var node = 0
        var best: (Int, Int)? = nil
        var i = start
        while i < text.count, let next = children[node][text[i]] {
            node = Int(next)
            i += 1
            if terminal[node] >= 0 { best = (Int(terminal[node]), i) }
        }
        return best
    }

    /// ASCII whitespace only: the strip flags are off in every tokenizer this package targets.
    private static func isSpaceByte(_ b: UInt8) -> Bool { b == 0x20 || (b >= 0x09 && b <= 0x0D) }

    private static func isWordByte(_ b: UInt8) -> Bool {
        (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == 0x5F || b >= 0x80
    }

    private static func endsWithWordChar(_ t: UnsafeBufferPointer<UInt8>, before i: Int) -> Bool { isWordByte(t[i - 1]) }
    private static func startsWithWordChar(_ t: UnsafeBufferPointer<UInt8>, at i: Int) -> Bool { isWordByte(t[i]) }
}
