#ifndef KS_PROJECTION_H
#define KS_PROJECTION_H
// The statistics main pass's projection y = k·P̃ − c (keyscope `ProjectionKernel`), AVX2 without FMA.
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/// out[row*r + j] = (Σ_{d ascending} keys[row*width + d] * P[d][j]) − offset[j] for rows in [0, rows),
/// every product rounded, then added in one Float32 lane (no FMA): bit-identical to the portable Swift
/// kernel for any row blocking. `panels` holds ceil(r/32) contiguous [width, 32] row-major panels of P̃
/// (zero padded). Returns 0, or -1 when this CPU has no AVX2 (the caller then uses the portable kernel).
int ks_projection_avx2(const float *keys, int rows, int width, const float *panels, int r,
                       const float *offset, float *out);

#ifdef __cplusplus
}
#endif
#endif
