#ifndef CIMAGESUPPORT_H
#define CIMAGESUPPORT_H
#include <stddef.h>
#include <stdint.h>

/// Colour layout of decoded pixels, mirroring the Pillow modes the decoders produce.
typedef enum {
    KS_GRAY = 1,        ///< "L": 1 byte per pixel
    KS_GRAY_ALPHA = 2,  ///< "LA": 2 bytes per pixel
    KS_RGB = 3,         ///< "RGB": 3 bytes per pixel
    KS_RGBA = 4,        ///< "RGBA": 4 bytes per pixel
    KS_CMYK = 5         ///< "CMYK" (Pillow convention, i.e. already un-inverted): 4 bytes per pixel
} ks_layout;

/// A decoded 8-bit image. `pixels` is malloc'ed; release it with `ks_image_free`.
typedef struct {
    uint8_t *pixels;
    int width;
    int height;
    int layout;        ///< a `ks_layout`
    int channels;      ///< bytes per pixel
    int has_key;       ///< 1 when a PNG tRNS colour key / palette alpha was turned into alpha
} ks_image;

/// Decoders return 0 on success. On failure they return -1, write a NUL-terminated message (the
/// libjpeg/libpng text, without a format prefix) to
/// `err` and leave `out->pixels` NULL. They never abort on corrupt or truncated input: libjpeg and
/// libpng report errors by longjmp, which is caught here in C where it is legal.
int ks_decode_jpeg(const uint8_t *data, size_t len, ks_image *out, char *err, size_t errlen);
int ks_decode_png(const uint8_t *data, size_t len, ks_image *out, char *err, size_t errlen);
void ks_image_free(void *p);

/// Pillow resampling filters (`Image.Resampling` values).
enum { KS_FILTER_BILINEAR = 2, KS_FILTER_BICUBIC = 3 };

/// Pillow's `ImagingResample` for 8-bit interleaved images with 1–4 channels (no box): separable
/// horizontal-then-vertical passes with 22-bit fixed-point coefficients. `dst` holds
/// `out_w * out_h * channels` bytes. Returns 0, or -1 on bad arguments / allocation failure.
int ks_resample(const uint8_t *src, int width, int height, int channels,
                uint8_t *dst, int out_w, int out_h, int filter);
#endif
