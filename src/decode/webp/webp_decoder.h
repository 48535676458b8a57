// WebP (lossy VP8, lossless VP8L, and the extended format's still images with alpha)
// through libwebp. libwebp crops while it decodes: only the crop's rectangle is converted
// to RGB and stored, and decoding stops after the crop's last row, but the macroblock rows
// above the crop are still entropy-decoded (a VP8 frame has no random access). The
// rectangle is held whole, so it is checked against Limits::max_decode_memory first.
// Animated files are PARCROP_E_UNSUPPORTED: libwebp's still-image decoder refuses them.
#pragma once

#include <memory>

#include "decode/decoder.h"

namespace parcrop {

// A decoder for the WebP file in `data`, which must outlive it. Nothing is parsed until
// read_header. Returns nullptr only when memory runs out.
std::unique_ptr<Decoder> make_webp_decoder(ByteSpan data, const Limits& limits);

// Whether `data` starts as a WebP file does: "RIFF", a size, "WEBP".
bool webp_recognizes(ByteSpan data);

}  // namespace parcrop
