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
    /// (left id << 32 | right id) → (rank, merged id).
    let merges: [UInt64: MergeTarget]
    let unkId: Int32?
    let fuseUnk: Bool
    let ignoreMerges: Bool
    /// Byte-level input: each input byte is one initial symbol, spelled in the GPT-2 alphabet.
    let byteLevel: Bool
    /// Id of the initial symbol of each byte (byte-level), or of `<0xXX>` (byte fallback); -1 if absent.
    let byteIds: [Int32]
    let byteFallback: Bool
    /// Ids of single-scalar tokens for character input (a fast path around hashing byte arrays).
    let scalarIds: [UInt32: Int32]

    struct MergeTarget: Sendable {
        var rank: Int32
        var id: Int32
    }

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
        var table: [UInt64: MergeTarget] = [:]
        table.reserveCapacity(merges.count)
        for (rank, (a, b)) in merges.enumerated() {
            guard let ia = vocab[a] else { throw .unknownMergePart(index: rank, token: a) }
            guard let ib = vocab[b] else { throw .unknownMergePart(index: rank, token: b) }
            guard let merged = vocab[a + b] else { throw .unknownMergeResult(index: rank, token: a + b) }
            let key = UInt64(UInt32(ia)) << 32 | UInt64(UInt32(ib))
            // HashMap::from_iter semantics: a later duplicate pair overwrites an earlier one.
            table[key] = MergeTarget(rank: Int32(rank), id: merged)
        }
        self.merges = table
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
        var byteIds = [Int32](repeating: -1, count: 256)
        var scalarIds: [UInt32: Int32] = [:]
        if byteLevel {
            for b in 0..<256 {
                let s = Unicode.Scalar(ByteLevelAlphabet.scalarOfByte[b])!
                byteIds[b] = vocab[Array(String(Character(s)).utf8)] ?? -1
            }
        } else {
            if byteFallback {
                for b in 0..<256 {
                    let hex = String(b, radix: 16, uppercase: true)
                    let name = "<0x" + (hex.count == 1 ? "0" + hex : hex) + ">"
                    byteIds[b] = vocab[Array(name.utf8)] ?? -1
                }
            }
            for (k, v) in vocab where !k.isEmpty && k.count <= 4 && NormalizedText.scalarLength(k[0]) == k.count {
                let scalar = String(decoding: k, as: UTF8.self).unicodeScalars.first!
                scalarIds[scalar.value] = v
            }
        }
        self.byteIds = byteIds
        self.scalarIds = scalarIds
    }

    /// Appends the tokens of one pre-token `bytes[range]`.
    func tokenize(_ bytes: [UInt8], range: Range<Int>, into out: inout [ModelToken]) {
        guard !range.isEmpty else { return }
        if ignoreMerges, let id = wholeWordId(bytes, range) {
            out.append(ModelToken(id: id, start: Int32(range.lowerBound), end: Int32(range.upperBound)))
            return
        }
        var word = BPEWord()
        initialSymbols(bytes, range, &word)
        word.mergeAll(merges)
        var pos = Int32(range.lowerBound)
        for s in word.symbols where s.len > 0 {
            out.append(ModelToken(id: s.id, start: pos, end: pos + s.len))
            pos += s.len
        }
    }

    private func wholeWordId(_ bytes: [UInt8], _ range: Range<Int>) -> Int32? {
        if byteLevel {
            var spelled: [UInt8] = []
            for b in bytes[range] {
                spelled.append(contentsOf: String(Character(Unicode.Scalar(ByteLevelAlphabet.scalarOfByte[Int(b)])!)).utf8)
            }
            return vocab[spelled]
        }
        return vocab[Array(bytes[range])]
    }

    private func initialSymbols(_ bytes: [UInt8], _ range: Range<Int>, _ word: inout BPEWord) {
        word.symbols.reserveCapacity(range.count)
        if byteLevel {
            for i in range {
                let id = byteIds[Int(bytes[i])]
                if id >= 0 {
                    word.add(id: id, len: 1)
                } else if let unk = unkId {
                    word.add(id: unk, len: 1)
                }
            }
            return
        }
        var pendingUnk: (id: Int32, len: Int32)? = nil
        var i = range.lowerBound
        while i < range.upperBound {
            let len = NormalizedText.scalarLength(bytes[i])
            var v = UInt32(len == 1 ? bytes[i] : bytes[i] & (0xFF >> (len + 1)))
            for k in 1..<max(len, 1) { v = v << 6 | UInt32(bytes[i + k] & 0x3F) }
            let id = scalarIds[v]
            if let id {
                if let u = pendingUnk { word.add(id: u.id, len: u.len); pendingUnk = nil }
                word.add(id: id, len: Int32(len))
            } else if byteFallback, (i..<i + len).allSatisfy({ byteIds[Int(bytes[$0])] >= 0 }) {
                for k in i..<i + len { word.add(id: byteIds[Int(bytes[k])], len: 1) }
            } else if let unk = unkId {
                if let u = pendingUnk {
                    if fuseUnk {
                        pendingUnk = (u.id, u.len + Int32(len))
                    } else {
                        word.add(id: u.id, len: u.len)
                        pendingUnk = (unk, Int32(len))
                    }
                } else {
                    pendingUnk = (unk, Int32(len))
                }
            }
            i += len
        }
        if let u = pendingUnk { word.add(id: u.id, len: u.len) }
    }
}

