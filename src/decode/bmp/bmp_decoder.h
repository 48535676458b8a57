// BMP (Windows and OS/2 bitmaps): core, info, V2 to V5 and OS/2 2.x headers; 1, 2, 4 and
// 8-bit palettes, 16/24/32-bit pixels with or without bit-field masks, RLE8 and RLE4.
// Uncompressed rows are read where they lie, one at a time, so memory is one crop row
// whatever the header claims; run-length rows are expanded one at a time from an index of
// where each starts (bmp_rle.h), checked against max_decode_memory first. Palettes always
// have 256 entries and an index past the file's palette is opaque black, so no output byte
// depends on memory the decoder did not write.
#pragma once

#include <memory>

#include "decode/decoder.h"

namespace parcrop {

// A decoder for the BMP in `data`, which must outlive it. Nothing is parsed until
// read_header. Returns nullptr only when memory runs out.
std::unique_ptr<Decoder> make_bmp_decoder(ByteSpan data, const Limits& limits);

}  // namespace parcrop
