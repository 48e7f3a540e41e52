// JPEG decoding over libjpeg(-turbo) with the settings Pillow uses: ISLOW DCT, fancy
// upsampling, libjpeg's own YCbCr->RGB and YCCK->CMYK conversion. Errors longjmp back here.
#include "CImageSupport.h"
#include <stdio.h>
#include <jpeglib.h>
#include <jerror.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/// Pillow's decompression-bomb error threshold (2 * MAX_IMAGE_PIXELS).
#define KS_MAX_PIXELS 178956970LL

typedef struct {
    struct jpeg_error_mgr pub;
    jmp_buf jump;
    int truncated;
} ks_jpeg_error;

static void ks_jpeg_error_exit(j_common_ptr cinfo) {
    ks_jpeg_error *e = (ks_jpeg_error *)cinfo->err;
    longjmp(e->jump, 1);
}

/// libjpeg only warns on a premature end of data and pads with gray; Pillow raises
/// "image file is truncated" instead, so we remember the warning and fail afterwards.
static void ks_jpeg_emit(j_common_ptr cinfo, int level) {
    ks_jpeg_error *e = (ks_jpeg_error *)cinfo->err;
    if (level < 0 && e->pub.msg_code == JWRN_JPEG_EOF) { e->truncated = 1; }
}

int ks_decode_jpeg(const uint8_t *data, size_t len, ks_image *out, char *err, size_t errlen) {
    struct jpeg_decompress_struct cinfo;
    ks_jpeg_error jerr;
    uint8_t *volatile pixels = NULL;
    memset(out, 0, sizeof(*out));
    if (len == 0 || len > 0x7fffffffUL) {
        snprintf(err, errlen, "empty or oversized input (%zu bytes)", len);
        return -1;
    }
    cinfo.err = jpeg_std_error(&jerr.pub);
    jerr.pub.error_exit = ks_jpeg_error_exit;
    jerr.pub.emit_message = ks_jpeg_emit;
    jerr.truncated = 0;
    if (setjmp(jerr.jump)) {
        char buf[JMSG_LENGTH_MAX];
        (*cinfo.err->format_message)((j_common_ptr)&cinfo, buf);
        snprintf(err, errlen, "%s", buf);
        jpeg_destroy_decompress(&cinfo);
        free(pixels);
        return -1;
    }
    jpeg_create_decompress(&cinfo);
    jpeg_mem_src(&cinfo, data, (unsigned long)len);
    jpeg_read_header(&cinfo, TRUE);
    if (jerr.truncated) {
        snprintf(err, errlen, "image file is truncated (in header)");
        jpeg_destroy_decompress(&cinfo);
        return -1;
    }
    int layout;
    switch (cinfo.jpeg_color_space) {
    case JCS_GRAYSCALE: cinfo.out_color_space = JCS_GRAYSCALE; layout = KS_GRAY; break;
    case JCS_CMYK:
    case JCS_YCCK: cinfo.out_color_space = JCS_CMYK; layout = KS_CMYK; break;
    default: cinfo.out_color_space = JCS_RGB; layout = KS_RGB; break;
    }
    cinfo.dct_method = JDCT_ISLOW;
    cinfo.do_fancy_upsampling = TRUE;
    if ((long long)cinfo.image_width * cinfo.image_height > KS_MAX_PIXELS) {
        snprintf(err, errlen, "%ux%u exceeds the %lld-pixel limit", cinfo.image_width,
                 cinfo.image_height, KS_MAX_PIXELS);
        jpeg_destroy_decompress(&cinfo);
        return -1;
    }
    jpeg_start_decompress(&cinfo);
    const int w = (int)cinfo.output_width, h = (int)cinfo.output_height;
    const int ch = cinfo.output_components;
    if ((layout == KS_GRAY && ch != 1) || (layout == KS_RGB && ch != 3) || (layout == KS_CMYK && ch != 4)) {
        snprintf(err, errlen, "unsupported component count %d", ch);
        jpeg_destroy_decompress(&cinfo);
        return -1;
    }
    pixels = malloc((size_t)w * h * ch);
    if (!pixels) {
        snprintf(err, errlen, "out of memory for %dx%d", w, h);
        jpeg_destroy_decompress(&cinfo);
        return -1;
    }
    while (cinfo.output_scanline < cinfo.output_height) {
        JSAMPROW row = pixels + (size_t)cinfo.output_scanline * w * ch;
        jpeg_read_scanlines(&cinfo, &row, 1);
        if (jerr.truncated) { break; }
    }
    if (jerr.truncated) {
        snprintf(err, errlen, "image file is truncated (%u of %d rows)", cinfo.output_scanline, h);
        jpeg_destroy_decompress(&cinfo);
        free(pixels);
        return -1;
    }
    // A missing EOI after complete pixel data is tolerated, as Pillow does.
    jpeg_finish_decompress(&cinfo);
    jpeg_destroy_decompress(&cinfo);
    if (layout == KS_CMYK) {
        // Pillow reads 4-component JPEGs as "CMYK;I" (Adobe's inverted convention).
        const size_t n = (size_t)w * h * 4;
        for (size_t i = 0; i < n; i++) { pixels[i] = (uint8_t)(255 - pixels[i]); }
    }
    out->pixels = pixels;
    out->width = w;
    out->height = h;
    out->layout = layout;
    out->channels = ch;
    return 0;
}
