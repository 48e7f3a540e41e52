// Per-call working memory of the BPE merge loop, reused across the words of one encode call.

final class BPEScratch {
    struct Symbol {
        var id: Int32
        var prev: Int32
        var next: Int32
        var len: Int32
    }

    struct Entry {
        var rank: Int32
        var pos: Int32
        var id: Int32
    }

    var symbols: UnsafeMutablePointer<Symbol>
    var symbolCapacity: Int
    var symbolCount = 0
    var heap: UnsafeMutablePointer<Entry>
    var heapCapacity: Int

    init() {
        symbolCapacity = 64
        symbols = .allocate(capacity: symbolCapacity)
        heapCapacity = 64
        heap = .allocate(capacity: heapCapacity)
    }

    deinit {
        symbols.deallocate()
        heap.deallocate()
    }

    func reset(expected: Int) {
        symbolCount = 0
        if expected > symbolCapacity {
            symbols.deallocate()
            symbolCapacity = expected
            symbols = .allocate(capacity: symbolCapacity)
        }
    }

    func add(id: Int32, len: Int32) {
        if symbolCount == symbolCapacity {
            let bigger = UnsafeMutablePointer<Symbol>.allocate(capacity: symbolCapacity * 2)
            bigger.moveInitialize(from: symbols, count: symbolCount)
            symbols.deallocate()
            symbols = bigger
            symbolCapacity *= 2
        }
        let n = Int32(symbolCount)
        if n > 0 { symbols[symbolCount - 1].next = n }
        symbols[symbolCount] = Symbol(id: id, prev: n - 1, next: -1, len: len)
        symbolCount += 1
    }

    @inline(__always) static func less(_ a: Entry, _ b: Entry) -> Bool {
        a.rank != b.rank ? a.rank < b.rank : a.pos < b.pos
    }

    @inline(__always) static func push(_ e: Entry, _ heap: UnsafeMutablePointer<Entry>, _ count: inout Int) {
        var i = count
        heap[i] = e
        count += 1
        while i > 0 {
            let parent = (i - 1) >> 1
            if less(heap[i], heap[parent]) {
                let t = heap[i]; heap[i] = heap[parent]; heap[parent] = t
                i = parent
            } else {
                break
            }
        }
    }

    @inline(__always) static func pop(_ heap: UnsafeMutablePointer<Entry>, _ count: inout Int) -> Entry {
        let first = heap[0]
        count -= 1
        let n = count
        if n > 0 {
            heap[0] = heap[n]
            var i = 0
            while true {
                let l = 2 * i + 1, r = l + 1
                var m = i
                if l < n, less(heap[l], heap[m]) { m = l }
                if r < n, less(heap[r], heap[m]) { m = r }
                if m == i { break }
                let t = heap[i]; heap[i] = heap[m]; heap[m] = t
                i = m
            }
        }
        return first
    }

    /// tokenizers' `Word::merge_all`: lowest (rank, position) first; an entry is stale unless the pair at
    /// its position still merges into the same id.
    func mergeAll(_ merges: MergeTable) {
        let count = symbolCount
        guard count > 1 else { return }
        // At most count - 1 initial entries plus two per merge (at most count - 1 merges).
        let needed = 3 * count
        if needed > heapCapacity {
            heap.deallocate()
            heapCapacity = needed
            heap = .allocate(capacity: heapCapacity)
        }
        let heap = self.heap
        let symbols = self.symbols
        var heapCount = 0
        for i in 0..<(count - 1) {
            let slot = merges.find(symbols[i].id, symbols[i + 1].id)
            if slot >= 0 {
                BPEScratch.push(Entry(rank: merges.rank(slot), pos: Int32(i), id: merges.id(slot)), heap, &heapCount)
            }
        }
        while heapCount > 0 {
            let top = BPEScratch.pop(heap, &heapCount)
            let pos = Int(top.pos)
            if symbols[pos].len == 0 || symbols[pos].next == -1 { continue }
            let nextPos = Int(symbols[pos].next)
            let right = symbols[nextPos]
            let slot = merges.find(symbols[pos].id, right.id)
            if slot < 0 || merges.id(slot) != top.id { continue }
            symbols[pos].id = top.id
            symbols[pos].len += right.len
            symbols[pos].next = right.next
            symbols[nextPos].len = 0
            if right.next >= 0 && Int(right.next) < count { symbols[Int(right.next)].prev = top.pos }
            let merged = symbols[pos]
            if merged.prev >= 0 {
                let s = merges.find(symbols[Int(merged.prev)].id, merged.id)
                if s >= 0 { BPEScratch.push(Entry(rank: merges.rank(s), pos: merged.prev, id: merges.id(s)), heap, &heapCount) }
            }
            if merged.next >= 0 && Int(merged.next) < count {
                let s = merges.find(merged.id, symbols[Int(merged.next)].id)
                if s >= 0 { BPEScratch.push(Entry(rank: merges.rank(s), pos: top.pos, id: merges.id(s)), heap, &heapCount) }
            }
        }
    }
}
