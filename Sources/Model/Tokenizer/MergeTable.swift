// Flat lookup tables for the BPE hot path. Raw pointers (not Dictionary/Array) because their subscripts are
// transparent: the tokenizer stays fast even in unoptimized debug builds, where the test suite runs.

/// Immutable after init, so sharing across threads is safe.
final class MergeTable: @unchecked Sendable {
    private let keys: UnsafeMutablePointer<UInt64>
    private let ranks: UnsafeMutablePointer<Int32>
    private let ids: UnsafeMutablePointer<Int32>
    private let mask: Int
    private let shift: UInt64
    static let empty = UInt64.max

    /// `entries`: (left << 32 | right, rank, merged id); a later duplicate key overwrites an earlier one.
    init(_ entries: [(key: UInt64, rank: Int32, id: Int32)]) {
        var bits = 4
        while (1 << bits) < entries.count * 2 { bits += 1 }
        let capacity = 1 << bits
        mask = capacity - 1
        shift = UInt64(64 - bits)
        keys = .allocate(capacity: capacity)
        keys.initialize(repeating: MergeTable.empty, count: capacity)
        ranks = .allocate(capacity: capacity)
        ranks.initialize(repeating: 0, count: capacity)
        ids = .allocate(capacity: capacity)
        ids.initialize(repeating: 0, count: capacity)
        for e in entries {
            var slot = Int(truncatingIfNeeded: (e.key &* 0x9E37_79B9_7F4A_7C15) >> shift)
            while keys[slot] != MergeTable.empty && keys[slot] != e.key { slot = (slot + 1) & mask }
            keys[slot] = e.key
            ranks[slot] = e.rank
            ids[slot] = e.id
        }
    }

    deinit {
        keys.deallocate()
        ranks.deallocate()
        ids.deallocate()
    }

    /// Slot of the merge of (left, right), or -1.
    @inline(__always) func find(_ left: Int32, _ right: Int32) -> Int {
        let key = UInt64(UInt32(bitPattern: left)) << 32 | UInt64(UInt32(bitPattern: right))
        var slot = Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> shift)
        while true {
            let k = keys[slot]
            if k == key { return slot }
            if k == MergeTable.empty { return -1 }
            slot = (slot + 1) & mask
        }
    }

    @inline(__always) func rank(_ slot: Int) -> Int32 { ranks[slot] }
    @inline(__always) func id(_ slot: Int) -> Int32 { ids[slot] }
}

/// A fixed-size Int32 table (byte → id, BMP scalar → id), -1 where absent.
final class IdTable: @unchecked Sendable {
    let values: UnsafeMutablePointer<Int32>
    let count: Int

    init(count: Int) {
        self.count = count
        values = .allocate(capacity: count)
        values.initialize(repeating: -1, count: count)
    }

    deinit { values.deallocate() }

    @inline(__always) subscript(i: Int) -> Int32 { values[i] }
}
