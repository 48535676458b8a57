// PNG through libspng: the header alone for read_header, then rows streamed from the top
// of the file until the last requested one, so a crop near the top never inflates the rest.
#pragma once

#include <memory>

#include "decode/decoder.h"

namespace parcrop {

// A decoder for the PNG in `data`, which must outlive it. Nothing is parsed until
// read_header. Returns nullptr only when memory runs out.
std::unique_ptr<Decoder> make_png_decoder(ByteSpan data, const Limits& limits);

}  // namespace parcrop
