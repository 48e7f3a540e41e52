import CBF16Kernels
import Foundation

/// y = k·P̃ − c for a block of keys, Float32, with a fixed per-element operation order.
///
/// Why not `cblas_sgemm`: OpenBLAS's result bits change with its thread count for some shapes
/// (`StatisticsMergeTests.blasThreadCountDoesNotChangeBytes` failed with sgemm at 1 vs 2 threads), and
/// DESIGN §7 wants results independent of how a worker is configured. Here every output element is
/// Σ_d k_d·P̃_dj accumulated in ascending d in one Float32 lane (multiply then add; Swift never
/// contracts to FMA), so it is bit-identical for any row position, block size, thread count or build
/// configuration. One row × 32 columns per step keeps 8 SSE accumulators in registers while P̃
/// (D × 32 × 4 bytes = 512 KB at D = 4096) stays in L2; rows are split between `Compute.threads`
/// threads, which cannot change any bit (rows are independent).
struct ProjectionKernel: Sendable {
    let width: Int
    let components: Int
    /// Column panels of 32.
    let panels: Int
    /// P̃ as `panels` contiguous `[D, 32]` row-major panels (zero padded).
    let matrix: [Float]
    let offset: [Float]

    init(matrix: [Float], offset: [Float], width: Int, components: Int) {
        self.width = width
        self.components = components
        panels = (components + 31) / 32
        var m = [Float](repeating: 0, count: panels * width * 32)
        for d in 0..<width {
            for j in 0..<components { m[(j / 32) * width * 32 + d * 32 + j % 32] = matrix[d * components + j] }
        }
        self.matrix = m
        self.offset = offset
    }

    /// `out` is `[rows, components]` row-major.
    func apply(keys: UnsafePointer<Float>, rows: Int, out: UnsafeMutablePointer<Float>) {
        let threads = rows >= 64 ? min(Compute.threads, 8) : 1
        let keysAddress = UInt(bitPattern: keys), outAddress = UInt(bitPattern: out)
        if threads <= 1 {
            apply(keys: keys, range: 0..<rows, out: out)
        } else {
            let chunk = (rows + threads - 1) / threads
            DispatchQueue.concurrentPerform(iterations: threads) { i in
                let lo = i * chunk, hi = min(rows, lo + chunk)
                guard lo < hi else { return }
                apply(keys: UnsafePointer(bitPattern: keysAddress)!, range: lo..<hi, out: UnsafeMutablePointer(bitPattern: outAddress)!)
            }
        }
    }

    func apply(keys: UnsafePointer<Float>, range: Range<Int>, out: UnsafeMutablePointer<Float>) {
        let d = width, r = components
        if !range.isEmpty {
            // Same arithmetic, 4 rows at a time with AVX2 (ks_projection.c); -1 means no AVX2 here.
            let done = matrix.withUnsafeBufferPointer { mp in offset.withUnsafeBufferPointer { op in
                ks_projection_avx2(keys + range.lowerBound * d, Int32(range.count), Int32(d), mp.baseAddress!, Int32(r),
                                   op.baseAddress!, out + range.lowerBound * r)
            } }
            if done == 0 { return }
        }
        applyPortable(keys: keys, range: range, out: out)
    }

    /// The reference loop (any CPU); tests compare the AVX2 path with it bit for bit.
    func applyPortable(keys: UnsafePointer<Float>, range: Range<Int>, out: UnsafeMutablePointer<Float>) {
        let d = width, r = components
        matrix.withUnsafeBufferPointer { mp in
            let base = UnsafeRawPointer(mp.baseAddress!)
            for row in range {
                let k = keys + row * d
                let o = out + row * r
                for panel in 0..<panels {
                    let p = base + panel * d * 32 * 4
                    var a0 = SIMD16<Float>.zero, a1 = SIMD16<Float>.zero
                    for c in 0..<d {
                        let x = SIMD16<Float>(repeating: k[c])
                        a0 = a0 + x * p.loadUnaligned(fromByteOffset: c * 128, as: SIMD16<Float>.self)
                        a1 = a1 + x * p.loadUnaligned(fromByteOffset: c * 128 + 64, as: SIMD16<Float>.self)
                    }
                    let first = panel * 32
                    for j in first..<min(r, first + 16) { o[j] = a0[j - first] - offset[j] }
                    if first + 16 < r { for j in (first + 16)..<min(r, first + 32) { o[j] = a1[j - first - 16] - offset[j] } }
                }
            }
        }
    }
}
