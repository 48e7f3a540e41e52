// Dispatcher, threading and the portable reference for the bf16-weight GEMM (see CBF16Kernels.h).
//
// Why this shape: Debian's OpenBLAS 0.3.21 has no sbgemm, and this machine's CPU (AVX2+FMA only) has no
// bf16 arithmetic, so the fast path widens bf16 weights to fp32 while packing (a 16-bit shift) and runs an
// fp32 FMA micro-kernel. Work is split over output columns only and every C element is one sequential
// fused-multiply-add chain over k, so all engines except AVX-512 BF16 give the same bits for any thread count.
#include "CBF16Kernels.h"
#include "bf16_internal.h"
#include <math.h>
#include <pthread.h>
#include <string.h>

int ks_bf16_cpu_features(void) {
    int f = 0;
#if defined(__x86_64__) || defined(__i386__)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) f |= 1;
    if (__builtin_cpu_supports("avx512f")) f |= 2;
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
        __builtin_cpu_supports("avx512bf16")) f |= 4;
#endif
    return f;
}

void ks_f32_to_bf16(const float *src, uint16_t *dst, size_t count) {
    for (size_t i = 0; i < count; i++) {
        uint32_t u;
        memcpy(&u, &src[i], 4);
        if ((u & 0x7fffffffu) > 0x7f800000u) { dst[i] = (uint16_t)((u >> 16) | 0x0040u); continue; }  // quiet NaN
        u += 0x7fffu + ((u >> 16) & 1u);  // round to nearest, ties to even (torch's c10::round_to_nearest_even)
        dst[i] = (uint16_t)(u >> 16);
    }
}

void ks_bf16_to_f32(const uint16_t *src, float *dst, size_t count) {
    for (size_t i = 0; i < count; i++) {
        uint32_t u = (uint32_t)src[i] << 16;
        memcpy(&dst[i], &u, 4);
    }
}

/// Portable reference: the same fma chain per element as the AVX2 kernel (fmaf is correctly rounded).
void ks_bf16_gemm_scalar(const ks_gemm_job *j, int n0, int n1) {
    for (int i = 0; i < j->m; i++) {
        const float *a = j->A + (size_t)i * j->lda;
        for (int c = n0; c < n1; c++) {
            const uint16_t *w = j->W + (size_t)c * j->ldw;
            float acc = j->C[(size_t)i * j->ldc + c];
            for (int p = 0; p < j->k; p++) {
                uint32_t u = (uint32_t)w[p] << 16;
                float wf;
                memcpy(&wf, &u, 4);
                acc = fmaf(a[p], wf, acc);
            }
            j->C[(size_t)i * j->ldc + c] = acc;
        }
    }
}

typedef struct {
    const ks_gemm_job *job;
    ks_gemm_range_fn fn;
    int n0, n1;
} ks_slice;

static void *run_slice(void *arg) {
    ks_slice *s = (ks_slice *)arg;
    s->fn(s->job, s->n0, s->n1);
    return NULL;
}

int ks_bf16_gemm_nt(int engine, int threads, int m, int n, int k,
                    const float *A, int lda, const uint16_t *W, int ldw, float *C, int ldc) {
    if (m <= 0 || n <= 0 || k <= 0) return 0;
    int feat = ks_bf16_cpu_features();
    ks_gemm_range_fn fn;
    switch (engine) {
    case KS_BF16_ENGINE_SCALAR: fn = ks_bf16_gemm_scalar; break;
    case KS_BF16_ENGINE_AVX2_FMA: if (!(feat & 1)) return -1; fn = ks_bf16_gemm_avx2; break;
    case KS_BF16_ENGINE_AVX512_BF16: if (!(feat & 4)) return -1; fn = ks_bf16_gemm_avx512bf16; break;
    default: return -1;
    }
    ks_gemm_job job = {m, n, k, A, lda, W, ldw, C, ldc};
    // Column slices are multiples of the 16-wide register tile so no tile straddles two threads.
    int tiles = (n + 15) / 16;
    if (threads < 1) threads = 1;
    if (threads > 64) threads = 64;
    if (threads > tiles) threads = tiles;
    ks_slice slices[64];
    pthread_t tid[64];
    int started[64] = {0};
    for (int t = 0; t < threads; t++) {
        int t0 = tiles * t / threads, t1 = tiles * (t + 1) / threads;
        slices[t] = (ks_slice){&job, fn, t0 * 16, t1 * 16 < n ? t1 * 16 : n};
    }
    for (int t = 1; t < threads; t++)
        started[t] = pthread_create(&tid[t], NULL, run_slice, &slices[t]) == 0;
    run_slice(&slices[0]);
    for (int t = 1; t < threads; t++) {
        if (started[t]) pthread_join(tid[t], NULL);
        else run_slice(&slices[t]);  // could not spawn: do that slice here, same result
    }
    return 0;
}
