import COpenBLAS

/// Phase-1 accumulator (DESIGN §4.1): pooled token count, Σx and Σxxᵀ over both modalities.
///
/// Determinism: each `add` works on one `KeyBlock` in chunks of at most 2048 rows from row 0; a chunk's
/// Float64 sums (Σx by a fixed loop, Σxxᵀ by `dsyrk`) are rounded once into exact fixed point
/// (`ExactSum`) and merged by integer addition. The serialized bytes therefore depend only on the
/// *set* of blocks added — not on how they were split between workers or the order of merges.
///
/// Non-finite keys: a token with any NaN/±Inf component is counted in `excludedTokens` and left out of
/// every sum (a single bad value would otherwise poison μ, σ and the whole PCA).
///
/// Per-dimension minimum and maximum are tracked (exactly mergeable) so that σ = 0 is decided exactly
/// (min == max) rather than by a rounded variance.
public struct CalibrationAccumulator: Sendable, Equatable {
    public let width: Int
    public private(set) var count: Int = 0
    public private(set) var excludedTokens: Int = 0
    public private(set) var overflowed = false
    var minimum: [Float]
    var maximum: [Float]
    /// Σx, fixed point.
    var sum: [Int128]
    /// Σxxᵀ upper triangle, row-major packed (i ≤ j), fixed point.
    var sumSquares: [Int128]

    static let chunkRows = 2048
    static let maxWidth = 1 << 15

    public init(width: Int) {
        precondition(width > 0 && width <= Self.maxWidth, "CalibrationAccumulator: width \(width) outside 1...\(Self.maxWidth)")
        self.width = width
        minimum = [Float](repeating: .infinity, count: width)
        maximum = [Float](repeating: -.infinity, count: width)
        sum = [Int128](repeating: 0, count: width)
        sumSquares = [Int128](repeating: 0, count: width * (width + 1) / 2)
    }

    /// Adds one sample's keys (both modalities pooled).
    public mutating func add(_ block: KeyBlock) throws {
        try block.validate(width: width, file: "CalibrationAccumulator.add")
        let d = width, t = block.keys.rows
        var start = 0
        var chunk = [Double](repeating: 0, count: min(t, Self.chunkRows) * d)
        var square = [Double](repeating: 0, count: d * d)
        var colSum = [Double](repeating: 0, count: d)
        while start < t {
            let end = min(t, start + Self.chunkRows)
            var n = 0
            block.keys.data.withUnsafeBufferPointer { k in
                chunk.withUnsafeMutableBufferPointer { c in
                    for row in start..<end {
                        let src = k.baseAddress! + row * d
                        var finite = true
                        for i in 0..<d where !src[i].isFinite { finite = false; break }
                        guard finite else { excludedTokens += 1; continue }
                        let dst = c.baseAddress! + n * d
                        for i in 0..<d {
                            let v = src[i]
                            dst[i] = Double(v)
                            if v < minimum[i] { minimum[i] = v }
                            if v > maximum[i] { maximum[i] = v }
                        }
                        n += 1
                    }
                }
            }
            if n > 0 {
                for i in 0..<d { colSum[i] = 0 }
                chunk.withUnsafeBufferPointer { c in
                    for row in 0..<n { for i in 0..<d { colSum[i] += c[row * d + i] } }
                    square.withUnsafeMutableBufferPointer { s in
                        BLAS.dsyrkTransposed(n: d, k: n, a: c.baseAddress!, lda: d, c: s.baseAddress!, ldc: d)
                    }
                }
                colSum.withUnsafeBufferPointer { if !ExactSum.add($0, into: &sum) { overflowed = true } }
                square.withUnsafeBufferPointer { s in
                    sumSquares.withUnsafeMutableBufferPointer { acc in
                        var p = 0
                        for i in 0..<d {
                            for j in i..<d {
                                if let f = ExactSum.fixed(s[i * d + j]) {
                                    let (v, o) = acc[p].addingReportingOverflow(f)
                                    if o { overflowed = true } else { acc[p] = v }
                                } else { overflowed = true }
                                p += 1
                            }
                        }
                    }
                }
                count += n
            }
            start = end
        }
    }

    /// Merges another part (any order, any split: the result is bit-identical).
    public mutating func merge(_ other: CalibrationAccumulator) throws {
        guard other.width == width else {
            throw StatisticsError.incompatible("CalibrationAccumulator.merge: width \(other.width) ≠ \(width)")
        }
        count += other.count
        excludedTokens += other.excludedTokens
        overflowed = overflowed || other.overflowed
        for i in 0..<width {
            minimum[i] = min(minimum[i], other.minimum[i])
            maximum[i] = max(maximum[i], other.maximum[i])
        }
        if !ExactSum.merge(other.sum, into: &sum) { overflowed = true }
        if !ExactSum.merge(other.sumSquares, into: &sumSquares) { overflowed = true }
    }

    // MARK: Serialization

    static let magic = "KSCA"
    static let version: UInt16 = 1

    public func serialized() -> [UInt8] {
        var w = BlobWriter(magic: Self.magic, version: Self.version)
        w.i64(width); w.i64(count); w.i64(excludedTokens); w.u8(overflowed ? 1 : 0)
        for v in minimum { w.f32(v) }
        for v in maximum { w.f32(v) }
        for v in sum { w.i128(v) }
        for v in sumSquares { w.i128(v) }
        return w.sealed()
    }

