// Normalizers of tokenizer.json (NFC, Prepend, Replace, Sequence). When offsets are wanted, every output
// byte also records the input byte range it came from, so tokens map back to the caller's text.
import Foundation

/// Text being normalized: UTF-8 bytes plus, when `tracksOrigin`, each byte's input byte range.
struct NormalizedText {
    var bytes: [UInt8]
    let tracksOrigin: Bool
    var originStart: [Int32] = []
    var originEnd: [Int32] = []

    /// Identity alignment for `input[range]`.
    init(_ input: UnsafeBufferPointer<UInt8>, range: Range<Int>, tracksOrigin: Bool) {
        bytes = Array(input[range])
        self.tracksOrigin = tracksOrigin
        if tracksOrigin {
            let lo = range.lowerBound
            originStart = [Int32](unsafeUninitializedCapacity: range.count) { buf, n in
                for i in 0..<range.count { buf[i] = Int32(lo + i) }
                n = range.count
            }
            originEnd = [Int32](unsafeUninitializedCapacity: range.count) { buf, n in
                for i in 0..<range.count { buf[i] = Int32(lo + i + 1) }
                n = range.count
            }
        }
    }

    /// Input byte range of normalized bytes `range` (non-empty); requires `tracksOrigin`.
    func origin(of range: Range<Int>) -> Range<Int> {
        Int(originStart[range.lowerBound])..<Int(originEnd[range.upperBound - 1])
    }

