/// Phase-2 accumulator for one layer (DESIGN §4.2, §5): histograms H[m][g][j], per-(m, g) moments of
/// y and the bottom-k key subsample per modality. Workers `add` and serialize; the coordinator
/// deserializes, `merge`s in any order and analyses. Serialized bytes are identical for any split.
///
/// y = zP is one Float32 pass over the raw keys, y = k·P̃ − c (`Calibration.projection`), so the keys
/// are read once and never centred or copied. It runs in `ProjectionKernel` rather than sgemm because
/// its bits must not depend on the BLAS thread count (see there). Moments use plain loops (r is small)
/// for the same reason.
/// A token whose y has a NaN/±Inf component (every key with a NaN/±Inf does) is counted in
/// `excludedTokens` and appears nowhere else. Moments use the exact fixed-point scheme of
/// `CalibrationAccumulator` (per block and modality, ≤ 2048 rows per Float64 partial sum).
public struct MainPassAccumulator: Sendable {
    public let calibration: Calibration
    public let calibrationFingerprint: UInt64
    public let groups: Int
    public let subsampleSize: Int
    public let seed: UInt64
    public var components: Int { calibration.components }
    public var bins: Int { calibration.bins }

    /// Counts, index `((m * G + g) * r + j) * (B + 2) + bin`.
    public private(set) var histogram: [Int64]
    /// Token count per (m, g), index `m * G + g`.
    public private(set) var momentCount: [Int64]
    /// Σy per (m, g), fixed point, index `(m * G + g) * r + j`.
    var momentSum: [Int128]
    /// Σyyᵀ upper triangle per (m, g), fixed point, packed row-major.
    var momentSquares: [Int128]
    /// Excluded (non-finite) tokens per modality.
    public private(set) var excludedTokens: [Int64] = [0, 0]
    public private(set) var overflowed = false
    public private(set) var subsample: [KeySubsample]

    private let kernel: ProjectionKernel
    private let ranges: [(lo: Double, hi: Double)]

    var triangle: Int { components * (components + 1) / 2 }

    public init(calibration: Calibration, options: StatisticsOptions) throws {
        try options.validate()
        guard options.bins == calibration.bins else {
            throw StatisticsError.incompatible("MainPassAccumulator: options.bins \(options.bins) ≠ calibration bins \(calibration.bins)")
        }
        self.calibration = calibration
        calibrationFingerprint = calibration.fingerprint
        groups = options.groups
        subsampleSize = options.subsampleSize
        seed = options.seed
        let r = calibration.components, b = calibration.bins
        histogram = [Int64](repeating: 0, count: 2 * options.groups * r * (b + 2))
        momentCount = [Int64](repeating: 0, count: 2 * options.groups)
        momentSum = [Int128](repeating: 0, count: 2 * options.groups * r)
        momentSquares = [Int128](repeating: 0, count: 2 * options.groups * r * (r + 1) / 2)
        subsample = [KeySubsample(capacity: options.subsampleSize), KeySubsample(capacity: options.subsampleSize)]
        let (matrix, offset) = calibration.projection()
        kernel = ProjectionKernel(matrix: matrix, offset: offset, width: calibration.width, components: r)
        ranges = (0..<r).map { calibration.binRange($0) }
    }

    public func histogramIndex(modality m: Modality, group g: Int, component j: Int, bin: Int) -> Int {
        ((Int(m.rawValue) * groups + g) * components + j) * (bins + 2) + bin
    }

    /// Adds one sample's keys for this layer.
    public mutating func add(_ block: KeyBlock) throws {
        try block.validate(width: calibration.width, file: "MainPassAccumulator.add")
        let t = block.keys.rows, r = components, b = bins
        guard t > 0 else { return }
        var y = [Float](repeating: 0, count: t * r)
        block.keys.data.withUnsafeBufferPointer { k in
            y.withUnsafeMutableBufferPointer { out in kernel.apply(keys: k.baseAddress!, rows: t, out: out.baseAddress!) }
        }
        let g = StatHash.group(seed: seed, sampleId: block.sampleId, groups: groups)
        var idBytes = Array(block.sampleId.utf8)
        let idCount = idBytes.count
        var rows = [Double](repeating: 0, count: min(t, CalibrationAccumulator.chunkRows) * r)
        for m in Modality.allCases {
            let mi = Int(m.rawValue)
            var n = 0
            func flush() {
                guard n > 0 else { return }
                addMoments(rows, n: n, cell: mi * groups + g)
                n = 0
            }
            for i in 0..<t where block.modality[i] == m {
                var finite = true
                for j in 0..<r where !y[i * r + j].isFinite { finite = false; break }
                guard finite else { excludedTokens[mi] += 1; continue }
                let base = (mi * groups + g) * r * (b + 2)
                for j in 0..<r {
                    let v = Double(y[i * r + j])
                    rows[n * r + j] = v
                    histogram[base + j * (b + 2) + Calibration.bin(v, lo: ranges[j].lo, hi: ranges[j].hi, bins: b)] += 1
                }
                n += 1
                if n == CalibrationAccumulator.chunkRows { flush() }
                let h = StatHash.tokenHash(seed: seed, sampleIdUTF8: &idBytes, prefixCount: idCount, tokenIndex: block.tokenIndex[i])
                if subsample[mi].mightAccept(hash: h) {
                    subsample[mi].insert(SubsampleEntry(hash: h, sampleId: block.sampleId, tokenIndex: block.tokenIndex[i],
                                                        y: Array(y[(i * r)..<((i + 1) * r)])))
                }
            }
            flush()
        }
    }

