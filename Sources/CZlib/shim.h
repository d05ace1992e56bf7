#ifndef FLOWLOG_CZLIB_SHIM_H
#define FLOWLOG_CZLIB_SHIM_H
#include <zlib.h>

/// inflateInit2 is a macro, which Swift cannot import. Window bits 15 + 16 accept a gzip
/// header and trailer only (not raw zlib or deflate data).
static inline int flowlog_inflate_init_gzip(z_streamp stream) {
    return inflateInit2(stream, 15 + 16);
}
#endif
