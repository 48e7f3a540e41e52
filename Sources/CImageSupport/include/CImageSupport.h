#ifndef CIMAGESUPPORT_H
#define CIMAGESUPPORT_H
#include <stddef.h>
#include <stdint.h>
/// Decoders return 0 on success; on failure a message is written to `err` (NUL-terminated).
/// Pixels are allocated with malloc and freed by the caller with `ks_image_free`.
int ks_decode_jpeg(const uint8_t *data, size_t len, uint8_t **pixels, int *width, int *height,
                   int *channels, char *err, size_t errlen);
int ks_decode_png(const uint8_t *data, size_t len, uint8_t **pixels, int *width, int *height,
                  int *channels, int *bitdepth, char *err, size_t errlen);
void ks_image_free(void *p);
#endif
