// A TIFF's directories, parsed once per file per batch from untrusted bytes: the
// pyramid levels (the main image, its reduced-resolution copies in the IFD chain or in
// SubIFDs), how their pixels are laid out in tiles or strips, and the resolution.
// Nothing here reads pixels; tile offset tables stay in the file and are read one
// entry at a time (a BigTIFF slide's tables hold megabytes).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"
#include "decode/tiff/tiff_input.h"

namespace parcrop {

// TIFF Compression values parcrop reads (and the ones it names when it cannot).
namespace tiff_compression {
constexpr uint16_t none = 1;
constexpr uint16_t lzw = 5;
constexpr uint16_t old_jpeg = 6;
constexpr uint16_t jpeg = 7;
constexpr uint16_t deflate = 8;
constexpr uint16_t adobe_deflate = 32946;
constexpr uint16_t zstd = 50000;
constexpr uint16_t webp = 50001;
}  // namespace tiff_compression

// A short lowercase name ("jpeg", "deflate", ...) of a Compression value parcrop reads.
const char* tiff_compression_name(uint16_t compression);

// Where one array of a directory entry lies: in the file, or inline in the entry.
struct TiffArray {
    uint16_t type = 0;            // TIFF field type: SHORT, LONG or LONG8 for offsets and counts
    uint64_t count = 0;
    uint64_t offset = 0;          // of the first element, when not inline
    bool is_inline = false;
    uint8_t inline_bytes[8] = {};  // the entry's value field, when inline
};

struct TiffLevel {
    uint32_t width = 0, height = 0;
    // Tiles; for a stripped image one column of strips: tile_width = width and
    // tile_height = rows per strip (the last strip holds only the rows left).
    bool tiled = false;
    uint32_t tile_width = 0, tile_height = 0;
    uint32_t tiles_across = 0, tiles_down = 0;
    uint32_t samples = 0;        // 1 gray, 2 gray+alpha, 3 RGB, 4 RGBA
    uint16_t compression = tiff_compression::none;
    uint16_t photometric = 0;    // 1 min-is-black, 2 RGB, 6 YCbCr (JPEG only)
    bool predictor = false;      // horizontal differencing (predictor 2)
    std::vector<uint8_t> jpeg_tables;  // an abbreviated JPEG stream of tables, or empty
    TiffArray offsets, byte_counts;
    // The largest JPEG DCT reduction whose tile grid stays whole (1 for other codecs).
    uint32_t max_scale_denom = 1;

    uint64_t tile_count() const { return uint64_t{tiles_across} * tiles_down; }
    // The rows a tile or strip stores: a whole tile, or what is left for the last strip.
    uint32_t stored_rows(uint32_t tile_row) const {
        if (tiled) return tile_height;
        const uint64_t first = uint64_t{tile_row} * tile_height;
        return static_cast<uint32_t>(std::min<uint64_t>(tile_height, height - first));
    }
};

struct TiffImage {
    bool big_endian = false;
    bool bigtiff = false;
    // Level 0 is the full-resolution image; later ones are smaller, largest first.
    std::vector<TiffLevel> levels;
    // Microns per pixel of level 0, 0 when the file does not say.
    double microns_per_pixel_x = 0, microns_per_pixel_y = 0;
};

// Bounds that keep a hostile directory cheap to parse.
struct TiffLimits {
    uint32_t max_side = uint32_t{1} << 20;  // a level's width and height
    uint32_t max_levels = 16;               // levels kept, largest first
};

// Parses the header and directories. PARCROP_E_UNKNOWN_FORMAT unless the input starts
// with a TIFF header; PARCROP_E_CORRUPT or PARCROP_E_TRUNCATED for malformed
// directories (loops, entries past the end, inconsistent tile tables);
// PARCROP_E_UNSUPPORTED for an image parcrop cannot decode (samples other than 8-bit
// unsigned, separate planes, a compression it does not read); PARCROP_E_IMAGE_TOO_LARGE
// for a side over limits.max_side. Reduced levels that cannot be read are left out.
Status parse_tiff(const TiffInput& input, const TiffLimits& limits, TiffImage* image);

// Where tile (or strip) `index` of `level` lies in the file, from one entry of each of
// its offset and byte-count arrays. PARCROP_E_CORRUPT when it reaches past the end.
Status tiff_tile_location(const TiffInput& input, const TiffImage& image, const TiffLevel& level, uint64_t index,
                          uint64_t* offset, uint64_t* size);

// A level's size relative to `base`, averaged over both axes as OpenSlide does.
inline double tiff_level_downsample(const TiffLevel& base, const TiffLevel& level) {
    return (static_cast<double>(base.width) / level.width + static_cast<double>(base.height) / level.height) / 2;
}

// True when the first bytes are a TIFF or BigTIFF header.
bool tiff_recognizes(ByteSpan data);

}  // namespace parcrop
