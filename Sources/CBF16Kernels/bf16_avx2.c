// AVX2+FMA bf16-weight GEMM: Goto/BLIS blocking with a 6×16 register tile.
//
// Per thread (one slice of output columns): for each NC block of columns and KC block of k, the bf16
// weight panel is widened to fp32 (shift left by 16) and transposed into 16-column micro-panels that stay
// in L1 while the kernel walks the MC×KC packed activations held in L2. The kernel loads C, adds one FMA
// per k in order and stores C, so each element is a single sequential fma chain: bitwise equal to the
// scalar reference and independent of the thread count.
#include "bf16_internal.h"
#include <immintrin.h>
#include <stdlib.h>
#include <string.h>

#define MR 6
#define NR 16
#define KC 256
#define MC 96
#define NC 512

#define AVX2 __attribute__((target("avx2,fma")))

AVX2 static inline void transpose8(__m256 r[8]) {
    __m256 t0 = _mm256_unpacklo_ps(r[0], r[1]), t1 = _mm256_unpackhi_ps(r[0], r[1]);
    __m256 t2 = _mm256_unpacklo_ps(r[2], r[3]), t3 = _mm256_unpackhi_ps(r[2], r[3]);
    __m256 t4 = _mm256_unpacklo_ps(r[4], r[5]), t5 = _mm256_unpackhi_ps(r[4], r[5]);
    __m256 t6 = _mm256_unpacklo_ps(r[6], r[7]), t7 = _mm256_unpackhi_ps(r[6], r[7]);
    __m256 s0 = _mm256_shuffle_ps(t0, t2, _MM_SHUFFLE(1, 0, 1, 0));
    __m256 s1 = _mm256_shuffle_ps(t0, t2, _MM_SHUFFLE(3, 2, 3, 2));
    __m256 s2 = _mm256_shuffle_ps(t1, t3, _MM_SHUFFLE(1, 0, 1, 0));
    __m256 s3 = _mm256_shuffle_ps(t1, t3, _MM_SHUFFLE(3, 2, 3, 2));
    __m256 s4 = _mm256_shuffle_ps(t4, t6, _MM_SHUFFLE(1, 0, 1, 0));
    __m256 s5 = _mm256_shuffle_ps(t4, t6, _MM_SHUFFLE(3, 2, 3, 2));
    __m256 s6 = _mm256_shuffle_ps(t5, t7, _MM_SHUFFLE(1, 0, 1, 0));
    __m256 s7 = _mm256_shuffle_ps(t5, t7, _MM_SHUFFLE(3, 2, 3, 2));
    r[0] = _mm256_permute2f128_ps(s0, s4, 0x20);
    r[1] = _mm256_permute2f128_ps(s1, s5, 0x20);
    r[2] = _mm256_permute2f128_ps(s2, s6, 0x20);
    r[3] = _mm256_permute2f128_ps(s3, s7, 0x20);
    r[4] = _mm256_permute2f128_ps(s0, s4, 0x31);
    r[5] = _mm256_permute2f128_ps(s1, s5, 0x31);
    r[6] = _mm256_permute2f128_ps(s2, s6, 0x31);
    r[7] = _mm256_permute2f128_ps(s3, s7, 0x31);
}

static inline float bf16f(uint16_t h) {
    uint32_t u = (uint32_t)h << 16;
    float f;
    memcpy(&f, &u, 4);
    return f;
}

/// Packs weight rows [j0, j0+nr) × k range [p0, p0+kc) into dst[p*16 + jj] as fp32 (rows ≥ nr are zero).
AVX2 static void pack_b_panel(const uint16_t *W, int ldw, int j0, int nr, int p0, int kc, float *dst) {
    if (nr == NR) {
        int p = 0;
        for (; p + 8 <= kc; p += 8) {
            for (int g = 0; g < 2; g++) {
                __m256 r[8];
                for (int jj = 0; jj < 8; jj++) {
                    const uint16_t *src = W + (size_t)(j0 + g * 8 + jj) * ldw + p0 + p;
                    __m128i h = _mm_loadu_si128((const __m128i *)src);
                    r[jj] = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(h), 16));
                }
                transpose8(r);
                for (int q = 0; q < 8; q++) _mm256_store_ps(dst + (size_t)(p + q) * NR + g * 8, r[q]);
            }
        }
        for (; p < kc; p++)
            for (int jj = 0; jj < NR; jj++) dst[(size_t)p * NR + jj] = bf16f(W[(size_t)(j0 + jj) * ldw + p0 + p]);
        return;
    }
    for (int p = 0; p < kc; p++)
        for (int jj = 0; jj < NR; jj++)
            dst[(size_t)p * NR + jj] = jj < nr ? bf16f(W[(size_t)(j0 + jj) * ldw + p0 + p]) : 0.0f;
}

/// Packs activation rows [i0, i0+mr) × [p0, p0+kc) into dst[p*6 + ii] (rows ≥ mr are zero).
static void pack_a_panel(const float *A, int lda, int i0, int mr, int p0, int kc, float *dst) {
    for (int ii = 0; ii < MR; ii++) {
        if (ii < mr) {
            const float *src = A + (size_t)(i0 + ii) * lda + p0;
            for (int p = 0; p < kc; p++) dst[(size_t)p * MR + ii] = src[p];
        } else {
            for (int p = 0; p < kc; p++) dst[(size_t)p * MR + ii] = 0.0f;
        }
    }
}

