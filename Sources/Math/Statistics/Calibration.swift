/// The result of phase 1 for one layer (DESIGN §4.1): what workers need for the main pass.
public struct Calibration: Sendable, Equatable {
    /// Key width D.
    public let width: Int
    /// r_eff = min(r, D).
    public let components: Int
    /// Histogram bins B.
    public let bins: Int
    /// Finite calibration tokens used.
    public let count: Int
    /// Calibration tokens left out because a component was NaN/±Inf.
    public let excludedTokens: Int
    /// Per-dimension μ (Float64).
    public let mean: [Double]
    /// Per-dimension σ (divisor n); 0 for constant dimensions.
    public let std: [Double]
    /// λ_1 ≥ … ≥ λ_r of cov(z).
    public let eigenvalues: [Double]
    /// P, `[D, r_eff]` row-major: `basis[d * components + j]`.
    public let basis: [Double]

    public init(width: Int, components: Int, bins: Int, count: Int, excludedTokens: Int,
                mean: [Double], std: [Double], eigenvalues: [Double], basis: [Double]) {
        precondition(mean.count == width && std.count == width && eigenvalues.count == components
                     && basis.count == width * components, "Calibration: inconsistent sizes")
        self.width = width
        self.components = components
        self.bins = bins
        self.count = count
        self.excludedTokens = excludedTokens
        self.mean = mean
        self.std = std
        self.eigenvalues = eigenvalues
        self.basis = basis
    }

    /// Histogram range [lo, hi] of component j: ±6√λ_j, or [0, 0] when λ_j ≤ 0 (§4.7).
    public func binRange(_ j: Int) -> (lo: Double, hi: Double) {
        let l = eigenvalues[j]
        guard l > 0 else { return (0, 0) }
        let h = 6 * l.squareRoot()
        return (-h, h)
    }

    /// Histogram bin (0 = underflow, B+1 = overflow) of value y for component j (§4.7).
    @inline(__always)
    public static func bin(_ y: Double, lo: Double, hi: Double, bins: Int) -> Int {
        if !(hi > lo) { return y < 0 ? 0 : bins + 1 }
        let t = (y - lo) / (hi - lo) * Double(bins)
        if t < 0 { return 0 }
        if t >= Double(bins) { return bins + 1 }
        return 1 + Int(t)
    }

    /// The main-pass projection in Float32: y = k·P̃ − c with P̃ = diag(1/σ)·P (zero rows where σ = 0)
    /// and c = (μ/σ)·P, so y = zP is one matrix product over the raw keys (no centred copy of the keys).
    /// Float32 rounding of c is the price: |y| error ≈ 1e-7·(|c| + |k·P̃|).
    public func projection() -> (matrix: [Float], offset: [Float]) {
        let d = width, r = components
        var m = [Float](repeating: 0, count: d * r)
        var c = [Double](repeating: 0, count: r)
        for i in 0..<d where std[i] > 0 {
            for j in 0..<r {
                let p = basis[i * r + j] / std[i]
                m[i * r + j] = Float(p)
                c[j] += mean[i] * p
            }
        }
        return (m, c.map { Float($0) })
    }

    // MARK: Serialization

    static let magic = "KSCL"
    static let version: UInt16 = 1

    public func serialized() -> [UInt8] {
        var w = BlobWriter(magic: Self.magic, version: Self.version)
        w.i64(width); w.i64(components); w.i64(bins); w.i64(count); w.i64(excludedTokens)
        for v in mean { w.f64(v) }
        for v in std { w.f64(v) }
        for v in eigenvalues { w.f64(v) }
        for v in basis { w.f64(v) }
        return w.sealed()
    }

    public init(serialized bytes: [UInt8]) throws {
        var r = try BlobReader(bytes, magic: Self.magic, version: Self.version, blob: "Calibration")
        let d = try r.count("width", in: 1...CalibrationAccumulator.maxWidth)
        let k = try r.count("components", in: 1...d)
        let b = try r.count("bins", in: 1...(1 << 16))
        let n = try r.count("count", in: 0...Int.max)
        let x = try r.count("excludedTokens", in: 0...Int.max)
        try r.need(2 * d + k + d * k, elementBytes: 8, "arrays")
        var mean = [Double](), std = [Double](), lambda = [Double](), basis = [Double]()
        for _ in 0..<d { mean.append(try r.f64("mean")) }
        for _ in 0..<d { std.append(try r.f64("std")) }
        for _ in 0..<k { lambda.append(try r.f64("eigenvalues")) }
        for _ in 0..<(d * k) { basis.append(try r.f64("basis")) }
        try r.finish()
        self.init(width: d, components: k, bins: b, count: n, excludedTokens: x,
                  mean: mean, std: std, eigenvalues: lambda, basis: basis)
    }

    /// XXH64 of the serialized form: main-pass parts carry it so incompatible merges are refused.
    public var fingerprint: UInt64 { XXH64.hash(serialized(), seed: 0) }
}
