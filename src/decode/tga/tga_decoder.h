// Truevision TGA (image types 1, 2, 3 and their run-length forms 9, 10, 11), read without
// stb_image: a header claiming 65535x65535 costs nothing until pixels are found for it.
// Uncompressed rows are read where they lie, only those requested. Run-length data is
// walked from its start to the last requested row, keeping only the crop's columns; rows
// stored bottom-up are held as the crop's region (against max_decode_memory) so that they
// can be handed over top row first.
//
// Pixels equal stb_image 2.27's wherever stb decodes a file correctly. Where it does not,
// parcrop follows the TGA specification (and Pillow):
// - a colour map's first-entry index names the index of its first stored entry (stb
//   skips that many bytes instead);
// - an index outside the map is opaque black (stb takes entry 0), as for PNG palettes:
//   the output never depends on bytes the decoder did not write;
// - descriptor bit 4 (pixels stored right to left) mirrors each row (stb ignores it).
// 15- and 16-bit pixels and map entries are 5-5-5 RGB scaled as stb does (v * 255 / 31,
// rounded down); the top bit (the attribute or alpha bit) is ignored, as stb does, so
// they are opaque RGB.
#pragma once

#include <memory>

#include "decode/decoder.h"

namespace parcrop {

// A decoder for the TGA in `data`, which must outlive it. Nothing is parsed until
// read_header. Returns nullptr only when memory runs out.
std::unique_ptr<Decoder> make_tga_decoder(ByteSpan data, const Limits& limits);

// TGA has no magic bytes: this accepts exactly the headers stb_image 2.27's stbi__tga_test
// accepts (missing bytes read as zero, as stb reads them), so format detection is
// unchanged by the switch from stb.
bool tga_recognizes(ByteSpan data);

}  // namespace parcrop
