import COpenBLAS

/// Fréchet distance and symmetric KL between the two modalities' Gaussians in PCA space (§4.5, §4.7).
public enum GaussianSummary {
    /// ‖μa − μb‖² + tr(Σa + Σb − 2 (Σa^½ Σb Σa^½)^½), square roots by symmetric eigen-decomposition
    /// (negative rounding-level eigenvalues clamped to 0).
    public static func frechet(meanA: [Double], covA: [Double], meanB: [Double], covB: [Double]) throws -> Double {
        let k = meanA.count
        var d2 = 0.0
        for i in 0..<k { d2 += (meanA[i] - meanB[i]) * (meanA[i] - meanB[i]) }
        let rootA = try sqrtm(covA, k)
        let m = multiply(multiply(rootA, covB, k), rootA, k)
        var sym = m
        for i in 0..<k { for j in 0..<k { sym[i * k + j] = 0.5 * (m[i * k + j] + m[j * k + i]) } }
        let (w, _) = try CalibrationAccumulator.symmetricEigen(sym, n: k)
        var trRoot = 0.0, tr = 0.0
        for v in w { trRoot += max(v, 0).squareRoot() }
        for i in 0..<k { tr += covA[i * k + i] + covB[i * k + i] }
        return d2 + tr - 2 * trRoot
    }

    /// KL(a‖b) + KL(b‖a) in nats; nil when either covariance is not positive definite (Cholesky fails).
    public static func symmetricKL(meanA: [Double], covA: [Double], meanB: [Double], covB: [Double]) -> Double? {
        let k = meanA.count
        guard let la = cholesky(covA, k), let lb = cholesky(covB, k) else { return nil }
        let dm = (0..<k).map { meanA[$0] - meanB[$0] }
        // tr(Σb⁻¹Σa) = ‖Lb⁻¹ La‖²_F, dμᵀΣb⁻¹dμ = ‖Lb⁻¹ dμ‖².
        func solvedNorm(_ l: [Double], _ columns: [Double], width: Int) -> Double {
            var total = 0.0
            for c in 0..<width {
                var x = [Double](repeating: 0, count: k)
                for i in 0..<k {
                    var s = columns[i * width + c]
                    for j in 0..<i { s -= l[i * k + j] * x[j] }
                    x[i] = s / l[i * k + i]
                    total += x[i] * x[i]
                }
            }
            return total
        }
        let value = 0.5 * (solvedNorm(lb, la, width: k) + solvedNorm(la, lb, width: k)
                           + solvedNorm(lb, dm, width: 1) + solvedNorm(la, dm, width: 1)) - Double(k)
        return value.isFinite ? value : nil
    }

    /// Lower Cholesky factor (row-major) via LAPACK dpotrf; nil when the matrix is not positive definite.
    static func cholesky(_ a: [Double], _ k: Int) -> [Double]? {
        var m = a
        var n = Int32(k), lda = Int32(k), info: Int32 = 0
        dpotrf_("U", &n, &m, &lda, &info)  // column-major upper == row-major lower
        guard info == 0 else { return nil }
        for i in 0..<k { for j in (i + 1)..<max(k, i + 1) { m[i * k + j] = 0 } }
        return m
    }

    static func sqrtm(_ a: [Double], _ k: Int) throws -> [Double] {
        let (w, v) = try CalibrationAccumulator.symmetricEigen(a, n: k)
        var out = [Double](repeating: 0, count: k * k)
        for e in 0..<k {
            let s = max(w[e], 0).squareRoot()
            guard s > 0 else { continue }
            for i in 0..<k { for j in 0..<k { out[i * k + j] += s * v[e * k + i] * v[e * k + j] } }
        }
        return out
    }

    static func multiply(_ a: [Double], _ b: [Double], _ k: Int) -> [Double] {
        var c = [Double](repeating: 0, count: k * k)
        a.withUnsafeBufferPointer { pa in b.withUnsafeBufferPointer { pb in c.withUnsafeMutableBufferPointer { pc in
            BLAS.dgemm(m: k, n: k, k: k, a: pa.baseAddress!, lda: k, b: pb.baseAddress!, ldb: k, c: pc.baseAddress!, ldc: k)
        } } }
        return c
    }
}
