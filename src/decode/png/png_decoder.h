// PNG: the header alone for read_header, then rows inflated (ISA-L) and unfiltered from
// the top of the file until the last requested one, and only up to the crop's right edge,
// so a crop near the top never inflates the rest and one at the left never unfilters it.
// Output equals libspng's 8-bit decode of the same file (the tests' reference).
#pragma once

#include <memory>

#include "decode/decoder.h"

namespace parcrop {

// A decoder for the PNG in `data`, which must outlive it. Nothing is parsed until
// read_header. Returns nullptr only when memory runs out.
std::unique_ptr<Decoder> make_png_decoder(ByteSpan data, const Limits& limits);

}  // namespace parcrop
