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

/// Checks a decoded size against CIC_MAX_PIXELS (both dimensions are at most 2^32, so the product cannot overflow).
static inline int cic_too_many_pixels(uint64_t width, uint64_t height) {
    return width * height > CIC_MAX_PIXELS;
}

#endif
