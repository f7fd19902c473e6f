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
    // Decoding: the input, the scale denominator, the output size and the caller's RGB buffer (NULL: size only).
    const unsigned char *input;
    size_t inputSize;
    unsigned scale;
    uint32_t width;
    uint32_t height;
    unsigned char *pixels;
    unsigned char *cmykRow;   // one CMYK scanline while converting, owned by the job
    // Encoding.
    unsigned char *output;    // encoded bytes (libjpeg mallocs and grows it)
    unsigned long outputSize;
} jpeg_job;

static int jpeg_is_unsupported(int code) {
    return code == JERR_BAD_PRECISION || code == JERR_CONVERSION_NOTIMPL || code == JERR_NOT_COMPILED ||
           code == JERR_ARITH_NOTIMPL || code == JERR_BAD_IN_COLORSPACE;
}

static void jpeg_job_error(j_common_ptr cinfo) {
    jpeg_job *job = (jpeg_job *)cinfo->err;
    int code = job->manager.msg_code;
    if (code == JERR_NO_BACKING_STORE) {
        // libjpeg wants disk space because whole-image buffers (progressive JPEGs) exceed CIC_JPEG_WORKING_MEMORY.
        job->status = cic_fail(CIC_TOO_LARGE, job->error, job->errorSize,
                               "decoding needs more than the %d MiB of working memory allowed", CIC_JPEG_WORKING_MEMORY >> 20);
    } else if (code == JERR_OUT_OF_MEMORY) {
        job->status = cic_fail(CIC_TOO_LARGE, job->error, job->errorSize, "out of memory");
    } else {
        char message[JMSG_LENGTH_MAX];
        job->manager.format_message(cinfo, message);
        job->status = cic_fail(jpeg_is_unsupported(code) ? CIC_UNSUPPORTED : CIC_CORRUPT, job->error, job->errorSize,
                               "%s", message);
    }
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

/// Reads the header and sets the output up: RGB or CMYK (returned), scaled by 1/job->scale. Runs under the caller's
/// setjmp.
static int jpeg_read_header_steps(jpeg_job *job, struct jpeg_decompress_struct *cinfo) {
    jpeg_create_decompress(cinfo);
    cinfo->mem->max_memory_to_use = CIC_JPEG_WORKING_MEMORY;
    jpeg_mem_src(cinfo, job->input, (unsigned long)job->inputSize);
    jpeg_read_header(cinfo, TRUE);
    int cmyk = cinfo->jpeg_color_space == JCS_CMYK || cinfo->jpeg_color_space == JCS_YCCK;
    // libjpeg converts grayscale, YCbCr and RGB to RGB itself; CMYK it only un-YCCKs, the rest is done here.
    cinfo->out_color_space = cmyk ? JCS_CMYK : JCS_RGB;
    cinfo->scale_num = 1;
    cinfo->scale_denom = job->scale;
    jpeg_calc_output_dimensions(cinfo);
    return cmyk;
}

static void jpeg_size_steps(jpeg_job *job, struct jpeg_decompress_struct *cinfo) {
    if (setjmp(job->jump)) return;
    jpeg_read_header_steps(job, cinfo);
    job->width = cinfo->output_width;
    job->height = cinfo->output_height;
    job->status = CIC_OK;
}

static void jpeg_decode_steps(jpeg_job *job, struct jpeg_decompress_struct *cinfo) {
    if (setjmp(job->jump)) return;
    int cmyk = jpeg_read_header_steps(job, cinfo);
    job->status = cic_check_buffer_size(cinfo->output_width, cinfo->output_height, job->width, job->height, job->error,
                                        job->errorSize);
    if (job->status != CIC_OK) return;
    jpeg_start_decompress(cinfo);
    if (cinfo->output_components != (cmyk ? 4 : 3)) {
        job->status = cic_fail(CIC_UNSUPPORTED, job->error, job->errorSize, "%d colour components", cinfo->output_components);
        return;
    }
    size_t rowBytes = (size_t)job->width * 3;
    if (cmyk && !(job->cmykRow = malloc((size_t)job->width * 4))) {
        job->status = cic_fail(CIC_TOO_LARGE, job->error, job->errorSize, "out of memory");
        return;
    }
    while (cinfo->output_scanline < job->height) {
        unsigned char *rgb = job->pixels + rowBytes * cinfo->output_scanline;
        JSAMPROW row = cmyk ? job->cmykRow : rgb;
        jpeg_read_scanlines(cinfo, &row, 1);
        if (cmyk) jpeg_cmyk_to_rgb(job->cmykRow, rgb, job->width, cinfo->saw_Adobe_marker);
    }
    jpeg_finish_decompress(cinfo);
    job->status = CIC_OK;
}

/// Runs `steps` on a decompressor reading `data` and releases everything the job allocated.
static cic_status jpeg_read(jpeg_job *job, const unsigned char *data, size_t size, unsigned scale,
                            void (*steps)(jpeg_job *, struct jpeg_decompress_struct *)) {
    if (scale != 1 && scale != 2 && scale != 4 && scale != 8)
        return cic_fail(CIC_UNSUPPORTED, job->error, job->errorSize, "scale 1/%u (1, 2, 4 or 8 supported)", scale);
    job->input = data;
    job->inputSize = size;
    job->scale = scale;
    struct jpeg_decompress_struct cinfo;
    memset(&cinfo, 0, sizeof cinfo);
    cinfo.err = &job->manager;
    steps(job, &cinfo);
    jpeg_destroy_decompress(&cinfo);
    free(job->cmykRow);
    return job->status;
}

cic_status cic_jpeg_size(const unsigned char *data, size_t size, unsigned scale, uint32_t *width, uint32_t *height,
                         char *error, size_t errorSize) {
    jpeg_job job;
    jpeg_job_init(&job, error, errorSize);
    cic_status status = jpeg_read(&job, data, size, scale, jpeg_size_steps);
    if (status == CIC_OK) {
        *width = job.width;
        *height = job.height;
    }
    return status;
}

cic_status cic_jpeg_decode(const unsigned char *data, size_t size, unsigned scale, unsigned char *pixels, uint32_t width,
                           uint32_t height, char *error, size_t errorSize) {
    jpeg_job job;
    jpeg_job_init(&job, error, errorSize);
    job.pixels = pixels;
    job.width = width;
    job.height = height;
    return jpeg_read(&job, data, size, scale, jpeg_decode_steps);
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
