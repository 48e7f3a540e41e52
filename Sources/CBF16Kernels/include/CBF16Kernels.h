#ifndef CBF16KERNELS_H
#define CBF16KERNELS_H
// BF16-weight GEMM kernels for keyscope: C[n,out] = A[n,k] · Wᵀ + C, with A and C Float32 and W
// stored as bfloat16 (uint16) rows of length k, exactly as in a safetensors checkpoint.
#include <stddef.h>
#include <stdint.h>
#include "ks_projection.h"

#ifdef __cplusplus
extern "C" {
#endif

/// Engines the dispatcher can pick; values are stable (the Swift side mirrors them).
enum {
    KS_BF16_ENGINE_SCALAR = 0,      // portable C, any CPU
    KS_BF16_ENGINE_AVX2_FMA = 1,    // AVX2+FMA micro-kernel, bf16 weights widened while packing
    KS_BF16_ENGINE_AVX512_BF16 = 2  // AVX-512 BF16 vdpbf16ps (activations rounded to bf16)
};

/// Bit set of what this CPU supports: 1 = avx2+fma, 2 = avx512f, 4 = avx512bf16 (cpuid + xgetbv).
int ks_bf16_cpu_features(void);

/// C[i*ldc + j] += sum_p A[i*lda + p] * bf16(W[j*ldw + p]) for i < m, j < n, p < k.
/// Float32 accumulation in a fixed p-order per element, work split over output columns only, so the
/// result does not depend on `threads`. Returns 0, or -1 if `engine` is not supported by this CPU.
int ks_bf16_gemm_nt(int engine, int threads, int m, int n, int k,
                    const float *A, int lda, const uint16_t *W, int ldw, float *C, int ldc);

/// Round-to-nearest-even float → bf16 (NaN stays a quiet NaN), as torch's `.to(torch.bfloat16)`.
void ks_f32_to_bf16(const float *src, uint16_t *dst, size_t count);
/// bf16 → float (exact: a 16-bit shift).
void ks_bf16_to_f32(const uint16_t *src, float *dst, size_t count);

#ifdef __cplusplus
}
#endif
#endif
