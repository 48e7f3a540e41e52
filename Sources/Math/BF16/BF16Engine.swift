import CBF16Kernels
import Foundation

/// Which kernel runs the bf16-weight GEMM. Chosen once per process from cpuid, overridable with the
/// environment variable `KEYSCOPE_BF16_ENGINE` (`scalar`, `avx2-fma`, `avx512-bf16`).
///
/// Default is `avx2FMA` whenever the CPU has AVX2+FMA — even on AVX-512 BF16 machines — because it keeps
/// fp32 activations and gives the same bits as the fp32 reference chain for any thread count;
/// `avx512BF16` rounds activations to bf16 (like torch's bf16 linear) and is opt-in.
///
/// Evidence for the choice (2-core AVX2-only EPYC, 2 threads, same-run ratios, 2026-12-01): `avx2FMA` vs
/// OpenBLAS fp32 sgemm is 1.01–1.09× at 640×{4096,11008}×{4096,11008} and 1.65× at one token (weights
/// read are halved); oneDNN 2.6.3 returns `dnnl_unimplemented` for every bf16 matmul on AVX2; PyTorch 2.13
/// bf16 linear runs at 0.09–0.21× of its own fp32 here (no bf16 hardware).
public enum BF16Engine: String, Sendable, CaseIterable, CustomStringConvertible {
    /// Portable C loop; any CPU; same bits as `avx2FMA` (both are one fma chain per element).
    case scalar = "scalar"
    /// AVX2+FMA 6×16 micro-kernel; bf16 weights widened to fp32 while packing.
    case avx2FMA = "avx2-fma"
    /// AVX-512 BF16 `vdpbf16ps`; activations rounded to bf16. Only where cpuid reports avx512_bf16.
    case avx512BF16 = "avx512-bf16"

    var code: Int32 {
        switch self {
        case .scalar: Int32(KS_BF16_ENGINE_SCALAR)
        case .avx2FMA: Int32(KS_BF16_ENGINE_AVX2_FMA)
        case .avx512BF16: Int32(KS_BF16_ENGINE_AVX512_BF16)
        }
    }

    public var isSupported: Bool {
        let f = ks_bf16_cpu_features()
        switch self {
        case .scalar: return true
        case .avx2FMA: return f & 1 != 0
        case .avx512BF16: return f & 4 != 0
        }
    }

    public var description: String {
        switch self {
        case .scalar: "scalar (portable C, bf16 weights widened per element)"
        case .avx2FMA: "avx2-fma (bf16 weights converted in-kernel)"
        case .avx512BF16: "avx512-bf16 (vdpbf16ps, activations rounded to bf16)"
        }
    }

    /// What cpuid reports, e.g. "avx2+fma, no avx512f, no avx512_bf16".
    public static var cpuSummary: String {
        let f = ks_bf16_cpu_features()
        return [(1, "avx2+fma"), (2, "avx512f"), (4, "avx512_bf16")]
            .map { f & $0.0 != 0 ? $0.1 : "no \($0.1)" }.joined(separator: ", ")
    }

    /// Engine for `requested` (nil = automatic) with a note when a request had to fall back.
    public static func select(requested: String?) -> (engine: BF16Engine, note: String?) {
        let best: BF16Engine = BF16Engine.avx2FMA.isSupported ? .avx2FMA : .scalar
        guard let requested, !requested.isEmpty else { return (best, nil) }
        guard let e = BF16Engine(rawValue: requested) else {
            return (best, "KEYSCOPE_BF16_ENGINE='\(requested)' is not one of "
                + allCases.map(\.rawValue).joined(separator: ", ") + "; using \(best)")
        }
        guard e.isSupported else {
            return (best, "\(BF16Error.engineUnsupported(engine: e.rawValue, cpu: cpuSummary)); using \(best)")
        }
        return (e, nil)
    }

    /// The process-wide engine (see the type's doc comment); `currentNote` says why a request fell back.
    public static let current: BF16Engine = selection.engine
    public static let currentNote: String? = selection.note
    private static let selection = select(requested: ProcessInfo.processInfo.environment["KEYSCOPE_BF16_ENGINE"])
}
