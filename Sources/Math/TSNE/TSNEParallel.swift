import Dispatch

/// A pointer that may cross into `concurrentPerform` workers; each worker writes disjoint rows.
struct TSNEShared<T>: @unchecked Sendable {
    let base: UnsafeMutablePointer<T>
    subscript(i: Int) -> T {
        get { base[i] }
        nonmutating set { base[i] = newValue }
    }
}

/// Fixed chunking over rows so that every reduction happens in chunk order: the result depends
/// only on `n` (never on the thread count or on scheduling), which keeps maps reproducible.
enum TSNEParallel {
    /// Chunk count for `n` rows: enough to balance two to a few dozen threads.
    static func chunkCount(_ n: Int) -> Int { max(1, min(n, 64)) }

    static func range(chunk c: Int, of chunks: Int, n: Int) -> Range<Int> {
        (c * n / chunks)..<((c + 1) * n / chunks)
    }

    /// Runs `body(chunk, rows)` for every chunk, spread statically over `threads` workers.
    static func forEachChunk(n: Int, threads: Int, _ body: (Int, Range<Int>) -> Void) {
        let chunks = chunkCount(n)
        let workers = max(1, min(threads, chunks))
        if workers == 1 {
            for c in 0..<chunks { body(c, range(chunk: c, of: chunks, n: n)) }
            return
        }
        withoutActuallyEscaping(body) { body in
            let box = UnsafeSendableBox(body)
            DispatchQueue.concurrentPerform(iterations: workers) { w in
                var c = w
                while c < chunks {
                    box.value(c, range(chunk: c, of: chunks, n: n))
                    c += workers
                }
            }
        }
    }

    /// Sum of per-chunk values computed in parallel, added in chunk order.
    static func sum(n: Int, threads: Int, _ body: (Range<Int>) -> Double) -> Double {
        let chunks = chunkCount(n)
        var partial = [Double](repeating: 0, count: chunks)
        partial.withUnsafeMutableBufferPointer { p in
            let out = TSNEShared(base: p.baseAddress!)
            forEachChunk(n: n, threads: threads) { c, rows in out[c] = body(rows) }
        }
        return partial.reduce(0, +)
    }
}

struct UnsafeSendableBox<T>: @unchecked Sendable {
    let value: T
    init(_ v: T) { value = v }
}