    private mutating func addMoments(_ rows: [Double], n: Int, cell: Int) {
        let r = components, tri = triangle
        momentCount[cell] += Int64(n)
        var s = [Double](repeating: 0, count: r)
        var q = [Double](repeating: 0, count: r * r)
        // Plain loops, ascending rows: r is small, and this keeps the bits independent of BLAS threads.
        rows.withUnsafeBufferPointer { a in
            q.withUnsafeMutableBufferPointer { c in
                for row in 0..<n {
                    let y = a.baseAddress! + row * r
                    for i in 0..<r {
                        let yi = y[i]
                        s[i] += yi
                        for j in i..<r { c[i * r + j] += yi * y[j] }
                    }
                }
            }
        }
        for j in 0..<r {
            guard let f = ExactSum.fixed(s[j]) else { overflowed = true; continue }
            let (v, o) = momentSum[cell * r + j].addingReportingOverflow(f)
            if o { overflowed = true } else { momentSum[cell * r + j] = v }
        }
        var p = cell * tri
        for i in 0..<r {
            for j in i..<r {
                if let f = ExactSum.fixed(q[i * r + j]) {
                    let (v, o) = momentSquares[p].addingReportingOverflow(f)
                    if o { overflowed = true } else { momentSquares[p] = v }
                } else { overflowed = true }
                p += 1
            }
        }
    }

    /// Merges another part built with the same calibration and options.
    public mutating func merge(_ other: MainPassAccumulator) throws {
        guard other.calibrationFingerprint == calibrationFingerprint, other.groups == groups,
              other.subsampleSize == subsampleSize, other.seed == seed else {
            throw StatisticsError.incompatible("MainPassAccumulator.merge: parts differ in calibration or options")
        }
        for i in 0..<histogram.count {
            let (v, o) = histogram[i].addingReportingOverflow(other.histogram[i])
            if o { overflowed = true } else { histogram[i] = v }
        }
        for i in 0..<momentCount.count { momentCount[i] += other.momentCount[i] }
        for i in 0..<2 { excludedTokens[i] += other.excludedTokens[i] }
        if !ExactSum.merge(other.momentSum, into: &momentSum) { overflowed = true }
        if !ExactSum.merge(other.momentSquares, into: &momentSquares) { overflowed = true }
        overflowed = overflowed || other.overflowed
        for i in 0..<2 { subsample[i].merge(other.subsample[i]) }
    }

    /// Finite tokens per modality.
    public func tokenCount(_ m: Modality) -> Int64 {
        (0..<groups).reduce(0) { $0 + momentCount[Int(m.rawValue) * groups + $1] }
    }

    // MARK: Serialization

    static let magic = "KSMP"
    /// 2: only (modality, group) cells holding data are written (a unit of a few samples touches a few of
    /// the 2·G cells, so this is what keeps wire bytes ≪ raw key bytes); 1: every cell (still readable).
    static let version: UInt16 = 2

    /// Cells (index m·G + g) with any count or moment; the others are all zero.
    private var occupiedCells: [Int] {
        let r = components, b = bins, tri = triangle
        return (0..<(2 * groups)).filter { c in
            momentCount[c] != 0
                || histogram[(c * r * (b + 2))..<((c + 1) * r * (b + 2))].contains { $0 != 0 }
                || momentSum[(c * r)..<((c + 1) * r)].contains { $0 != 0 }
                || momentSquares[(c * tri)..<((c + 1) * tri)].contains { $0 != 0 }
        }
    }

    /// Histogram counts are LEB128 varints (mostly 0 or small); moments are Int128; only occupied cells are
    /// written, in ascending order; the subsample is written in canonical order, so equal accumulators give
    /// equal bytes.
    public func serialized() -> [UInt8] { serialized(version: Self.version) }

