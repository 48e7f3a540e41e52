import Foundation

/// Jensen–Shannon divergence and percentiles exactly as DESIGN §4.3/§4.7 define them.
public enum Divergence {
    /// JSD in bits between two count vectors over the same bins; nil when a side has no tokens.
    public static func jsd(_ a: UnsafeBufferPointer<Int64>, _ b: UnsafeBufferPointer<Int64>) -> Double? {
        precondition(a.count == b.count)
        var sa: Int64 = 0, sb: Int64 = 0
        for i in 0..<a.count { sa += a[i]; sb += b[i] }
        guard sa > 0, sb > 0 else { return nil }
        let na = Double(sa), nb = Double(sb)
        var left = 0.0, right = 0.0
        for i in 0..<a.count {
            let p = Double(a[i]) / na, q = Double(b[i]) / nb
            let m = (p + q) / 2
            if p > 0 { left += p * log2(p / m) }
            if q > 0 { right += q * log2(q / m) }
        }
        return 0.5 * left + 0.5 * right
    }

    public static func jsd(_ a: [Int64], _ b: [Int64]) -> Double? {
        a.withUnsafeBufferPointer { pa in b.withUnsafeBufferPointer { pb in jsd(pa, pb) } }
    }

    /// Percentile q ∈ [0, 100] of `values` with numpy's default linear interpolation (same lerp form).
    public static func percentile(_ values: [Double], _ q: Double) -> Double? {
        guard !values.isEmpty else { return nil }
        let x = values.sorted()
        let v = (q / 100) * Double(x.count - 1)
        let lo = Int(v.rounded(.down)), hi = min(lo + 1, x.count - 1)
        let t = v - Double(lo)
        let a = x[lo], b = x[hi], diff = b - a
        return t >= 0.5 ? b - diff * (1 - t) : a + diff * t
    }
}
