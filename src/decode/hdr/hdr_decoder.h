// Radiance RGBE (.hdr), read without stb_image and tone-mapped to 8-bit RGB exactly as
// stbi_load maps it (gamma 2.2, scale 1). Flat scanlines are read where they lie, only the
// requested rows and columns; run-length scanlines are walked from the first to the last
// requested row, keeping the crop's columns of one row. Malformed run lengths (a count of
// 0, a run past the end of the row) are PARCROP_E_CORRUPT, where stb 2.27 loops forever.
//
// As in stb, the first scanline decides how all are stored: run-length when the width is
// 8 to 32767 and it starts 2, 2, hi, lo with hi < 128, flat otherwise (and then a later
// 2, 2 is just a pixel). A later run-length row that lacks that start is CORRUPT: stb
// restarts the whole image from there as flat data, which is no decode of the file.
#pragma once

#include <memory>

#include "decode/decoder.h"

namespace parcrop {

// A decoder for the Radiance image in `data` (starting "#?RADIANCE\n" or "#?RGBE\n"),
// which must outlive it. Nothing is parsed until read_header. Returns nullptr only when
// memory runs out.
std::unique_ptr<Decoder> make_hdr_decoder(ByteSpan data, const Limits& limits);

// Whether `data` starts with one of the two Radiance signatures.
bool hdr_recognizes(ByteSpan data);

}  // namespace parcrop