    /// `version` 1 writes every cell densely (what older builds wrote; kept so tests prove it still reads).
    func serialized(version: UInt16) -> [UInt8] {
        var w = BlobWriter(magic: Self.magic, version: version)
        w.u64(calibrationFingerprint)
        w.i64(components); w.i64(bins); w.i64(groups); w.i64(subsampleSize); w.u64(seed)
        w.u8(overflowed ? 1 : 0)
        for v in excludedTokens { w.varint(UInt64(v)) }
        let r = components, b = bins, tri = triangle
        if version == 1 {
            for v in histogram { w.varint(UInt64(v)) }
            for v in momentCount { w.varint(UInt64(v)) }
            for v in momentSum { w.i128(v) }
            for v in momentSquares { w.i128(v) }
        }
        let cells = version == 1 ? [] : occupiedCells
        if version != 1 { w.i64(cells.count) }
        for c in cells {
            w.i64(c)
            for v in histogram[(c * r * (b + 2))..<((c + 1) * r * (b + 2))] { w.varint(UInt64(v)) }
            w.varint(UInt64(momentCount[c]))
            for v in momentSum[(c * r)..<((c + 1) * r)] { w.i128(v) }
            for v in momentSquares[(c * tri)..<((c + 1) * tri)] { w.i128(v) }
        }
        for s in subsample {
            let entries = s.sorted
            w.i64(entries.count)
            for e in entries {
                w.u64(e.hash); w.i64(e.tokenIndex); w.string(e.sampleId)
                for v in e.y { w.f32(v) }
            }
        }
        return w.sealed()
    }

    /// Reads a part; `calibration` must be the one it was built with (checked by fingerprint).
    public init(serialized bytes: [UInt8], calibration: Calibration) throws {
        let blob = "MainPassAccumulator"
        var r = try BlobReader(bytes, magic: Self.magic, versions: 1...Self.version, blob: blob)
        let fp = try r.u64("calibrationFingerprint")
        guard fp == calibration.fingerprint else { throw r.invalid("calibrationFingerprint", "does not match the given calibration") }
        let comps = try r.count("components", in: 1...4096)
        let b = try r.count("bins", in: 1...(1 << 16))
        guard comps == calibration.components, b == calibration.bins else {
            throw r.invalid("components/bins", "differ from the calibration")
        }
        let g = try r.count("groups", in: 1...(1 << 16))
        let k = try r.count("subsampleSize", in: 0...(1 << 24))
        let seed = try r.u64("seed")
        if r.version == 1 {
            try r.need(2 * g * comps * (b + 2), elementBytes: 1, "histogram")
            try r.need(2 * g * comps * (comps + 3) / 2, elementBytes: 16, "moments")
        } else {
            // Sparse cells: the dense arrays are allocated from the header alone, so bound them first.
            guard 2 * g * comps * (b + 2) <= 1 << 26 else { throw r.invalid("groups", "\(g) groups × \(comps) × \(b + 2) bins exceed 2^26 counts") }
        }
        var options = StatisticsOptions(components: comps, bins: b, groups: g, subsampleSize: k, seed: seed)
        options.calibrationSamples = 1
        try self.init(calibration: calibration, options: options)
        let flag = try r.u8("overflowed")
        guard flag <= 1 else { throw r.invalid("overflowed", "flag \(flag)") }
        overflowed = flag == 1
        func count(_ f: String) throws -> Int64 {
            let v = try r.varint(f)
            guard v <= UInt64(Int64.max) else { throw r.invalid(f, "count \(v) too large") }
            return Int64(v)
        }
        for i in 0..<2 { excludedTokens[i] = try count("excludedTokens") }
        if r.version == 1 {
            for i in 0..<histogram.count { histogram[i] = try count("histogram") }
            for i in 0..<momentCount.count { momentCount[i] = try count("momentCount") }
            for i in 0..<momentSum.count { momentSum[i] = try r.i128("momentSum") }
            for i in 0..<momentSquares.count { momentSquares[i] = try r.i128("momentSquares") }
        } else {
            let tri = triangle, cellBins = comps * (b + 2)
            let n = try r.count("cells.count", in: 0...(2 * g), elementBytes: 9 + cellBins + 16 * (comps + tri))
            var last = -1
            for _ in 0..<n {
                let c = try r.count("cell", in: 0...(2 * g - 1))
                guard c > last else { throw r.invalid("cell", "cells not in ascending order") }
                last = c
                for i in (c * cellBins)..<((c + 1) * cellBins) { histogram[i] = try count("histogram") }
                momentCount[c] = try count("momentCount")
                for i in (c * comps)..<((c + 1) * comps) { momentSum[i] = try r.i128("momentSum") }
                for i in (c * tri)..<((c + 1) * tri) { momentSquares[i] = try r.i128("momentSquares") }
            }
        }
        for m in 0..<2 {
            let n = try r.count("subsample.count", in: 0...k, elementBytes: 20 + 4 * comps)
            var previous: SubsampleEntry?
            for _ in 0..<n {
                let h = try r.u64("subsample.hash")
                let ti = try r.i64("subsample.tokenIndex")
                let id = try r.string("subsample.sampleId")
                var y = [Float](); y.reserveCapacity(comps)
                for _ in 0..<comps { y.append(try r.f32("subsample.y")) }
                let e = SubsampleEntry(hash: h, sampleId: id, tokenIndex: ti, y: y)
                if let p = previous, !SubsampleEntry.precedes(p, e) { throw r.invalid("subsample", "entries not in canonical order") }
                previous = e
                subsample[m].insert(e)
            }
        }
        try r.finish()
    }
}