    public init(serialized bytes: [UInt8]) throws {
        let blob = "CalibrationAccumulator"
        var r = try BlobReader(bytes, magic: Self.magic, version: Self.version, blob: blob)
        let d = try r.count("width", in: 1...Self.maxWidth)
        try r.need(d * (d + 1) / 2, elementBytes: 16, "sumSquares")
        self.init(width: d)
        count = try r.count("count", in: 0...Int.max)
        excludedTokens = try r.count("excludedTokens", in: 0...Int.max)
        let flag = try r.u8("overflowed")
        guard flag <= 1 else { throw r.invalid("overflowed", "flag \(flag)") }
        overflowed = flag == 1
        for i in 0..<d { minimum[i] = try r.f32("minimum") }
        for i in 0..<d { maximum[i] = try r.f32("maximum") }
        for i in 0..<d { sum[i] = try r.i128("sum") }
        for i in 0..<sumSquares.count { sumSquares[i] = try r.i128("sumSquares") }
        try r.finish()
    }

    // MARK: Finalize

    /// μ, σ (divisor n), covariance of z, PCA (DESIGN §4.1 and §4.7).
    ///
    /// Covariance is formed from the exact raw moments as Σxxᵀ/n − μμᵀ in Float64. Dimensions with
    /// min == max have σ = 0 and z = 0; the PCA is solved (LAPACK `dsyevd`) on the remaining block of
    /// cov(z), and each constant dimension d contributes the exact eigenpair (0, e_d) — that is what
    /// the full matrix has mathematically, and it keeps λ exactly 0 so both implementations take the
    /// λ ≤ 0 binning rule. Eigenpairs are sorted by λ descending (ties: solver pairs first, then
    /// constant dimensions by index); each vector's largest-|·| entry (first on ties) is made positive.
    public func finalize(options: StatisticsOptions) throws -> Calibration {
        try options.validate()
        guard !overflowed else {
            throw StatisticsError.overflow("CalibrationAccumulator.finalize: fixed-point range exceeded (|Σxx| ≥ 2^63)")
        }
        guard count > 0 else {
            throw StatisticsError.noTokens("CalibrationAccumulator.finalize: no finite calibration tokens")
        }
        let d = width, n = Double(count)
        let mean = sum.map { ExactSum.double($0) / n }
        var cov = [Double](repeating: 0, count: d * d)
        var p = 0
        for i in 0..<d {
            for j in i..<d {
                let c = ExactSum.double(sumSquares[p]) / n - mean[i] * mean[j]
                cov[i * d + j] = c; cov[j * d + i] = c
                p += 1
            }
        }
        var std = [Double](repeating: 0, count: d)
        var active: [Int] = []
        for i in 0..<d where minimum[i] != maximum[i] && cov[i * d + i] > 0 {
            std[i] = cov[i * d + i].squareRoot()
            active.append(i)
        }
        let m = active.count
        var pairs: [(lambda: Double, vector: [Double])] = []
        if m > 0 {
            var a = [Double](repeating: 0, count: m * m)
            for (x, i) in active.enumerated() {
                for (y, j) in active.enumerated() { a[x * m + y] = cov[i * d + j] / (std[i] * std[j]) }
            }
            let (w, vectors) = try Self.symmetricEigen(a, n: m)
            for k in stride(from: m - 1, through: 0, by: -1) {
                var v = [Double](repeating: 0, count: d)
                for (x, i) in active.enumerated() { v[i] = vectors[k * m + x] }
                pairs.append((w[k], v))
            }
        }
        var constants: [(lambda: Double, vector: [Double])] = []
        for i in 0..<d where std[i] == 0 {
            var v = [Double](repeating: 0, count: d); v[i] = 1
            constants.append((0, v))
        }
        // Merge the two descending lists (stable: solver pairs before exact zeros on ties).
        var ordered: [(lambda: Double, vector: [Double])] = []
        var a = 0, b = 0
        while a < pairs.count || b < constants.count {
            if b == constants.count || (a < pairs.count && pairs[a].lambda >= constants[b].lambda) {
                ordered.append(pairs[a]); a += 1
            } else { ordered.append(constants[b]); b += 1 }
        }
        let r = min(options.components, d)
        var basis = [Double](repeating: 0, count: d * r)
        var lambdas = [Double](repeating: 0, count: r)
        for j in 0..<r {
            var v = ordered[j].vector
            var best = 0
            for i in 1..<d where abs(v[i]) > abs(v[best]) { best = i }
            if v[best] < 0 { for i in 0..<d { v[i] = -v[i] } }
            for i in 0..<d { basis[i * r + j] = v[i] }
            lambdas[j] = ordered[j].lambda
        }
        return Calibration(width: d, components: r, bins: options.bins, count: count, excludedTokens: excludedTokens,
                           mean: mean, std: std, eigenvalues: lambdas, basis: basis)
    }

    /// LAPACK dsyevd on a symmetric n×n matrix: ascending eigenvalues; vector k at `vectors[k*n ..< (k+1)*n]`.
    static func symmetricEigen(_ matrix: [Double], n: Int) throws -> ([Double], [Double]) {
        var a = matrix
        var w = [Double](repeating: 0, count: n)
        var nn = Int32(n), lda = Int32(n), info: Int32 = 0
        var lwork: Int32 = -1, liwork: Int32 = -1
        var wq = [Double](repeating: 0, count: 1), iwq = [Int32](repeating: 0, count: 1)
        dsyevd_("V", "U", &nn, &a, &lda, &w, &wq, &lwork, &iwq, &liwork, &info)
        guard info == 0 else { throw StatisticsError.lapack("dsyevd workspace query failed, info \(info)") }
        lwork = Int32(wq[0]); liwork = iwq[0]
        var work = [Double](repeating: 0, count: Int(lwork))
        var iwork = [Int32](repeating: 0, count: Int(max(liwork, 1)))
        dsyevd_("V", "U", &nn, &a, &lda, &w, &work, &lwork, &iwork, &liwork, &info)
        guard info == 0 else { throw StatisticsError.lapack("dsyevd failed, info \(info) (n = \(n))") }
        return (w, a)
    }
}
