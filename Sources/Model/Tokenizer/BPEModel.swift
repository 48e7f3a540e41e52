// The BPE model of Hugging Face `tokenizers` (models/bpe), reproduced merge for merge: the same priority
// queue order (lowest rank, then leftmost), the same stale-entry test, byte fallback and unk fusing.

/// One token produced by the model: its id and the byte range of the normalized text it covers.
struct ModelToken {
    var id: Int32
    var start: Int32
    var end: Int32
}

struct BPEModel: Sendable {
    /// Vocabulary keyed by the token's exact UTF-8 bytes (never by `String`, see JSONValue).
    let vocab: [[UInt8]: Int32]
    /// Token spelling of each id in the model vocabulary (empty where an id is unused).
    let tokens: [[UInt8]]
    let merges: MergeTable
    let unkId: Int32?
    let fuseUnk: Bool
    let ignoreMerges: Bool
    /// Byte-level input: each input byte is one initial symbol, spelled in the GPT-2 alphabet.
    let byteLevel: Bool
    /// Id of the initial symbol of each byte (byte-level), or of `<0xXX>` (byte fallback); -1 if absent.
    let byteIds: IdTable
    let byteFallback: Bool
    /// Ids of single-scalar tokens for character input: BMP scalars in a table, the rest in a dictionary.
    let bmpIds: IdTable
    let astralIds: [UInt32: Int32]
    /// True when no token has "▁" after another character: BPE then never merges across the start of a
    /// "▁" run, so a long SentencePiece-style word can be merged one "▁"-chunk at a time (same result,
    /// but small heaps instead of one the size of the whole text).
    let metaspaceChunks: Bool

    enum BuildError: Error {
        case unknownMergePart(index: Int, token: [UInt8])
        case unknownMergeResult(index: Int, token: [UInt8])
        case unknownUnk([UInt8])
    }

    init(vocab: [[UInt8]: Int32], merges: [([UInt8], [UInt8])], unkToken: [UInt8]?, fuseUnk: Bool,
         byteFallback: Bool, ignoreMerges: Bool, byteLevel: Bool) throws(BuildError) {
        self.vocab = vocab
        let maxId = vocab.values.max() ?? -1
        var tokens = [[UInt8]](repeating: [], count: Int(maxId) + 1)
        for (k, v) in vocab { tokens[Int(v)] = k }
        self.tokens = tokens
        var entries: [(key: UInt64, rank: Int32, id: Int32)] = []
        entries.reserveCapacity(merges.count)
        for (rank, (a, b)) in merges.enumerated() {
            guard let ia = vocab[a] else { throw .unknownMergePart(index: rank, token: a) }
            guard let ib = vocab[b] else { throw .unknownMergePart(index: rank, token: b) }
            guard let merged = vocab[a + b] else { throw .unknownMergeResult(index: rank, token: a + b) }
            entries.append((UInt64(UInt32(ia)) << 32 | UInt64(UInt32(ib)), Int32(rank), merged))
        }
        self.merges = MergeTable(entries)
        if let unk = unkToken {
            guard let id = vocab[unk] else { throw .unknownUnk(unk) }
            unkId = id
        } else {
            unkId = nil
        }
        self.fuseUnk = fuseUnk
        self.ignoreMerges = ignoreMerges
        self.byteLevel = byteLevel
        self.byteFallback = byteFallback
        let byteIds = IdTable(count: 256)
        let bmpIds = IdTable(count: byteLevel ? 0 : 0x10000)
        var astralIds: [UInt32: Int32] = [:]
        if byteLevel {
            for b in 0..<256 {
                let s = Unicode.Scalar(ByteLevelAlphabet.scalarOfByte[b])!
                byteIds.values[b] = vocab[Array(String(Character(s)).utf8)] ?? -1
            }
        } else {
            if byteFallback {
                for b in 0..<256 {
                    let hex = String(b, radix: 16, uppercase: true)
                    let name = "<0x" + (hex.count == 1 ? "0" + hex : hex) + ">"
                    byteIds.values[b] = vocab[Array(name.utf8)] ?? -1
                }
            }
            for (k, v) in vocab where !k.isEmpty && k.count <= 4 && NormalizedText.scalarLength(k[0]) == k.count {
                let scalar = String(decoding: k, as: UTF8.self).unicodeScalars.first!.value
                if scalar < 0x10000 { bmpIds.values[Int(scalar)] = v } else { astralIds[scalar] = v }
            }
        }
        let space = Array("\u{2581}".utf8)
        metaspaceChunks = !byteLevel && vocab[space] != nil && !vocab.keys.contains { token in
            var i = 0
            while i + 3 <= token.count, token[i] == space[0], token[i + 1] == space[1], token[i + 2] == space[2] { i += 3 }
            return token[i...].indices.contains { j in
                j + 3 <= token.count && token[j] == space[0] && token[j + 1] == space[1] && token[j + 2] == space[2]
            }
        }
        self.byteIds = byteIds
        self.bmpIds = bmpIds
        self.astralIds = astralIds
    }

