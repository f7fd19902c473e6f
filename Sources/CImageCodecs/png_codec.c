// PNG through libpng. Each public function keeps its state in a job struct owned by the caller and runs the libpng
// calls in a separate function holding the setjmp, so nothing the error path reads is a local of that function.
#include <png.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include "codec_support.h"

typedef struct {
    jmp_buf jump;
    char *error;
    size_t errorSize;
    // Decoding: the input and how far it has been read; the image's size and the caller's RGB buffer (NULL: size only).
    const unsigned char *input;
    size_t inputSize;
    size_t inputOffset;
    uint32_t width;
    uint32_t height;
    unsigned char *pixels;
    png_bytep *rows;  // owned by the job
    // Encoding: the growing output buffer.
    unsigned char *output;
    size_t outputSize;
    size_t outputCapacity;
    cic_status status;
} png_job;

static void png_job_error(png_structp png, png_const_charp message) {
    png_job *job = png_get_error_ptr(png);
    job->status = cic_fail(CIC_CORRUPT, job->error, job->errorSize, "%s", message);
    longjmp(job->jump, 1);
}

/// libpng warns about recoverable oddities (bad ancillary chunks, unknown sRGB profiles); they are not worth printing.
static void png_job_warning(png_structp png, png_const_charp message) {
    (void)png;
    (void)message;
}

static void png_job_read(png_structp png, png_bytep destination, size_t length) {
    png_job *job = png_get_io_ptr(png);
    if (length > job->inputSize - job->inputOffset) png_error(png, "the file is truncated");
    memcpy(destination, job->input + job->inputOffset, length);
    job->inputOffset += length;
}

static void png_job_write(png_structp png, png_bytep data, size_t length) {
    png_job *job = png_get_io_ptr(png);
    if (length > job->outputCapacity - job->outputSize) {
        size_t capacity = job->outputCapacity ? job->outputCapacity : 65536;
        while (capacity - job->outputSize < length) {
            if (capacity > SIZE_MAX / 2) png_error(png, "encoded image too large");
            capacity *= 2;
        }
        unsigned char *grown = realloc(job->output, capacity);
        if (!grown) png_error(png, "out of memory");
        job->output = grown;
        job->outputCapacity = capacity;
    }
    memcpy(job->output + job->outputSize, data, length);
    job->outputSize += length;
}

static void png_job_flush(png_structp png) { (void)png; }

/// Reads the header and sets up the conversion to 8-bit RGB; returns 0, with the job's status set, if the rows would
/// not be RGB. Runs under the caller's setjmp.
static int png_read_header_steps(png_job *job, png_structp png, png_infop info) {
    png_set_read_fn(png, job, png_job_read);
    png_read_info(png, info);
    png_uint_32 width = png_get_image_width(png, info);
    // Everything becomes 8-bit RGB: palettes and low-bit grey expanded, 16-bit scaled with rounding, alpha dropped.
    png_set_palette_to_rgb(png);
    png_set_expand_gray_1_2_4_to_8(png);
    png_set_scale_16(png);
    png_set_strip_alpha(png);
    png_set_gray_to_rgb(png);
    png_set_interlace_handling(png);
    png_read_update_info(png, info);
    size_t rowBytes = (size_t)width * 3;
    if (png_get_rowbytes(png, info) != rowBytes) {
        job->status = cic_fail(CIC_UNSUPPORTED, job->error, job->errorSize, "rows of %zu bytes after conversion, %zu expected",
                               (size_t)png_get_rowbytes(png, info), rowBytes);
        return 0;
    }
    return 1;
}

static void png_size_steps(png_job *job, png_structp png, png_infop info) {
    if (setjmp(job->jump)) return;
    if (!png_read_header_steps(job, png, info)) return;
    job->width = png_get_image_width(png, info);
    job->height = png_get_image_height(png, info);
    job->status = CIC_OK;
}

static void png_decode_steps(png_job *job, png_structp png, png_infop info) {
    if (setjmp(job->jump)) return;
    if (!png_read_header_steps(job, png, info)) return;
    uint32_t width = png_get_image_width(png, info), height = png_get_image_height(png, info);
    job->status = cic_check_buffer_size(width, height, job->width, job->height, job->error, job->errorSize);
    if (job->status != CIC_OK) return;
    job->rows = malloc(sizeof(png_bytep) * height);
    if (!job->rows) {
        job->status = cic_fail(CIC_TOO_LARGE, job->error, job->errorSize, "out of memory");
        return;
    }
    for (png_uint_32 y = 0; y < height; y++) job->rows[y] = job->pixels + (size_t)width * 3 * y;
    png_read_image(png, job->rows);
    png_read_end(png, NULL);
    job->status = CIC_OK;
}

/// Runs `steps` on a reader of `data` and releases everything the job allocated.
static cic_status png_read(png_job *job, const unsigned char *data, size_t size,
                           void (*steps)(png_job *, png_structp, png_infop)) {
    job->input = data;
    job->inputSize = size;
    job->status = CIC_CORRUPT;
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, job, png_job_error, png_job_warning);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    if (!info) {
        png_destroy_read_struct(&png, NULL, NULL);
        return cic_fail(CIC_TOO_LARGE, job->error, job->errorSize, "out of memory");
    }
    steps(job, png, info);
    png_destroy_read_struct(&png, &info, NULL);
    free(job->rows);
    return job->status;
}

cic_status cic_png_size(const unsigned char *data, size_t size, uint32_t *width, uint32_t *height, char *error,
                        size_t errorSize) {
    png_job job = {.error = error, .errorSize = errorSize};
    cic_status status = png_read(&job, data, size, png_size_steps);
    if (status == CIC_OK) {
        *width = job.width;
        *height = job.height;
    }
    return status;
}

cic_status cic_png_decode(const unsigned char *data, size_t size, unsigned char *pixels, uint32_t width, uint32_t height,
                          char *error, size_t errorSize) {
    png_job job = {.error = error, .errorSize = errorSize, .width = width, .height = height, .pixels = pixels};
    return png_read(&job, data, size, png_decode_steps);
}

static void png_encode_steps(png_job *job, png_structp png, png_infop info, const unsigned char *rgb, uint32_t width,
                             uint32_t height) {
    if (setjmp(job->jump)) return;
    png_set_write_fn(png, job, png_job_write, png_job_flush);
    png_set_IHDR(png, info, width, height, 8, PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
                 PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    for (uint32_t y = 0; y < height; y++) png_write_row(png, rgb + (size_t)width * 3 * y);
    png_write_end(png, NULL);
    job->status = CIC_OK;
}

cic_status cic_png_encode(const unsigned char *rgb, uint32_t width, uint32_t height, unsigned char **output,
                          size_t *outputSize, char *error, size_t errorSize) {
    if (width == 0 || height == 0 || width > PNG_USER_WIDTH_MAX || height > PNG_USER_HEIGHT_MAX)
        return cic_fail(CIC_UNSUPPORTED, error, errorSize, "PNG cannot hold a %ux%u image", width, height);
    png_job job = {.error = error, .errorSize = errorSize, .status = CIC_CORRUPT};
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &job, png_job_error, png_job_warning);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    if (!info) {
        png_destroy_write_struct(&png, NULL);
        return cic_fail(CIC_TOO_LARGE, error, errorSize, "out of memory");
    }
    png_encode_steps(&job, png, info, rgb, width, height);
    png_destroy_write_struct(&png, &info);
    if (job.status != CIC_OK) {
        free(job.output);
        return job.status;
    }
    *output = job.output;
    *outputSize = job.outputSize;
    return CIC_OK;
}

void cic_free(void *pointer) { free(pointer); }
