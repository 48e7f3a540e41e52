// AVX2 projection kernel for the statistics main pass. Why not sgemm: OpenBLAS's bits depend on its
// thread count (see ProjectionKernel.swift); here each output is a single-lane ascending-d sum of
// separately rounded products, exactly what the portable Swift loop computes, so results never depend
// on the CPU path taken. Register blocking over 4 rows reuses each loaded P̃ vector four times, which is
// what the one-row Swift loop cannot do (it is bound by L2 bandwidth on P̃).
#pragma STDC FP_CONTRACT OFF
#include "ks_projection.h"
#include <immintrin.h>

#define AVX2 __attribute__((target("avx2")))

// 4 rows × 16 columns (one half panel): 8 accumulators.
AVX2 static void block4(const float *k0, int width, const float *p, float *acc /* [4][16] */) {
    const float *k1 = k0 + width, *k2 = k1 + width, *k3 = k2 + width;
    __m256 a00 = _mm256_setzero_ps(), a01 = _mm256_setzero_ps(), a10 = _mm256_setzero_ps(), a11 = _mm256_setzero_ps();
    __m256 a20 = _mm256_setzero_ps(), a21 = _mm256_setzero_ps(), a30 = _mm256_setzero_ps(), a31 = _mm256_setzero_ps();
    for (int d = 0; d < width; d++) {
        __m256 p0 = _mm256_loadu_ps(p + (size_t)d * 32), p1 = _mm256_loadu_ps(p + (size_t)d * 32 + 8);
        __m256 x0 = _mm256_broadcast_ss(k0 + d), x1 = _mm256_broadcast_ss(k1 + d);
        __m256 x2 = _mm256_broadcast_ss(k2 + d), x3 = _mm256_broadcast_ss(k3 + d);
        a00 = _mm256_add_ps(a00, _mm256_mul_ps(x0, p0)); a01 = _mm256_add_ps(a01, _mm256_mul_ps(x0, p1));
        a10 = _mm256_add_ps(a10, _mm256_mul_ps(x1, p0)); a11 = _mm256_add_ps(a11, _mm256_mul_ps(x1, p1));
        a20 = _mm256_add_ps(a20, _mm256_mul_ps(x2, p0)); a21 = _mm256_add_ps(a21, _mm256_mul_ps(x2, p1));
        a30 = _mm256_add_ps(a30, _mm256_mul_ps(x3, p0)); a31 = _mm256_add_ps(a31, _mm256_mul_ps(x3, p1));
    }
    _mm256_storeu_ps(acc + 0, a00); _mm256_storeu_ps(acc + 8, a01);
    _mm256_storeu_ps(acc + 16, a10); _mm256_storeu_ps(acc + 24, a11);
    _mm256_storeu_ps(acc + 32, a20); _mm256_storeu_ps(acc + 40, a21);
    _mm256_storeu_ps(acc + 48, a30); _mm256_storeu_ps(acc + 56, a31);
}

AVX2 static void block1(const float *k0, int width, const float *p, float *acc /* [16] */) {
    __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps();
    for (int d = 0; d < width; d++) {
        __m256 x = _mm256_broadcast_ss(k0 + d);
        a0 = _mm256_add_ps(a0, _mm256_mul_ps(x, _mm256_loadu_ps(p + (size_t)d * 32)));
        a1 = _mm256_add_ps(a1, _mm256_mul_ps(x, _mm256_loadu_ps(p + (size_t)d * 32 + 8)));
    }
    _mm256_storeu_ps(acc, a0); _mm256_storeu_ps(acc + 8, a1);
}

int ks_projection_avx2(const float *keys, int rows, int width, const float *panels, int r,
                       const float *offset, float *out) {
    if (!__builtin_cpu_supports("avx2")) return -1;
    int npanels = (r + 31) / 32;
    float acc[64];
    for (int panel = 0; panel < npanels; panel++) {
        for (int half = 0; half < 2; half++) {
            int first = panel * 32 + half * 16;
            if (first >= r) break;
            int cols = r - first < 16 ? r - first : 16;
            const float *p = panels + (size_t)panel * width * 32 + half * 16;
            int row = 0;
            for (; row + 4 <= rows; row += 4) {
                block4(keys + (size_t)row * width, width, p, acc);
                for (int i = 0; i < 4; i++)
                    for (int j = 0; j < cols; j++) out[(size_t)(row + i) * r + first + j] = acc[i * 16 + j] - offset[first + j];
            }
            for (; row < rows; row++) {
                block1(keys + (size_t)row * width, width, p, acc);
                for (int j = 0; j < cols; j++) out[(size_t)row * r + first + j] = acc[j] - offset[first + j];
            }
        }
    }
    return 0;
}
