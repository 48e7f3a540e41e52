// PNG decoding over libpng, producing the 8-bit pixels Pillow's PngImagePlugin yields:
// palettes expanded (palette alpha kept), 1/2/4-bit gray scaled to 8 bits, 16-bit colour
// samples reduced to their high byte, and 16-bit gray clipped to 255 like Pillow's I;16 -> L.
// Gray tRNS keys are applied as Pillow does (convert_transparent): the key is compared with the
// 8-bit expanded sample (so for 1/2/4-bit files only key 0 can match) or the raw 16-bit sample.
#include "CImageSupport.h"
#include <png.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KS_MAX_PIXELS 178956970LL

typedef struct {
    const uint8_t *data;
    size_t len;
    size_t pos;
    char *err;
    size_t errlen;
} ks_png_io;

static void ks_png_read(png_structp png, png_bytep dst, png_size_t n) {
    ks_png_io *io = (ks_png_io *)png_get_io_ptr(png);
    if (io->len - io->pos < n) { png_error(png, "image file is truncated"); }
    memcpy(dst, io->data + io->pos, n);
    io->pos += n;
}

static void ks_png_error(png_structp png, png_const_charp msg) {
    ks_png_io *io = (ks_png_io *)png_get_error_ptr(png);
    snprintf(io->err, io->errlen, "%s", msg);
    png_longjmp(png, 1);
}

static void ks_png_warning(png_structp png, png_const_charp msg) { (void)png; (void)msg; }

int ks_decode_png(const uint8_t *data, size_t len, ks_image *out, char *err, size_t errlen) {
    memset(out, 0, sizeof(*out));
    if (len < 8 || png_sig_cmp(data, 0, 8) != 0) {
        snprintf(err, errlen, "not a PNG file (bad signature)");
        return -1;
    }
    ks_png_io io = {data, len, 0, err, errlen};
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &io, ks_png_error, ks_png_warning);
    if (!png) {
        snprintf(err, errlen, "cannot create libpng reader");
        return -1;
    }
    png_infop info = png_create_info_struct(png);
    uint8_t *volatile pixels = NULL;
    png_bytep *volatile rows = NULL;
    if (!info || setjmp(png_jmpbuf(png))) {
        if (!info) { snprintf(err, errlen, "cannot create libpng info"); }
        png_destroy_read_struct(&png, info ? &info : NULL, NULL);
        free(pixels);
        free(rows);
        return -1;
    }
    png_set_read_fn(png, &io, ks_png_read);
    png_set_user_limits(png, 0x7fffffff / 8, 0x7fffffff / 8);
    png_read_info(png, info);
    png_uint_32 w = 0, h = 0;
    int depth = 0, ctype = 0, interlace = 0;
    png_get_IHDR(png, info, &w, &h, &depth, &ctype, &interlace, NULL, NULL);
    if ((long long)w * h > KS_MAX_PIXELS) {
        snprintf(err, errlen, "%ux%u exceeds the %lld-pixel limit", w, h, KS_MAX_PIXELS);
        png_destroy_read_struct(&png, &info, NULL);
        return -1;
    }
    const int has_trns = png_get_valid(png, info, PNG_INFO_tRNS) != 0;
    const int gray = (ctype == PNG_COLOR_TYPE_GRAY);
    int gray_key = -1;
    if (gray && has_trns) {
        png_color_16p trans = NULL;
        png_get_tRNS(png, info, NULL, NULL, &trans);
        if (trans) { gray_key = trans->gray; }
    }
    if (ctype == PNG_COLOR_TYPE_PALETTE) { png_set_palette_to_rgb(png); }
    if (gray && depth < 8) { png_set_expand_gray_1_2_4_to_8(png); }
    if (has_trns && !gray) { png_set_tRNS_to_alpha(png); }
    if (depth == 16 && !gray) { png_set_strip_16(png); }
    png_set_interlace_handling(png);
    png_read_update_info(png, info);
    const int ch = png_get_channels(png, info) + (gray_key >= 0 ? 1 : 0);
    const size_t rowbytes = png_get_rowbytes(png, info);
    const int bytes16 = (png_get_bit_depth(png, info) == 16);
    // Gray with a key gets a second (alpha) byte per pixel, filled in after reading.
    pixels = malloc(rowbytes * h + (gray_key >= 0 ? (size_t)w * h : 0));
    rows = malloc(sizeof(png_bytep) * h);
    if (!pixels || !rows) {
        snprintf(err, errlen, "out of memory for %ux%u", w, h);
        png_destroy_read_struct(&png, &info, NULL);
        free(pixels);
        free(rows);
        return -1;
    }
    for (png_uint_32 y = 0; y < h; y++) { rows[y] = pixels + rowbytes * y; }
    png_read_image(png, rows);
    png_read_end(png, NULL);
    png_destroy_read_struct(&png, &info, NULL);
    free(rows);
    if (gray) {
        // In place: 16-bit samples (2 bytes in, ch <= 2 bytes out) go forwards; 8-bit gray that
        // gains an alpha byte goes backwards, so no sample is overwritten before it is read.
        const size_t n = (size_t)w * h;
        if (bytes16) {
            for (size_t i = 0; i < n; i++) {
                const int raw = (pixels[2 * i] << 8) | pixels[2 * i + 1];
                const uint8_t v = raw > 255 ? 255 : (uint8_t)raw;  // Pillow I;16 -> L clips
                pixels[i * ch] = v;
                if (gray_key >= 0) { pixels[i * ch + 1] = raw == gray_key ? 0 : 255; }
            }
        } else if (gray_key >= 0) {
            for (size_t i = n; i-- > 0;) {
                const uint8_t v = pixels[i];
                pixels[2 * i] = v;
                pixels[2 * i + 1] = v == gray_key ? 0 : 255;
            }
        }
    }
    out->pixels = pixels;
    out->width = (int)w;
    out->height = (int)h;
    out->channels = ch;
    out->layout = ch == 1 ? KS_GRAY : ch == 2 ? KS_GRAY_ALPHA : ch == 3 ? KS_RGB : KS_RGBA;
    out->has_key = has_trns;
    return 0;
}
