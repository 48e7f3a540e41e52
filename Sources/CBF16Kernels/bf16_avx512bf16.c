// AVX-512 BF16 path (vdpbf16ps): compiled everywhere, run only when cpuid reports avx512_bf16.
//
// Unlike the AVX2 path it rounds the activations to bf16 too (as torch's bf16 linear does), and sums
// pairs inside vdpbf16ps, so it does NOT match the fp32 reference bit for bit; it is still a fixed order
// per element and split over output columns only. Not exercised on the AVX2-only development machine.
#include "bf16_internal.h"
#include <immintrin.h>
#include <stdlib.h>

#define AVX512BF16 __attribute__((target("avx512f,avx512bw,avx512bf16")))

AVX512BF16 static void round_row(const float *src, int k, uint16_t *dst) {
    int p = 0;
    for (; p + 32 <= k; p += 32) {
        __m512bh h = _mm512_cvtne2ps_pbh(_mm512_loadu_ps(src + p + 16), _mm512_loadu_ps(src + p));
        _mm512_storeu_si512((void *)(dst + p), (__m512i)h);
    }
    for (; p < k; p++) {  // tail: same round-to-nearest-even as ks_f32_to_bf16
        uint32_t u;
        __builtin_memcpy(&u, &src[p], 4);
        if ((u & 0x7fffffffu) > 0x7f800000u) dst[p] = (uint16_t)((u >> 16) | 0x40u);
        else dst[p] = (uint16_t)((u + 0x7fffu + ((u >> 16) & 1u)) >> 16);
    }
}

AVX512BF16 void ks_bf16_gemm_avx512bf16(const ks_gemm_job *j, int n0, int n1) {
    uint16_t *arow = aligned_alloc(64, ((size_t)j->k + 32) * 2);
    if (!arow) return;
    int tail = j->k % 32;
    __mmask32 tm = (__mmask32)((1ull << tail) - 1);
    for (int i = 0; i < j->m; i++) {
        round_row(j->A + (size_t)i * j->lda, j->k, arow);
        float *c = j->C + (size_t)i * j->ldc;
        for (int col = n0; col < n1; col += 4) {
            int w = n1 - col < 4 ? n1 - col : 4;
            __m512 acc[4] = {_mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps()};
            int p = 0;
            for (; p + 32 <= j->k; p += 32) {
                __m512bh a = (__m512bh)_mm512_loadu_si512((const void *)(arow + p));
                for (int q = 0; q < w; q++) {
                    __m512bh b = (__m512bh)_mm512_loadu_si512((const void *)(j->W + (size_t)(col + q) * j->ldw + p));
                    acc[q] = _mm512_dpbf16_ps(acc[q], a, b);
                }
            }
            if (tail) {
                __m512bh a = (__m512bh)_mm512_maskz_loadu_epi16(tm, arow + p);
                for (int q = 0; q < w; q++) {
                    __m512bh b = (__m512bh)_mm512_maskz_loadu_epi16(tm, j->W + (size_t)(col + q) * j->ldw + p);
                    acc[q] = _mm512_dpbf16_ps(acc[q], a, b);
                }
            }
            for (int q = 0; q < w; q++) c[col + q] += _mm512_reduce_add_ps(acc[q]);
        }
    }
    free(arow);
}
