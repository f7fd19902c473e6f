// JPEG through libjpeg-turbo. The default error handler calls exit(); this one longjmps back into the job, and so do
// the warnings about damaged data (a premature end, corrupt segments), which libjpeg would only print.
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jpeglib.h>
#include <jerror.h>
#include "codec_support.h"

typedef struct {
    struct jpeg_error_mgr manager; // first, so libjpeg's `err` pointer is also the job's
    jmp_buf jump;
    char *error;
    size_t errorSize;
    cic_status status;
    unsigned char *pixels;    // decoded RGB, owned by the job until handed to the caller
    unsigned char *cmykRow;   // one CMYK scanline while converting
    unsigned char *output;    // encoded bytes (libjpeg mallocs and grows it)
    unsigned long outputSize;
} jpeg_job;

static int jpeg_is_unsupported(int code) {
    return code == JERR_BAD_PRECISION || code == JERR_CONVERSION_NOTIMPL || code == JERR_NOT_COMPILED ||
           code == JERR_ARITH_NOTIMPL || code == JERR_BAD_IN_COLORSPACE;
}

static void jpeg_job_error(j_common_ptr cinfo) {
    jpeg_job *job = (jpeg_job *)cinfo->err;
    char message[JMSG_LENGTH_MAX];
    job->manager.format_message(cinfo, message);
    job->status = cic_fail(jpeg_is_unsupported(job->manager.msg_code) ? CIC_UNSUPPORTED : CIC_CORRUPT, job->error,
                           job->errorSize, "%s", message);
    longjmp(job->jump, 1);
}

/// Warnings mean damaged data that libjpeg would pad with grey or guess at, so they are errors too; only the two about
/// header fields that do not change the pixels are ignored. Trace messages (level >= 0) are ignored.
static void jpeg_job_message(j_common_ptr cinfo, int level) {
    int code = cinfo->err->msg_code;
    if (level >= 0 || code == JWRN_ADOBE_XFORM || code == JWRN_JFIF_MAJOR) return;
    jpeg_job *job = (jpeg_job *)cinfo->err;
    if (code == JWRN_JPEG_EOF) {
        job->status = cic_fail(CIC_CORRUPT, job->error, job->errorSize, "premature end of JPEG data (the file is truncated)");
    } else {
        char message[JMSG_LENGTH_MAX];
        job->manager.format_message(cinfo, message);
        job->status = cic_fail(CIC_CORRUPT, job->error, job->errorSize, "%s", message);
    }
    longjmp(job->jump, 1);
}

static void jpeg_job_output(j_common_ptr cinfo) { (void)cinfo; }

static void jpeg_job_init(jpeg_job *job, char *error, size_t errorSize) {
    memset(job, 0, sizeof *job);
    jpeg_std_error(&job->manager);
    job->manager.error_exit = jpeg_job_error;
    job->manager.emit_message = jpeg_job_message;
    job->manager.output_message = jpeg_job_output;
    job->error = error;
    job->errorSize = errorSize;
    job->status = CIC_CORRUPT;
}

/// Adobe CMYK JPEGs (the kind Photoshop and libjpeg write) store inverted ink, so 255 means none.
static void jpeg_cmyk_to_rgb(const unsigned char *cmyk, unsigned char *rgb, uint32_t width, int inverted) {
    for (uint32_t x = 0; x < width; x++, cmyk += 4, rgb += 3) {
        unsigned k = inverted ? cmyk[3] : 255u - cmyk[3];
        for (int c = 0; c < 3; c++) {
            unsigned ink = inverted ? cmyk[c] : 255u - cmyk[c];
            rgb[c] = (unsigned char)((ink * k + 127) / 255);
        }
    }
}

