// PSD (the composite image) and PNM (P5/P6) through stb_image, the formats without a
// decoder of parcrop's own. stb decodes whole images, so decode checks the header's claim
// against the data and max_decode_memory, holds the full image once, then hands out the
// requested rows and columns.
#pragma once

#include <memory>

#include "decode/decoder.h"

namespace parcrop {

// A decoder for the image in `data`, which must outlive it. Nothing is parsed until
// read_header. Returns nullptr only when memory runs out.
std::unique_ptr<Decoder> make_stb_decoder(ByteSpan data, const Limits& limits);

// Whether stb_image can read the header of `data`: the format sniffer's last resort.
bool stb_recognizes(ByteSpan data);

}  // namespace parcrop
