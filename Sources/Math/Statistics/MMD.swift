import Foundation

/// Unbiased MMD² with an RBF kernel and median-distance bandwidth, plus a hash-defined permutation
/// p-value (DESIGN §4.6, §4.7).
public enum MMD {
    public struct Result: Sendable, Equatable {
        public var mmd2: Double
        public var bandwidth: Double
        public var pValue: Double
        public var permutations: Int
    }

    /// `x` (n × dim) then `y` (m × dim), row-major Float64, already in pooled order. nil when a side
    /// has fewer than 2 points or the median distance is 0.
    public static func test(x: [Double], n: Int, y: [Double], m: Int, dim: Int, permutations: Int, seed: UInt64) -> Result? {
        guard n >= 2, m >= 2, dim > 0 else { return nil }
        let total = n + m
        let z = x + y
        var d2 = [Double](repeating: 0, count: total * total)
        var distances = [Double](); distances.reserveCapacity(total * (total - 1) / 2)
        z.withUnsafeBufferPointer { p in
            for i in 0..<total {
                for j in (i + 1)..<max(total, i + 1) {
                    var s = 0.0
                    for c in 0..<dim { let t = p[i * dim + c] - p[j * dim + c]; s += t * t }
                    d2[i * total + j] = s; d2[j * total + i] = s
                    distances.append(s.squareRoot())
                }
            }
        }
        distances.sort()
        let h = distances.count / 2
        let sigma = distances.count % 2 == 1 ? distances[h] : (distances[h - 1] + distances[h]) / 2
        guard sigma > 0, sigma.isFinite else { return nil }
        let gamma = 1 / (2 * sigma * sigma)
        var kernel = d2  // moved, not copied: d2 is not used again (keeps peak memory at one N×N matrix)
        d2 = []
        for i in 0..<kernel.count { kernel[i] = exp(-kernel[i] * gamma) }
        var rowSum = [Double](repeating: 0, count: total)
        for i in 0..<total { var s = 0.0; for j in 0..<total { s += kernel[i * total + j] }; rowSum[i] = s }

        func statistic(_ inX: (Int) -> Bool, _ kx: (Int) -> Double) -> Double {
            var sxx = 0.0, sxy = 0.0, syy = 0.0
            for i in 0..<total {
                let a = kx(i)
                if inX(i) { sxx += a; sxy += rowSum[i] - a } else { syy += rowSum[i] - a }
            }
            let nn = Double(n), mm = Double(m)
            return (sxx - nn) / (nn * (nn - 1)) + (syy - mm) / (mm * (mm - 1)) - 2 * sxy / (nn * mm)
        }
        // Observed: K·s for s = indicator of the first n points.
        var kxObserved = [Double](repeating: 0, count: total)
        for i in 0..<total { var s = 0.0; for j in 0..<n { s += kernel[i * total + j] }; kxObserved[i] = s }
        let observed = statistic({ $0 < n }, { kxObserved[$0] })

        var hits = 0
        let batch = 64
        var start = 0
        var prefix = [UInt8]()
        while start < permutations {
            let count = min(batch, permutations - start)
            var s = [Double](repeating: 0, count: total * count)
            var member = [[Bool]](repeating: [Bool](repeating: false, count: total), count: count)
            for b in 0..<count {
                let r = start + b
                prefix = Array("perm#\(r)#".utf8)
                let keyed = (0..<total).map { i -> (UInt64, Int) in
                    var buf = prefix
                    StatHash.appendDecimal(i, to: &buf)
                    return (XXH64.hash(buf, seed: seed), i)
                }
                let order = keyed.sorted { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }
                for q in 0..<n { let i = order[q].1; s[i * count + b] = 1; member[b][i] = true }
            }
            var ks = [Double](repeating: 0, count: total * count)
            kernel.withUnsafeBufferPointer { pk in s.withUnsafeBufferPointer { ps in ks.withUnsafeMutableBufferPointer { pc in
                BLAS.dgemm(m: total, n: count, k: total, a: pk.baseAddress!, lda: total, b: ps.baseAddress!, ldb: count,
                           c: pc.baseAddress!, ldc: count)
            } } }
            for b in 0..<count {
                let v = statistic({ member[b][$0] }, { ks[$0 * count + b] })
                if v >= observed { hits += 1 }
            }
            start += count
        }
        return Result(mmd2: observed, bandwidth: sigma, pValue: Double(1 + hits) / Double(1 + permutations),
                      permutations: permutations)
    }
}
