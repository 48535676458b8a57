// JPEG through libjpeg-turbo: region decoding with jpeg_skip_scanlines and
// jpeg_crop_scanline, and DCT-domain scaling (1/2, 1/4, 1/8).
#pragma once

#include <memory>

#include "decode/decoder.h"

namespace parcrop {

std::unique_ptr<Decoder> make_jpeg_decoder(ByteSpan data, const Limits& limits);

}  // namespace parcrop