    /// Appends the tokens of one pre-token `bytes[range]`.
    func tokenize(_ bytes: UnsafeBufferPointer<UInt8>, range: Range<Int>, scratch: BPEScratch,
                  into out: inout [ModelToken]) {
        guard !range.isEmpty else { return }
        if ignoreMerges, let id = wholeWordId(bytes, range) {
            out.append(ModelToken(id: id, start: Int32(range.lowerBound), end: Int32(range.upperBound)))
            return
        }
        scratch.reset(expected: range.count)
        if byteLevel {
            if range.count == 1, byteIds[Int(bytes[range.lowerBound])] >= 0 {  // one-byte word: nothing to merge
                out.append(ModelToken(id: byteIds[Int(bytes[range.lowerBound])], start: Int32(range.lowerBound),
                                      end: Int32(range.upperBound)))
                return
            }
            byteLevelSymbols(bytes, range, scratch)
            mergeAndEmit(scratch, start: range.lowerBound, into: &out)
            return
        }
        guard metaspaceChunks else {
            characterSymbols(bytes, range, scratch)
            mergeAndEmit(scratch, start: range.lowerBound, into: &out)
            return
        }
        // Chunks start where a "▁" follows another character (0xE2 0x96 0x81 is "▁").
        var chunkStart = range.lowerBound
        var i = range.lowerBound + 1
        while i + 2 < range.upperBound {
            if bytes[i] == 0xE2, bytes[i + 1] == 0x96, bytes[i + 2] == 0x81, !endsWithSpace(bytes, i, chunkStart) {
                scratch.reset(expected: i - chunkStart)
                characterSymbols(bytes, chunkStart..<i, scratch)
                mergeAndEmit(scratch, start: chunkStart, into: &out)
                chunkStart = i
                i += 3
            } else {
                i += 1
            }
        }
        scratch.reset(expected: range.upperBound - chunkStart)
        characterSymbols(bytes, chunkStart..<range.upperBound, scratch)
        mergeAndEmit(scratch, start: chunkStart, into: &out)
    }

    /// Whether the character before byte `i` (within [lower, i)) is "▁".
    @inline(__always) private func endsWithSpace(_ bytes: UnsafeBufferPointer<UInt8>, _ i: Int, _ lower: Int) -> Bool {
        i - 3 >= lower && bytes[i - 3] == 0xE2 && bytes[i - 2] == 0x96 && bytes[i - 1] == 0x81
    }

    private func mergeAndEmit(_ scratch: BPEScratch, start: Int, into out: inout [ModelToken]) {
        scratch.mergeAll(merges)
        var pos = Int32(start)
        let symbols = scratch.symbols
        for i in 0..<scratch.symbolCount where symbols[i].len > 0 {
            out.append(ModelToken(id: symbols[i].id, start: pos, end: pos + symbols[i].len))
            pos += symbols[i].len
        }
    }

    private func wholeWordId(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Int32? {
        if byteLevel {
            var spelled: [UInt8] = []
            for b in bytes[range] {
                spelled.append(contentsOf: String(Character(Unicode.Scalar(ByteLevelAlphabet.scalarOfByte[Int(b)])!)).utf8)
            }
            return vocab[spelled]
        }
        return vocab[Array(bytes[range])]
    }

    private func byteLevelSymbols(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, _ word: BPEScratch) {
        for i in range {
            let id = byteIds[Int(bytes[i])]
            if id >= 0 {
                word.add(id: id, len: 1)
            } else if let unk = unkId {
                word.add(id: unk, len: 1)
            }
        }
    }

    /// tokenizers' `merge_word`: one symbol per character, `<0xXX>` byte tokens for characters missing
    /// from the vocabulary (byte fallback), otherwise unk (fused when `fuse_unk`).
    private func characterSymbols(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, _ word: BPEScratch) {
        var pendingUnkId: Int32 = -1
        var pendingUnkLen: Int32 = 0
        var i = range.lowerBound
        while i < range.upperBound {
            let b0 = bytes[i]
            let len = NormalizedText.scalarLength(b0)
            var id: Int32
            if len == 1 {
                id = bmpIds[Int(b0)]
            } else {
                var v = UInt32(b0 & (0xFF >> (len + 1)))
                for k in 1..<len { v = v << 6 | UInt32(bytes[i + k] & 0x3F) }
                id = v < 0x10000 ? bmpIds[Int(v)] : (astralIds[v] ?? -1)
            }
            if id >= 0 {
                if pendingUnkId >= 0 { word.add(id: pendingUnkId, len: pendingUnkLen); pendingUnkId = -1 }
                word.add(id: id, len: Int32(len))
            } else if byteFallback, allBytesKnown(bytes, i, len) {
                for k in i..<i + len { word.add(id: byteIds[Int(bytes[k])], len: 1) }
            } else if let unk = unkId {
                if pendingUnkId >= 0 {
                    if fuseUnk {
                        pendingUnkLen += Int32(len)
                    } else {
                        word.add(id: pendingUnkId, len: pendingUnkLen)
                        pendingUnkId = unk
                        pendingUnkLen = Int32(len)
                    }
                } else {
                    pendingUnkId = unk
                    pendingUnkLen = Int32(len)
                }
            }
            i += len
        }
        if pendingUnkId >= 0 { word.add(id: pendingUnkId, len: pendingUnkLen) }
    }

    private func allBytesKnown(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ len: Int) -> Bool {
        for k in start..<start + len where byteIds[Int(bytes[k])] < 0 { return false }
        return true
    }
}
