// CRC-32 and raw inflate from zlib, for zip (.npz) archives.
#include <zlib.h>
#include "codec_support.h"

uint32_t cic_crc32(uint32_t crc, const unsigned char *data, size_t size) {
    return (uint32_t)crc32_z(crc, data, size);
}

cic_status cic_inflate_raw(const unsigned char *input, size_t inputSize, unsigned char *output, size_t outputSize,
                           char *error, size_t errorSize) {
    z_stream stream = {0};
    if (inflateInit2(&stream, -MAX_WBITS) != Z_OK) return cic_fail(CIC_TOO_LARGE, error, errorSize, "zlib: out of memory");
    stream.next_in = (Bytef *)input;
    stream.next_out = output;
    int result = Z_OK;
    // avail_in/avail_out are 32-bit, so feed at most 1 GiB at a time.
    const size_t chunk = (size_t)1 << 30;
    size_t inputLeft = inputSize, outputLeft = outputSize;
    while (result == Z_OK) {
        if (stream.avail_in == 0) {
            stream.avail_in = (uInt)(inputLeft < chunk ? inputLeft : chunk);
            inputLeft -= stream.avail_in;
        }
        if (stream.avail_out == 0) {
            stream.avail_out = (uInt)(outputLeft < chunk ? outputLeft : chunk);
            outputLeft -= stream.avail_out;
        }
        uInt availableIn = stream.avail_in, availableOut = stream.avail_out;
        result = inflate(&stream, Z_NO_FLUSH);
        // No progress with nothing left to feed: the stream is truncated or longer than announced.
        if (result == Z_BUF_ERROR || (result == Z_OK && stream.avail_in == availableIn && stream.avail_out == availableOut)) break;
    }
    uLong produced = stream.total_out;
    inflateEnd(&stream);
    if (result != Z_STREAM_END) {
        const char *why = result == Z_DATA_ERROR ? "corrupt deflate data" : "deflate data is truncated or longer than its stated size";
        return cic_fail(CIC_CORRUPT, error, errorSize, "%s", why);
    }
    if (produced != outputSize)
        return cic_fail(CIC_CORRUPT, error, errorSize, "inflated to %lu bytes, %zu expected", (unsigned long)produced, outputSize);
    return CIC_OK;
}
