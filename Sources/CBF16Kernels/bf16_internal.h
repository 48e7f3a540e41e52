// Shared between the kernel files of CBF16Kernels; not part of the public header.
#ifndef BF16_INTERNAL_H
#define BF16_INTERNAL_H
#include <stdint.h>

typedef struct {
    int m, n, k;
    const float *A; int lda;
    const uint16_t *W; int ldw;
    float *C; int ldc;
} ks_gemm_job;

/// Computes output columns [n0, n1) of the job (all rows, all k).
typedef void (*ks_gemm_range_fn)(const ks_gemm_job *job, int n0, int n1);

void ks_bf16_gemm_scalar(const ks_gemm_job *job, int n0, int n1);
void ks_bf16_gemm_avx2(const ks_gemm_job *job, int n0, int n1);
void ks_bf16_gemm_avx512bf16(const ks_gemm_job *job, int n0, int n1);
#endif
