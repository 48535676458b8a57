// The byte codecs of TIFF tiles and strips (uncompressed, LZW, Deflate, ZSTD) and the
// horizontal predictor, with no knowledge of the TIFF directory: the caller hands over
// one tile's or strip's bytes and says how many uncompressed bytes it needs. Decoding
// stops there, so a crop that ends in a tile's first rows pays for those rows only.
// Thread-safe: every call is independent (ZSTD and Deflate keep one decoder state per
// thread, reused across calls).
#pragma once

#include <cstddef>
#include <cstdint>

#include "common/status.h"
#include "decode/decoder.h"

namespace parcrop {

// TIFF Compression tag values parcrop reads.
enum class TiffCompression : uint16_t { none = 1, lzw = 5, jpeg = 7, deflate = 8, adobe_deflate = 32946, zstd = 50000, webp = 50001 };

// Decompresses the start of one tile or strip: exactly `wanted` bytes of its uncompressed
// data into `out` (room for `wanted` bytes). The stream may hold more (rows below the
// crop): decoding stops as soon as `wanted` bytes are out, so time follows the crop's last row.
// Only none, lzw, deflate, adobe_deflate, zstd (jpeg and webp tiles are decoded elsewhere:
// PARCROP_E_INTERNAL for them). PARCROP_E_TRUNCATED when the stream ends before `wanted`
// bytes, PARCROP_E_CORRUPT on malformed data, PARCROP_E_UNSUPPORTED for old-style (LSB-first) LZW.
// Never reads outside `compressed`, never writes past out+wanted; messages name the codec.
//
// "Ends" means either that the bytes run out or that the stream's own end (LZW's
// EndOfInformation, deflate's last block, the end of ZSTD's frames) comes first: both
// are a tile shorter than its directory says, and both are TRUNCATED. The zlib Adler-32
// is checked only when the whole deflate stream was decoded within `wanted` bytes; a
// decode that stops early never sees it. On any status but OK the contents of
// out[0, wanted) are unspecified.
Status decompress_tiff_bytes(TiffCompression compression, ByteSpan compressed, uint8_t* out, size_t wanted);

// Reverses TIFF predictor 2 (horizontal differencing) on 8-bit samples, in place:
// row_count rows of row_bytes each, `samples` interleaved samples per pixel.
void undo_horizontal_predictor(uint8_t* rows, size_t row_count, size_t row_bytes, uint32_t samples);

}  // namespace parcrop
