// PNG (libpng), JPEG (libjpeg-turbo) and zlib entry points for Swift. libpng and libjpeg report errors by longjmp,
// which Swift cannot do, so every setjmp lives here and each call returns a status with a message instead.
#ifndef CIMAGECODECS_H
#define CIMAGECODECS_H

#include <stddef.h>
#include <stdint.h>

/// Outcome of a codec call.
typedef enum {
    CIC_OK = 0,
    /// The data is damaged or truncated.
    CIC_CORRUPT = 1,
    /// Valid data this build cannot decode (e.g. 12-bit JPEG).
    CIC_UNSUPPORTED = 2,
    /// Too many pixels, or out of memory.
    CIC_TOO_LARGE = 3,
} cic_status;

/// Most memory libjpeg may use for whole-image buffers (a progressive JPEG keeps every coefficient until the last scan).
#define CIC_JPEG_WORKING_MEMORY (1 << 30)

/// Reads a PNG's header: the size of the image. Nothing is decoded, so the caller can refuse absurd sizes first.
cic_status cic_png_size(const unsigned char *data, size_t size, uint32_t *width, uint32_t *height, char *error,
                        size_t errorSize);

/// Decodes a PNG of any colour type and bit depth to 8-bit RGB (palette expanded, alpha dropped, 16-bit scaled) into
/// `pixels`: `width * height * 3` interleaved bytes, row-major, for the size `cic_png_size` reported.
cic_status cic_png_decode(const unsigned char *data, size_t size, unsigned char *pixels, uint32_t width, uint32_t height,
                          char *error, size_t errorSize);

/// Encodes 8-bit RGB as a PNG in memory; free `*output` with `cic_free`.
cic_status cic_png_encode(const unsigned char *rgb, uint32_t width, uint32_t height,
                          unsigned char **output, size_t *outputSize, char *error, size_t errorSize);

/// Reads a JPEG's header: the size of the image decoded at 1/`scale` (1, 2, 4 or 8; libjpeg scales in the inverse DCT,
/// rounding sizes up). Nothing is decoded, so the caller can refuse absurd sizes first.
cic_status cic_jpeg_size(const unsigned char *data, size_t size, unsigned scale, uint32_t *width, uint32_t *height,
                         char *error, size_t errorSize);

/// Decodes a baseline or progressive 8-bit JPEG (grayscale, YCbCr, RGB, CMYK or YCCK) at 1/`scale` to 8-bit RGB into
/// `pixels`: `width * height * 3` interleaved bytes, row-major, for the size `cic_jpeg_size` reported at that scale.
/// Damaged data is an error, including what libjpeg only warns about.
cic_status cic_jpeg_decode(const unsigned char *data, size_t size, unsigned scale, unsigned char *pixels, uint32_t width,
                           uint32_t height, char *error, size_t errorSize);

/// Encodes 8-bit pixels with 1 (grayscale), 3 (RGB) or 4 (Adobe inverted CMYK) components as a JPEG of quality 1...100;
/// free `*output` with `cic_free`.
cic_status cic_jpeg_encode(const unsigned char *pixels, uint32_t width, uint32_t height, int components, int quality,
                           unsigned char **output, size_t *outputSize, char *error, size_t errorSize);

/// Releases memory returned by this module.
void cic_free(void *pointer);

/// zlib's CRC-32 of `size` bytes, continuing from `crc` (0 to start).
uint32_t cic_crc32(uint32_t crc, const unsigned char *data, size_t size);

/// Inflates raw deflate data (zip method 8) into exactly `outputSize` bytes.
cic_status cic_inflate_raw(const unsigned char *input, size_t inputSize, unsigned char *output, size_t outputSize,
                           char *error, size_t errorSize);

#endif