/// C[6×16] += a-panel · b-panel over kc steps, one fma per step per element.
AVX2 static void kernel_6x16(int kc, const float *restrict a, const float *restrict b, float *c, int ldc) {
    __m256 c00 = _mm256_loadu_ps(c + 0 * ldc), c01 = _mm256_loadu_ps(c + 0 * ldc + 8);
    __m256 c10 = _mm256_loadu_ps(c + 1 * ldc), c11 = _mm256_loadu_ps(c + 1 * ldc + 8);
    __m256 c20 = _mm256_loadu_ps(c + 2 * ldc), c21 = _mm256_loadu_ps(c + 2 * ldc + 8);
    __m256 c30 = _mm256_loadu_ps(c + 3 * ldc), c31 = _mm256_loadu_ps(c + 3 * ldc + 8);
    __m256 c40 = _mm256_loadu_ps(c + 4 * ldc), c41 = _mm256_loadu_ps(c + 4 * ldc + 8);
    __m256 c50 = _mm256_loadu_ps(c + 5 * ldc), c51 = _mm256_loadu_ps(c + 5 * ldc + 8);
#pragma clang loop unroll_count(4)
    for (int p = 0; p < kc; p++) {
        __m256 b0 = _mm256_load_ps(b), b1 = _mm256_load_ps(b + 8);
        __m256 x;
        x = _mm256_broadcast_ss(a + 0); c00 = _mm256_fmadd_ps(x, b0, c00); c01 = _mm256_fmadd_ps(x, b1, c01);
        x = _mm256_broadcast_ss(a + 1); c10 = _mm256_fmadd_ps(x, b0, c10); c11 = _mm256_fmadd_ps(x, b1, c11);
        x = _mm256_broadcast_ss(a + 2); c20 = _mm256_fmadd_ps(x, b0, c20); c21 = _mm256_fmadd_ps(x, b1, c21);
        x = _mm256_broadcast_ss(a + 3); c30 = _mm256_fmadd_ps(x, b0, c30); c31 = _mm256_fmadd_ps(x, b1, c31);
        x = _mm256_broadcast_ss(a + 4); c40 = _mm256_fmadd_ps(x, b0, c40); c41 = _mm256_fmadd_ps(x, b1, c41);
        x = _mm256_broadcast_ss(a + 5); c50 = _mm256_fmadd_ps(x, b0, c50); c51 = _mm256_fmadd_ps(x, b1, c51);
        a += MR;
        b += NR;
    }
    _mm256_storeu_ps(c + 0 * ldc, c00); _mm256_storeu_ps(c + 0 * ldc + 8, c01);
    _mm256_storeu_ps(c + 1 * ldc, c10); _mm256_storeu_ps(c + 1 * ldc + 8, c11);
    _mm256_storeu_ps(c + 2 * ldc, c20); _mm256_storeu_ps(c + 2 * ldc + 8, c21);
    _mm256_storeu_ps(c + 3 * ldc, c30); _mm256_storeu_ps(c + 3 * ldc + 8, c31);
    _mm256_storeu_ps(c + 4 * ldc, c40); _mm256_storeu_ps(c + 4 * ldc + 8, c41);
    _mm256_storeu_ps(c + 5 * ldc, c50); _mm256_storeu_ps(c + 5 * ldc + 8, c51);
}

/// Edge tiles go through a 6×16 scratch tile so the kernel never touches memory outside C.
AVX2 static void kernel_edge(int kc, const float *a, const float *b, float *c, int ldc, int mr, int nr) {
    float t[MR * NR] __attribute__((aligned(32)));
    memset(t, 0, sizeof t);
    for (int i = 0; i < mr; i++) memcpy(t + i * NR, c + (size_t)i * ldc, (size_t)nr * 4);
    kernel_6x16(kc, a, b, t, NR);
    for (int i = 0; i < mr; i++) memcpy(c + (size_t)i * ldc, t + i * NR, (size_t)nr * 4);
}

void ks_bf16_gemm_avx2(const ks_gemm_job *j, int n0, int n1) {
    float *bbuf = aligned_alloc(64, (size_t)KC * NC * sizeof(float));
    float *abuf = aligned_alloc(64, (size_t)KC * MC * sizeof(float));
    if (!bbuf || !abuf) {  // out of memory for 600 KB of scratch: fall back to the reference, same bits
        free(bbuf); free(abuf);
        ks_bf16_gemm_scalar(j, n0, n1);
        return;
    }
    for (int jc = n0; jc < n1; jc += NC) {
        int nc = n1 - jc < NC ? n1 - jc : NC;
        for (int pc = 0; pc < j->k; pc += KC) {
            int kc = j->k - pc < KC ? j->k - pc : KC;
            for (int jr = 0; jr < nc; jr += NR) {
                int nr = nc - jr < NR ? nc - jr : NR;
                pack_b_panel(j->W, j->ldw, jc + jr, nr, pc, kc, bbuf + (size_t)jr * kc);
            }
            for (int ic = 0; ic < j->m; ic += MC) {
                int mc = j->m - ic < MC ? j->m - ic : MC;
                for (int ir = 0; ir < mc; ir += MR) {
                    int mr = mc - ir < MR ? mc - ir : MR;
                    pack_a_panel(j->A, j->lda, ic + ir, mr, pc, kc, abuf + (size_t)ir * kc);
                }
                for (int jr = 0; jr < nc; jr += NR) {
                    int nr = nc - jr < NR ? nc - jr : NR;
                    const float *bp = bbuf + (size_t)jr * kc;
                    for (int ir = 0; ir < mc; ir += MR) {
                        int mr = mc - ir < MR ? mc - ir : MR;
                        float *cp = j->C + (size_t)(ic + ir) * j->ldc + jc + jr;
                        if (mr == MR && nr == NR) kernel_6x16(kc, abuf + (size_t)ir * kc, bp, cp, j->ldc);
                        else kernel_edge(kc, abuf + (size_t)ir * kc, bp, cp, j->ldc, mr, nr);
                    }
                }
            }
        }
    }
    free(bbuf);
    free(abuf);
}
