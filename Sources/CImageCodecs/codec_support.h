// Helpers shared by the codec files.
#ifndef CIC_CODEC_SUPPORT_H
#define CIC_CODEC_SUPPORT_H

#include <stdarg.h>
#include <stdio.h>
#include "CImageCodecs.h"

/// Writes a message into the caller's error buffer and returns `status`.
static inline cic_status cic_fail(cic_status status, char *error, size_t errorSize, const char *format, ...) {
    if (error && errorSize > 0) {
        va_list arguments;
        va_start(arguments, format);
        vsnprintf(error, errorSize, format, arguments);
        va_end(arguments);
    }
    return status;
}

/// CIC_OK, or CIC_UNSUPPORTED when the caller's buffer was sized for another image than the one being decoded.
static inline cic_status cic_check_buffer_size(uint32_t width, uint32_t height, uint32_t bufferWidth,
                                               uint32_t bufferHeight, char *error, size_t errorSize) {
    if (width == bufferWidth && height == bufferHeight) return CIC_OK;
    return cic_fail(CIC_UNSUPPORTED, error, errorSize, "the image is %ux%u but its buffer holds %ux%u", width, height,
                    bufferWidth, bufferHeight);
}

#endif
