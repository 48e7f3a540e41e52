import COpenBLAS

/// Thin, typed wrappers over CBLAS. Everything is row-major.
public enum BLAS {
    /// C = alpha · op(A) · op(B) + beta · C, with op(A) of shape [m, k] and op(B) of shape [k, n].
    @inlinable
    public static func sgemm(transA: Bool = false, transB: Bool = false, m: Int, n: Int, k: Int,
                             alpha: Float = 1, a: UnsafePointer<Float>, lda: Int,
                             b: UnsafePointer<Float>, ldb: Int,
                             beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int) {
        guard m > 0, n > 0 else { return }
        if k == 0 {
            for i in 0..<m { for j in 0..<n { c[i * ldc + j] *= beta } }
            return
        }
        cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    @inlinable
    public static func dgemm(transA: Bool = false, transB: Bool = false, m: Int, n: Int, k: Int,
                             alpha: Double = 1, a: UnsafePointer<Double>, lda: Int,
                             b: UnsafePointer<Double>, ldb: Int,
                             beta: Double = 0, c: UnsafeMutablePointer<Double>, ldc: Int) {
        guard m > 0, n > 0 else { return }
        if k == 0 {
            for i in 0..<m { for j in 0..<n { c[i * ldc + j] *= beta } }
            return
        }
        cblas_dgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    /// C (upper triangle, n×n) = alpha · Aᵀ·A + beta · C for A of shape [k, n].
    @inlinable
    public static func dsyrkTransposed(n: Int, k: Int, alpha: Double = 1, a: UnsafePointer<Double>, lda: Int,
                                       beta: Double = 0, c: UnsafeMutablePointer<Double>, ldc: Int) {
        guard n > 0, k > 0 else { return }
        cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, Int32(n), Int32(k), alpha, a, Int32(lda), beta, c, Int32(ldc))
    }
}

/// Process-wide compute settings. OpenBLAS results depend in the last bits on its thread count,
/// so runs pin it (see DESIGN §7 and the run plan's `threads`).
public enum Compute {
    public static func setThreads(_ n: Int) {
        openblas_set_num_threads(Int32(max(1, n)))
        _threads.store(max(1, n))
    }
    public static var threads: Int { _threads.load() }
    nonisolated(unsafe) private static var _threads = ThreadCount(openblas_get_num_threads())
}

/// A tiny lock-free box; thread count is set rarely and read often.
struct ThreadCount: @unchecked Sendable {
    private var value: Int32
    init(_ v: Int32) { value = v }
    func load() -> Int { Int(value) }
    mutating func store(_ v: Int) { value = Int32(v) }
}
