#ifndef INLET_CZLIB_SHIM_H
#define INLET_CZLIB_SHIM_H

#define ZLIB_CONST
#include <zlib.h>

/// inflateInit2 and deflateInit2 are function-like macros, which Swift cannot import.
static inline int inlet_inflate_init2(z_stream *stream, int window_bits) {
    return inflateInit2(stream, window_bits);
}

static inline int inlet_deflate_init2(z_stream *stream, int level, int window_bits) {
    return deflateInit2(stream, level, Z_DEFLATED, window_bits, 8, Z_DEFAULT_STRATEGY);
}

#endif
