// What an image is, from its headers alone: format, stored size and layout, EXIF
// orientation, interlacing and restart markers. JPEG is walked marker by marker
// (jpeg_header.h) and PNG chunk by chunk (png_chunks.h); the other formats use their
// decoders' read_header and describe. No pixel is decoded and nothing image-sized is
// allocated, and each parser stops where its pixel data begins.
#pragma once

#include <cstdint>
#include <vector>

#include "common/limits.h"
#include "common/status.h"
#include "decode/decoder.h"
#include "decode/tiff/tiff_input.h"

namespace parcrop {

struct ImageInfo {
    FileFormat format = FileFormat::unknown;
    uint32_t width = 0, height = 0;  // as stored
    uint32_t channels = 0;           // 1 gray, 2 gray+alpha, 3 RGB, 4 RGBA
    uint32_t orientation = 1;        // EXIF, 1..8
    bool exif_malformed = false;
    const char* exif_problem = "";   // static text, when exif_malformed
    bool progressive = false;
    bool interlaced = false;
    bool has_alpha = false;
    uint32_t restart_interval = 0;   // JPEG, MCUs
    // Resolution levels, largest first (one for single-resolution formats).
    struct Level {
        uint32_t width = 0, height = 0;
        double downsample = 1;
    };
    std::vector<Level> levels;
    uint32_t tile_width = 0, tile_height = 0;  // TIFF
    uint32_t compression = 0;                  // TIFF's Compression value
    double microns_per_pixel_x = 0, microns_per_pixel_y = 0;
};

// Probes the image that starts with `head`, checking its size against the limits.
// `head` may be only the first bytes of the input: PARCROP_E_TRUNCATED then means they
// did not reach the end of the headers, and *needed (if not null) is how many bytes
// the parser wants to go on, or 0 when it cannot tell. Never throws.
Status probe_image(ByteSpan head, const Limits& limits, ImageInfo* info, uint64_t* needed);

// A TIFF's directories, read where they lie (a slide's are spread over gigabytes).
Status probe_tiff(const TiffInput& input, const Limits& limits, ImageInfo* info);

}  // namespace parcrop