    /// Length in bytes of the UTF-8 scalar whose lead byte is `lead`.
    @inline(__always) static func scalarLength(_ lead: UInt8) -> Int {
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
            text.bytes.insert(contentsOf: prefix, at: 0)
            if text.tracksOrigin {
                // tokenizers aligns the prepended text with the first character.
                let first = NormalizedText.scalarLength(text.bytes[prefix.count])
                let s = text.originStart[0], e = text.originEnd[first - 1]
                text.originStart.insert(contentsOf: repeatElement(s, count: prefix.count), at: 0)
                text.originEnd.insert(contentsOf: repeatElement(e, count: prefix.count), at: 0)
            }
        case .replace(let pattern, let content):
            Normalizer.replace(&text, pattern: pattern, content: content)
        case .nfc:
            Normalizer.nfc(&text)
        }
    }

    private static func replace(_ text: inout NormalizedText, pattern: [UInt8], content: [UInt8]) {
        let n = text.bytes.count, m = pattern.count
        guard m > 0, n >= m else { return }
        let track = text.tracksOrigin
        let result: ([UInt8], [Int32], [Int32])? = text.bytes.withUnsafeBufferPointer { src in
            pattern.withUnsafeBufferPointer { pat in
                content.withUnsafeBufferPointer { rep in
                    @inline(__always) func matches(_ i: Int) -> Bool {
                        if src[i] != pat[0] || i + m > n { return false }
                        var k = 1
                        while k < m { if src[i + k] != pat[k] { return false }; k += 1 }
                        return true
                    }
                    var hits = 0
                    var i = 0
                    while i < n { if matches(i) { hits += 1; i += m } else { i += 1 } }
                    if hits == 0 { return nil }
                    let size = n + hits * (rep.count - m)
                    var starts: [Int32] = [], ends: [Int32] = []
                    if track {
                        starts = [Int32](repeating: 0, count: size)
                        ends = [Int32](repeating: 0, count: size)
                    }
                    let out = [UInt8](unsafeUninitializedCapacity: size) { dst, written in
                        var i = 0, o = 0
                        while i < n {
                            if matches(i) {
                                for k in 0..<rep.count {
                                    dst[o + k] = rep[k]
                                    if track {
                                        starts[o + k] = text.originStart[i]
                                        ends[o + k] = text.originEnd[i + m - 1]
                                    }
                                }
                                o += rep.count
                                i += m
                            } else {
                                dst[o] = src[i]
                                if track {
                                    starts[o] = text.originStart[i]
                                    ends[o] = text.originEnd[i]
                                }
                                o += 1
                                i += 1
                            }
                        }
                        written = o
                    }
                    return (out, starts, ends)
                }
            }
        }
        guard let (bytes, starts, ends) = result else { return }
        text.bytes = bytes
        if track {
            text.originStart = starts
            text.originEnd = ends
        }
    }

    /// NFC. A scalar with canonical combining class 0 and NFC_Quick_Check = Yes starts a segment that
    /// normalization never reaches across (UAX #15 boundary), so the text is normalized segment by segment:
    /// segments of such "stable" scalars are kept as they are, the rest go through Foundation's NFC, and the
    /// bytes of a changed segment point at the whole input segment.
    private static func nfc(_ text: inout NormalizedText) {
        let n = text.bytes.count
        // Fast path: all scalars below U+0300 are stable.
        guard text.bytes.contains(where: { $0 >= 0xCC }) else { return }
        var bytes: [UInt8] = [], starts: [Int32] = [], ends: [Int32] = []
        bytes.reserveCapacity(n)
        var changed = false
        text.bytes.withUnsafeBufferPointer { src in
            var i = 0
            while i < n {
                // One segment: [i, j) where only i may be a stable scalar.
                var j = i + NormalizedText.scalarLength(src[i])
                var allStable = isStable(src, i)
                while j < n, !isStable(src, j) {
                    allStable = false
                    j += NormalizedText.scalarLength(src[j])
                }
                var replaced = false
                if !allStable {
                    let segment = String(decoding: UnsafeBufferPointer(rebasing: src[i..<j]), as: UTF8.self)
                    let normalized = Array(segment.precomposedStringWithCanonicalMapping.utf8)
                    if !normalized.elementsEqual(src[i..<j]) {
                        replaced = true
                        if !changed {
                            changed = true
                            bytes.append(contentsOf: src[0..<i])
                            if text.tracksOrigin {
                                starts.append(contentsOf: text.originStart[0..<i])
                                ends.append(contentsOf: text.originEnd[0..<i])
                            }
                        }
                        bytes.append(contentsOf: normalized)
                        if text.tracksOrigin {
                            starts.append(contentsOf: repeatElement(text.originStart[i], count: normalized.count))
                            ends.append(contentsOf: repeatElement(text.originEnd[j - 1], count: normalized.count))
                        }
                    }
                }
                if changed && !replaced {
                    bytes.append(contentsOf: src[i..<j])
                    if text.tracksOrigin {
                        starts.append(contentsOf: text.originStart[i..<j])
                        ends.append(contentsOf: text.originEnd[i..<j])
                    }
                }
                i = j
            }
        }
        guard changed else { return }
        text.bytes = bytes
        if text.tracksOrigin {
            text.originStart = starts
            text.originEnd = ends
        }
    }

    /// Scalars known to have ccc = 0 and NFC_Quick_Check = Yes: a conservative list of ranges free of
    /// canonical decompositions and composing marks (anything else takes the exact Foundation path).
    @inline(__always) private static func isStable(_ s: UnsafeBufferPointer<UInt8>, _ i: Int) -> Bool {
        let b0 = s[i]
        if b0 < 0xCC { return true }  // U+0000..U+02FF
        let len = NormalizedText.scalarLength(b0)
        var v = UInt32(b0 & (0xFF >> (len + 1)))
        for k in 1..<len { v = v << 6 | UInt32(s[i + k] & 0x3F) }
        switch v {
        case 0x0400...0x0482, 0x048A...0x052F,  // Cyrillic (0483-0489 are combining)
             0x0E00...0x0E30, 0x0E32...0x0E33, 0x0E3F...0x0E46, 0x0E4F...0x0E5B,  // Thai (no marks)
             0x2002...0x206F,  // general punctuation except the U+2000/2001 singletons
             0x3040...0x3098, 0x309B...0x30FF,  // kana except the voicing marks
             0x3400...0x4DBF, 0x4E00...0x9FFF,  // CJK ideographs
             0xAC00...0xD7A3,  // Hangul syllables (trailing jamo are not stable, so LV+T is caught)
             0xFF00...0xFFEF,  // half/full-width forms (compatibility decompositions only)
             0x1F000...0x1FAFF,  // emoji and symbols
             0x20000...0x2F7FF:  // CJK extensions B-F
            return true
        default:
            return false
        }
    }
}
