// JPEG through libjpeg-turbo: region decoding with jpeg_skip_scanlines and
// jpeg_crop_scanline, and DCT-domain scaling (1/2, 1/4, 1/8).
#pragma once

#include <memory>

#include "decode/decoder.h"
#include "decode/jpeg/jpeg_index.h"

namespace parcrop {

std::unique_ptr<Decoder> make_jpeg_decoder(ByteSpan data, const Limits& limits);

// A decoder that enters the entropy-coded data through `index` (built for these bytes;
// one that does not fit them is not used) for regions that are not most of the image.
std::unique_ptr<Decoder> make_indexed_jpeg_decoder(ByteSpan data, std::shared_ptr<const JpegEntropyIndex> index,
                                                   const Limits& limits);

// How a JPEG inside another container is to be read: TIFF stores tiles as abbreviated
// streams that share one stream of tables, and says in its own tags which colour space
// the components hold (libjpeg's guess from markers that TIFF writers often omit would
// turn Aperio's RGB tiles into false colours).
struct EmbeddedJpeg {
    ByteSpan tables;  // an abbreviated stream of tables, read first; may be empty
    enum class Color { guess, rgb, ycbcr } color = Color::guess;
};

std::unique_ptr<Decoder> make_embedded_jpeg_decoder(ByteSpan data, const EmbeddedJpeg& embedding,
                                                    const Limits& limits);

}  // namespace parcrop
