// Decoders of tokenizer.json: ByteLevel (Qwen2) and the SentencePiece-style chain Replace → ByteFallback →
// Fuse → Strip (Llama 2). Tokens stay byte arrays so nothing is normalized on the way.

indirect enum TokenDecoder: Sendable {
    case byteLevel
    case replace(pattern: [UInt8], content: [UInt8])
    case byteFallback
    case fuse
    case strip(content: [UInt8], start: Int, stop: Int)
    case sequence([TokenDecoder])

    func decodeChain(_ tokens: [[UInt8]]) -> [[UInt8]] {
        switch self {
        case .sequence(let list):
            var t = tokens
            for d in list { t = d.decodeChain(t) }
            return t
        case .byteLevel:
            var bytes: [UInt8] = []
            for t in tokens { bytes.append(contentsOf: ByteLevelAlphabet.decode(t) ?? t) }
            // from_utf8_lossy: invalid sequences become U+FFFD.
            return [Array(String(decoding: bytes, as: UTF8.self).utf8)]
        case .replace(let pattern, let content):
            return tokens.map { TokenDecoder.replaceAll($0, pattern, content) }
        case .fuse:
            var all: [UInt8] = []
            all.reserveCapacity(tokens.reduce(0) { $0 + $1.count })
            for t in tokens { all.append(contentsOf: t) }
            return [all]
        case .byteFallback:
            return TokenDecoder.byteFallback(tokens)
        case .strip(let content, let start, let stop):
            return tokens.map { TokenDecoder.strip($0, content, start, stop) }
        }
    }

    private static func replaceAll(_ t: [UInt8], _ pattern: [UInt8], _ content: [UInt8]) -> [UInt8] {
        guard !pattern.isEmpty, t.count >= pattern.count, t.contains(pattern[0]) else { return t }
        var out: [UInt8] = []
        out.reserveCapacity(t.count)
        var i = 0
        while i < t.count {
            if i + pattern.count <= t.count, t[i..<i + pattern.count].elementsEqual(pattern) {
                out.append(contentsOf: content)
                i += pattern.count
            } else {
                out.append(t[i])
                i += 1
            }
        }
        return out
    }

    /// `<0xXX>` tokens become bytes; a run of them that is not valid UTF-8 becomes one U+FFFD per byte.
    private static func byteFallback(_ tokens: [[UInt8]]) -> [[UInt8]] {
        var out: [[UInt8]] = []
        var pending: [UInt8] = []
        func flush() {
            guard !pending.isEmpty else { return }
            if String(validating: pending, as: UTF8.self) != nil {
                out.append(pending)
            } else {
                for _ in pending { out.append([0xEF, 0xBF, 0xBD]) }
            }
            pending.removeAll()
        }
        for t in tokens {
            if let b = byteValue(t) {
                pending.append(b)
            } else {
                flush()
                out.append(t)
            }
        }
        flush()
        return out
    }

    private static func byteValue(_ t: [UInt8]) -> UInt8? {
        guard t.count == 6, t[0] == 0x3C, t[1] == 0x30, t[2] == 0x78, t[5] == 0x3E else { return nil }
        return UInt8(String(decoding: t[3..<5], as: UTF8.self), radix: 16)
    }

    /// Removes up to `start` leading and `stop` trailing occurrences of the character `content`.
    private static func strip(_ t: [UInt8], _ content: [UInt8], _ start: Int, _ stop: Int) -> [UInt8] {
        var lo = 0, hi = t.count
        var k = 0
        while k < start, hi - lo >= content.count, t[lo..<lo + content.count].elementsEqual(content) {
            lo += content.count
            k += 1
        }
        k = 0
        while k < stop, hi - lo >= content.count, t[(hi - content.count)..<hi].elementsEqual(content) {
            hi -= content.count
            k += 1
        }
        return Array(t[lo..<hi])
    }
}