static void jpeg_decode_steps(jpeg_job *job, struct jpeg_decompress_struct *cinfo, const unsigned char *data, size_t size,
                              cic_rgb_image *image) {
    if (setjmp(job->jump)) return;
    jpeg_create_decompress(cinfo);
    jpeg_mem_src(cinfo, data, (unsigned long)size);
    jpeg_read_header(cinfo, TRUE);
    if (cic_too_many_pixels(cinfo->image_width, cinfo->image_height)) {
        job->status = cic_fail(CIC_TOO_LARGE, job->error, job->errorSize, "%ux%u pixels is more than the %llu allowed",
                               cinfo->image_width, cinfo->image_height, (unsigned long long)CIC_MAX_PIXELS);
        return;
    }
    int cmyk = cinfo->jpeg_color_space == JCS_CMYK || cinfo->jpeg_color_space == JCS_YCCK;
    // libjpeg converts grayscale, YCbCr and RGB to RGB itself; CMYK it only un-YCCKs, the rest is done here.
    cinfo->out_color_space = cmyk ? JCS_CMYK : JCS_RGB;
    jpeg_start_decompress(cinfo);
    if (cinfo->output_components != (cmyk ? 4 : 3)) {
        job->status = cic_fail(CIC_UNSUPPORTED, job->error, job->errorSize, "%d colour components", cinfo->output_components);
        return;
    }
    uint32_t width = cinfo->output_width, height = cinfo->output_height;
    size_t rowBytes = (size_t)width * 3;
    job->pixels = malloc(rowBytes * height);
    job->cmykRow = cmyk ? malloc((size_t)width * 4) : NULL;
    if (!job->pixels || (cmyk && !job->cmykRow)) {
        job->status = cic_fail(CIC_TOO_LARGE, job->error, job->errorSize, "out of memory for %ux%u pixels", width, height);
        return;
    }
    while (cinfo->output_scanline < height) {
        unsigned char *rgb = job->pixels + rowBytes * cinfo->output_scanline;
        JSAMPROW row = cmyk ? job->cmykRow : rgb;
        jpeg_read_scanlines(cinfo, &row, 1);
        if (cmyk) jpeg_cmyk_to_rgb(job->cmykRow, rgb, width, cinfo->saw_Adobe_marker);
    }
    jpeg_finish_decompress(cinfo);
    image->pixels = job->pixels;
    image->width = width;
    image->height = height;
    job->pixels = NULL;
    job->status = CIC_OK;
}

cic_status cic_jpeg_decode(const unsigned char *data, size_t size, cic_rgb_image *image, char *error, size_t errorSize) {
    jpeg_job job;
    jpeg_job_init(&job, error, errorSize);
    struct jpeg_decompress_struct cinfo;
    memset(&cinfo, 0, sizeof cinfo);
    cinfo.err = &job.manager;
    jpeg_decode_steps(&job, &cinfo, data, size, image);
    jpeg_destroy_decompress(&cinfo);
    free(job.pixels);
    free(job.cmykRow);
    return job.status;
}

static void jpeg_encode_steps(jpeg_job *job, struct jpeg_compress_struct *cinfo, const unsigned char *pixels, uint32_t width,
                              uint32_t height, int components, int quality) {
    if (setjmp(job->jump)) return;
    jpeg_create_compress(cinfo);
    jpeg_mem_dest(cinfo, &job->output, &job->outputSize);
    cinfo->image_width = width;
    cinfo->image_height = height;
    cinfo->input_components = components;
    cinfo->in_color_space = components == 1 ? JCS_GRAYSCALE : components == 3 ? JCS_RGB : JCS_CMYK;
    jpeg_set_defaults(cinfo);
    jpeg_set_quality(cinfo, quality, TRUE);
    jpeg_start_compress(cinfo, TRUE);
    size_t rowBytes = (size_t)width * components;
    while (cinfo->next_scanline < height) {
        JSAMPROW row = (JSAMPROW)(pixels + rowBytes * cinfo->next_scanline);
        jpeg_write_scanlines(cinfo, &row, 1);
    }
    jpeg_finish_compress(cinfo);
    job->status = CIC_OK;
}

cic_status cic_jpeg_encode(const unsigned char *pixels, uint32_t width, uint32_t height, int components, int quality,
                           unsigned char **output, size_t *outputSize, char *error, size_t errorSize) {
    if (components != 1 && components != 3 && components != 4)
        return cic_fail(CIC_UNSUPPORTED, error, errorSize, "%d components (1, 3 or 4 supported)", components);
    if (quality < 1 || quality > 100) return cic_fail(CIC_UNSUPPORTED, error, errorSize, "quality %d is not in 1...100", quality);
    if (width == 0 || height == 0 || width > JPEG_MAX_DIMENSION || height > JPEG_MAX_DIMENSION)
        return cic_fail(CIC_UNSUPPORTED, error, errorSize, "JPEG cannot hold a %ux%u image", width, height);
    jpeg_job job;
    jpeg_job_init(&job, error, errorSize);
    struct jpeg_compress_struct cinfo;
    memset(&cinfo, 0, sizeof cinfo);
    cinfo.err = &job.manager;
    jpeg_encode_steps(&job, &cinfo, pixels, width, height, components, quality);
    jpeg_destroy_compress(&cinfo);
    if (job.status != CIC_OK) {
        free(job.output);
        return job.status;
    }
    *output = job.output;
    *outputSize = job.outputSize;
    return CIC_OK;
}
