/// One kept token of the key subsample (DESIGN §5): its hash, identity and PCA coordinates.
public struct SubsampleEntry: Sendable, Equatable {
    public var hash: UInt64
    public var sampleId: String
    public var tokenIndex: Int
    /// y, r_eff Float32 values.
    public var y: [Float]

    public init(hash: UInt64, sampleId: String, tokenIndex: Int, y: [Float]) {
        self.hash = hash
        self.sampleId = sampleId
        self.tokenIndex = tokenIndex
        self.y = y
    }

    /// Canonical order: hash, then UTF-8 bytes of the sample id, then token index (hash collisions
    /// are possible in principle; the tie rule keeps the bottom-k well defined).
    @inline(__always)
    public static func precedes(_ a: SubsampleEntry, _ b: SubsampleEntry) -> Bool {
        if a.hash != b.hash { return a.hash < b.hash }
        if a.sampleId != b.sampleId { return a.sampleId.utf8.lexicographicallyPrecedes(b.sampleId.utf8) }
        return a.tokenIndex < b.tokenIndex
    }
}

/// Bottom-k by token hash: a max-heap of the k smallest entries seen. Merging two bottom-k sets and
/// keeping the k smallest gives the global bottom-k, whatever the partition (§5).
public struct KeySubsample: Sendable {
    public let capacity: Int
    private var heap: [SubsampleEntry] = []

    public init(capacity: Int) { self.capacity = max(0, capacity) }

    public var count: Int { heap.count }

    /// Whether an entry with this hash could enter (cheap pre-check before building the entry).
    @inline(__always)
    func mightAccept(hash: UInt64) -> Bool {
        heap.count < capacity || (capacity > 0 && hash <= heap[0].hash)
    }

    public mutating func insert(_ e: SubsampleEntry) {
        guard capacity > 0 else { return }
        if heap.count < capacity {
            heap.append(e)
            var i = heap.count - 1
            while i > 0 {
                let p = (i - 1) / 2
                guard SubsampleEntry.precedes(heap[p], heap[i]) else { break }
                heap.swapAt(p, i); i = p
            }
        } else if SubsampleEntry.precedes(e, heap[0]) {
            heap[0] = e
            var i = 0
            while true {
                let l = 2 * i + 1, r = l + 1
                var largest = i
                if l < heap.count && SubsampleEntry.precedes(heap[largest], heap[l]) { largest = l }
                if r < heap.count && SubsampleEntry.precedes(heap[largest], heap[r]) { largest = r }
                if largest == i { break }
                heap.swapAt(i, largest); i = largest
            }
        }
    }

    public mutating func merge(_ other: KeySubsample) {
        for e in other.heap { insert(e) }
    }

    /// The kept entries in canonical ascending order.
    public var sorted: [SubsampleEntry] { heap.sorted(by: SubsampleEntry.precedes) }
}
