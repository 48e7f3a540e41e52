/// Exact fixed-point sums that make merges independent of partition and order.
///
/// Float64 addition is not associative, so merging per-worker Float64 moments in different orders
/// would change the last bits. Each block's Float64 sums (computed by BLAS over at most 2048 rows of
/// one `KeyBlock`) are instead rounded once to a multiple of 2⁻⁶⁴ and stored as `Int128`; merging is
/// integer addition, which is associative and commutative. Resolution 2⁻⁶⁴ ≈ 5.4e-20 absolute,
/// range ±2⁶³ ≈ 9.2e18; anything outside sets `overflowed` (reported at finalize, never wraps).
enum ExactSum {
    static let fractionBits = 64
    static let scale: Double = 18446744073709551616.0  // 2^64
    static let limit: Double = 85070591730234615865843651857942052864.0  // 2^126

    /// `value` rounded to the fixed-point grid; nil when non-finite or out of range.
    /// Fast path: |v·2⁶⁴| < 2⁶³ rounds through Int64; above that v·2⁶⁴ is already an integer (exponent
    /// ≥ 63 > 52), assembled from its significand bits. (The generic `Int128(Double)` is ~50× slower,
    /// which mattered for the 8.4 M entries of a 4096-wide Σxxᵀ per block.)
    @inline(__always)
    static func fixed(_ value: Double) -> Int128? {
        let s = value * scale  // exact: scaling by a power of two
        let a = abs(s)
        if a < 9223372036854775808.0 { return Int128(Int64(s.rounded(.toNearestOrEven))) }
        guard a < limit else { return nil }  // also rejects NaN/Inf
        let mag = Int128(UInt64(1) << 52 | s.significandBitPattern) << (Int(s.exponent) - 52)
        return s < 0 ? -mag : mag
    }

    /// Adds `values` (Float64) into `into` element-wise; returns false on overflow.
    @inline(__always)
    static func add(_ values: UnsafeBufferPointer<Double>, into: inout [Int128]) -> Bool {
        var ok = true
        into.withUnsafeMutableBufferPointer { acc in
            for i in 0..<values.count {
                guard let f = fixed(values[i]) else { ok = false; continue }
                let (s, o) = acc[i].addingReportingOverflow(f)
                if o { ok = false } else { acc[i] = s }
            }
        }
        return ok
    }

    /// Element-wise integer merge; returns false on overflow.
    static func merge(_ other: [Int128], into: inout [Int128]) -> Bool {
        precondition(other.count == into.count)
        var ok = true
        for i in 0..<other.count {
            let (s, o) = into[i].addingReportingOverflow(other[i])
            if o { ok = false } else { into[i] = s }
        }
        return ok
    }

    @inline(__always)
    static func double(_ v: Int128) -> Double { Double(v) / scale }
}
