// Normalizers of tokenizer.json (NFC, Prepend, Replace, Sequence) with byte alignment to the input, so
// token offsets can be mapped back to the caller's text.
import Foundation

/// Text being normalized: UTF-8 bytes plus, for every byte, the input byte range it came from.
struct NormalizedText {
    var bytes: [UInt8]
    var originStart: [Int32]
    var originEnd: [Int32]

    /// Identity alignment for `input[range]`.
    init(_ input: UnsafeBufferPointer<UInt8>, range: Range<Int>) {
        bytes = Array(input[range])
        originStart = (range.lowerBound..<range.upperBound).map { Int32($0) }
        originEnd = (range.lowerBound..<range.upperBound).map { Int32($0 + 1) }
    }

    init(bytes: [UInt8], originStart: [Int32], originEnd: [Int32]) {
        self.bytes = bytes
        self.originStart = originStart
        self.originEnd = originEnd
    }

    /// Input byte range of normalized bytes `range` (non-empty).
    func origin(of range: Range<Int>) -> Range<Int> {
        Int(originStart[range.lowerBound])..<Int(originEnd[range.upperBound - 1])
    }

    /// Length in bytes of the UTF-8 scalar starting at `i`.
    static func scalarLength(_ lead: UInt8) -> Int {
        if lead < 0x80 { return 1 }
        if lead < 0xE0 { return 2 }
        if lead < 0xF0 { return 3 }
        return 4
    }
}

indirect enum Normalizer: Sendable {
    case nfc
    case prepend([UInt8])
    case replace(pattern: [UInt8], content: [UInt8])
    case sequence([Normalizer])

    func apply(_ text: inout NormalizedText) {
        switch self {
        case .sequence(let list):
            for n in list { n.apply(&text) }
        case .prepend(let prefix):
            guard !text.bytes.isEmpty else { return }
            let first = NormalizedText.scalarLength(text.bytes[0])
            let s = text.originStart[0], e = text.originEnd[first - 1]
            text.bytes.insert(contentsOf: prefix, at: 0)
            text.originStart.insert(contentsOf: repeatElement(s, count: prefix.count), at: 0)
            text.originEnd.insert(contentsOf: repeatElement(e, count: prefix.count), at: 0)
        case .replace(let pattern, let content):
            Normalizer.replace(&text, pattern: pattern, content: content)
        case .nfc:
            Normalizer.nfc(&text)
        }
    }

    private static func replace(_ text: inout NormalizedText, pattern: [UInt8], content: [UInt8]) {
        guard !pattern.isEmpty, text.bytes.count >= pattern.count else { return }
        let n = text.bytes.count, m = pattern.count
        var bytes: [UInt8] = [], starts: [Int32] = [], ends: [Int32] = []
        bytes.reserveCapacity(n + n / 2)
        starts.reserveCapacity(n + n / 2)
        ends.reserveCapacity(n + n / 2)
        var i = 0
        var changed = false
        text.bytes.withUnsafeBufferPointer { src in
            while i < n {
                if src[i] == pattern[0], i + m <= n, (1..<m).allSatisfy({ src[i + $0] == pattern[$0] }) {
                    let s = text.originStart[i], e = text.originEnd[i + m - 1]
                    bytes.append(contentsOf: content)
                    starts.append(contentsOf: repeatElement(s, count: content.count))
                    ends.append(contentsOf: repeatElement(e, count: content.count))
                    i += m
                    changed = true
                } else {
                    bytes.append(src[i])
                    starts.append(text.originStart[i])
                    ends.append(text.originEnd[i])
                    i += 1
                }
            }
        }
        if changed { text = NormalizedText(bytes: bytes, originStart: starts, originEnd: ends) }
    }

    /// NFC, one grapheme cluster at a time. Canonical composition and reordering never cross an extended
    /// grapheme cluster boundary, so this equals NFC of the whole text, and it lets every output byte point
    /// at the cluster it came from. Text whose scalars are all below U+0300 is already NFC (fast path).
    private static func nfc(_ text: inout NormalizedText) {
        guard text.bytes.contains(where: { $0 >= 0xCC }) else { return }
        let string = String(decoding: text.bytes, as: UTF8.self)
        var bytes: [UInt8] = [], starts: [Int32] = [], ends: [Int32] = []
        bytes.reserveCapacity(text.bytes.count)
        starts.reserveCapacity(text.bytes.count)
        ends.reserveCapacity(text.bytes.count)
        var offset = 0
        for cluster in string {
            let utf8 = cluster.utf8
            let len = utf8.count
            let normalized = utf8.contains(where: { $0 >= 0xCC })
                ? Array(String(cluster).precomposedStringWithCanonicalMapping.utf8) : nil
            if let normalized, !normalized.elementsEqual(utf8) {
                let s = text.originStart[offset], e = text.originEnd[offset + len - 1]
                bytes.append(contentsOf: normalized)
                starts.append(contentsOf: repeatElement(s, count: normalized.count))
                ends.append(contentsOf: repeatElement(e, count: normalized.count))
            } else {
                bytes.append(contentsOf: utf8)
                starts.append(contentsOf: text.originStart[offset..<offset + len])
                ends.append(contentsOf: text.originEnd[offset..<offset + len])
            }
            offset += len
        }
        text = NormalizedText(bytes: bytes, originStart: starts, originEnd: ends)
    }
}