/// The symbols of one word during merging (tokenizers' `Word`).
struct BPEWord {
    struct Symbol {
        var id: Int32
        var prev: Int32
        var next: Int32
        var len: Int32
    }

    var symbols: [Symbol] = []

    mutating func add(id: Int32, len: Int32) {
        let n = Int32(symbols.count)
        if n > 0 { symbols[Int(n - 1)].next = n }
        symbols.append(Symbol(id: id, prev: n - 1, next: -1, len: len))
    }

    mutating func mergeAll(_ merges: [UInt64: BPEModel.MergeTarget]) {
        let count = symbols.count
        guard count > 1 else { return }
        var heap = MergeHeap()
        heap.items.reserveCapacity(count)
        for i in 0..<(count - 1) {
            if let m = merges[BPEWord.key(symbols[i].id, symbols[i + 1].id)] {
                heap.items.append(MergeHeap.Entry(rank: m.rank, pos: Int32(i), id: m.id))
            }
        }
        heap.heapify()
        while let top = heap.pop() {
            let pos = Int(top.pos)
            if symbols[pos].len == 0 || symbols[pos].next == -1 { continue }
            let nextPos = Int(symbols[pos].next)
            let right = symbols[nextPos]
            // Skip expired entries: the pair at `pos` must still merge into the same id.
            guard let current = merges[BPEWord.key(symbols[pos].id, right.id)], current.id == top.id else { continue }
            symbols[pos].id = top.id
            symbols[pos].len += right.len
            symbols[pos].next = right.next
            symbols[nextPos].len = 0
            if right.next >= 0 && Int(right.next) < count { symbols[Int(right.next)].prev = top.pos }
            let merged = symbols[pos]
            if merged.prev >= 0, let m = merges[BPEWord.key(symbols[Int(merged.prev)].id, merged.id)] {
                heap.push(MergeHeap.Entry(rank: m.rank, pos: merged.prev, id: m.id))
            }
            if merged.next >= 0, Int(merged.next) < count,
               let m = merges[BPEWord.key(merged.id, symbols[Int(merged.next)].id)] {
                heap.push(MergeHeap.Entry(rank: m.rank, pos: top.pos, id: m.id))
            }
        }
    }

    @inline(__always) static func key(_ a: Int32, _ b: Int32) -> UInt64 {
        UInt64(UInt32(bitPattern: a)) << 32 | UInt64(UInt32(bitPattern: b))
    }
}

/// Binary min-heap ordered by (rank, position).
struct MergeHeap {
    struct Entry {
        var rank: Int32
        var pos: Int32
        var id: Int32

        @inline(__always) static func less(_ a: Entry, _ b: Entry) -> Bool {
            a.rank != b.rank ? a.rank < b.rank : a.pos < b.pos
        }
    }

    var items: [Entry] = []

    mutating func heapify() {
        guard items.count > 1 else { return }
        for i in stride(from: items.count / 2 - 1, through: 0, by: -1) { siftDown(i) }
    }

    mutating func push(_ e: Entry) {
        items.append(e)
        var i = items.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            if Entry.less(items[i], items[parent]) {
                items.swapAt(i, parent)
                i = parent
            } else {
                break
            }
        }
    }

    mutating func pop() -> Entry? {
        guard let first = items.first else { return nil }
        let last = items.removeLast()
        if !items.isEmpty {
            items[0] = last
            siftDown(0)
        }
        return first
    }

    private mutating func siftDown(_ start: Int) {
        var i = start
        let n = items.count
        while true {
            let l = 2 * i + 1, r = l + 1
            var m = i
            if l < n, Entry.less(items[l], items[m]) { m = l }
            if r < n, Entry.less(items[r], items[m]) { m = r }
            if m == i { return }
            items.swapAt(i, m)
            i = m
        }
    }
}
