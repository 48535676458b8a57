// GIF87a and GIF89a, first frame only, as parcrop's own streaming decoder. The image is
// the logical screen, rendered as stb_image 2.27 renders a first frame (RGBA, so callers
// that switch from stb see the same pixels), but rows are decoded top-down and only as far
// as the crop needs: memory is one row of the crop, or for an interlaced frame the crop's
// requested rows, never the whole screen the header claims.
#pragma once

#include <memory>

#include "decode/decoder.h"

namespace parcrop {

// A decoder for the GIF in `data`, which must outlive it. Nothing is parsed until
// read_header. Returns nullptr only when memory runs out.
std::unique_ptr<Decoder> make_gif_decoder(ByteSpan data, const Limits& limits);

}  // namespace parcrop
