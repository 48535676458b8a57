// Every format stb_image reads that has no dedicated decoder: BMP, TGA, GIF (first frame),
// PSD (the composite image), PNM (P5/P6) and Radiance HDR (mapped to 8 bits as stbi_load
// does). stb decodes whole images, so decode holds the full image once, then hands out the
// requested rows and columns.
#pragma once

#include <memory>

#include "decode/decoder.h"

namespace parcrop {

// A decoder for the image in `data`, which must outlive it. Nothing is parsed until
// read_header. Returns nullptr only when memory runs out.
std::unique_ptr<Decoder> make_stb_decoder(ByteSpan data, const Limits& limits);

// Whether stb_image can read the header of `data`. The format sniffer's last resort: TGA
// has no magic bytes, so only a trial parse recognises it.
bool stb_recognizes(ByteSpan data);

}  // namespace parcrop
