import COpenBLAS
import Foundation

/// PCA initialisation (openTSNE's default): the data projected on its top two principal axes,
/// rescaled so that the first coordinate has standard deviation 1e-4. A tiny start keeps the
/// early-exaggeration phase in its well-behaved regime.
enum TSNEInitialization {
    static let targetStd = 1e-4

    /// Row-major `[n, 2]`. Eigenvectors come from LAPACK `dsyevd_` on the d×d covariance, sign
    /// fixed so each axis's largest-|·| entry is positive (DESIGN §4.1's convention).
    static func pca(_ x: [Double], n: Int, d: Int, seed: UInt64) -> [Double] {
        if d >= 2, let axes = topTwoAxes(x, n: n, d: d) {
            var mean = [Double](repeating: 0, count: d)
            for i in 0..<n { for c in 0..<d { mean[c] += x[i * d + c] } }
            for c in 0..<d { mean[c] /= Double(n) }
            var y = [Double](repeating: 0, count: 2 * n)
            for i in 0..<n {
                var a = 0.0, b = 0.0
                for c in 0..<d { let v = x[i * d + c] - mean[c]; a += v * axes.0[c]; b += v * axes.1[c] }
                y[2 * i] = a; y[2 * i + 1] = b
            }
            if rescale(&y, n: n) { return y }
        }
        var rng = SplitMix64(seed: seed)
        var y = (0..<(2 * n)).map { _ in rng.nextGaussian() }
        _ = rescale(&y, n: n)
        return y
    }

    /// Divides both coordinates by std(first coordinate) / 1e-4; false if that std is 0.
    static func rescale(_ y: inout [Double], n: Int) -> Bool {
        var m = 0.0
        for i in 0..<n { m += y[2 * i] }
        m /= Double(n)
        var v = 0.0
        for i in 0..<n { v += (y[2 * i] - m) * (y[2 * i] - m) }
        let std = (v / Double(n)).squareRoot()
        guard std > 0, std.isFinite else { return false }
        let f = targetStd / std
        for k in 0..<y.count { y[k] *= f }
        return true
    }

    static func topTwoAxes(_ x: [Double], n: Int, d: Int) -> ([Double], [Double])? {
        var mean = [Double](repeating: 0, count: d)
        for i in 0..<n { for c in 0..<d { mean[c] += x[i * d + c] } }
        for c in 0..<d { mean[c] /= Double(n) }
        var centred = [Double](repeating: 0, count: n * d)
        for i in 0..<n { for c in 0..<d { centred[i * d + c] = x[i * d + c] - mean[c] } }
        var cov = [Double](repeating: 0, count: d * d)
        centred.withUnsafeBufferPointer { a in cov.withUnsafeMutableBufferPointer { c in
            BLAS.dsyrkTransposed(n: d, k: n, alpha: 1 / Double(n), a: a.baseAddress!, lda: d, c: c.baseAddress!, ldc: d)
        } }
        // Row-major upper = column-major lower: ask LAPACK for "L".
        var w = [Double](repeating: 0, count: d)
        var nn = Int32(d), lda = Int32(d), info: Int32 = 0
        var lwork: Int32 = -1, liwork: Int32 = -1
        var wq = [Double](repeating: 0, count: 1), iwq = [Int32](repeating: 0, count: 1)
        dsyevd_("V", "L", &nn, &cov, &lda, &w, &wq, &lwork, &iwq, &liwork, &info)
        guard info == 0 else { return nil }
        lwork = Int32(wq[0]); liwork = iwq[0]
        var work = [Double](repeating: 0, count: Int(lwork)), iwork = [Int32](repeating: 0, count: Int(liwork))
        dsyevd_("V", "L", &nn, &cov, &lda, &w, &work, &lwork, &iwork, &liwork, &info)
        guard info == 0 else { return nil }
        // Column-major eigenvectors: vector k is cov[k·d ..< (k+1)·d]; eigenvalues ascending.
        func axis(_ k: Int) -> [Double] {
            var v = Array(cov[(k * d)..<((k + 1) * d)])
            var best = 0
            for c in 1..<d where abs(v[c]) > abs(v[best]) { best = c }
            if v[best] < 0 { for c in 0..<d { v[c] = -v[c] } }
            return v
        }
        return (axis(d - 1), axis(d - 2))
    }
}
