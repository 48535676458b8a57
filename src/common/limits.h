// What one item may cost: checked against an image's header before any pixel memory
// is allocated, and against a file's size before it is read.
#pragma once

#include <cstdint>

#include "common/status.h"

namespace parcrop {

struct Limits {
    uint32_t max_width = 65535;
    uint32_t max_height = 65535;
    uint64_t max_pixels = 178956970;  // Pillow's decompression-bomb error threshold
    uint64_t max_file_size = uint64_t{1} << 30;
    // What a decoder that must hold a whole image, band or region may allocate for it.
    uint64_t max_decode_memory = uint64_t{256} << 20;
    // Tiled formats (TIFF) are read by parts, so the limits above, made for images
    // decoded in one piece, do not bound them: a slide of 10^5 pixels a side is
    // ordinary. What bounds an item is the pixels of the tiles its crop covers, and a
    // sanity bound on sides keeps arithmetic on hostile headers small.
    uint64_t max_item_decoded_pixels = uint64_t{1} << 28;
    uint32_t max_tiled_image_side = uint32_t{1} << 20;
};

// PARCROP_E_IMAGE_TOO_LARGE / PARCROP_E_TOO_MANY_PIXELS / PARCROP_E_CORRUPT (zero size).
Status check_dimensions(uint32_t width, uint32_t height, const Limits& limits);

// PARCROP_E_DECODE_MEMORY when a decoder's buffer of `bytes` (what: "the crop's band")
// would exceed max_decode_memory; call it before allocating.
Status check_decode_memory(uint64_t bytes, const char* what, const Limits& limits);

}  // namespace parcrop
