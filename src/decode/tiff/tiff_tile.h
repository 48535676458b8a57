// One tile (or strip) of a TIFF level decoded for a rectangle of it, in the level's
// stored samples: JPEG tiles through parcrop's JPEG decoder (with the level's shared
// tables, DCT-scaled, cropped while decoding), WebP tiles through libwebp, and the
// lossless codecs inflated only down to the rectangle's last row.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "common/limits.h"
#include "common/status.h"
#include "decode/decoder.h"
#include "decode/tiff/tiff_directory.h"

namespace parcrop {

// A rectangle of a tile at a scale: columns [x0, x1) and rows [y0, y1) of the tile
// decoded at 1/scale_denom (scale_denom > 1 only for JPEG tiles).
struct TileRect {
    uint32_t scale_denom = 1;
    uint32_t x0 = 0, x1 = 0, y0 = 0, y1 = 0;
};

// The size of tile `tile_row`'s rows and columns at 1/denom: what a full decode gives.
uint32_t scaled_tile_width(const TiffLevel& level, uint32_t denom);
uint32_t scaled_tile_rows(const TiffLevel& level, uint32_t tile_row, uint32_t denom);

// Decodes `rect` of the tile whose compressed bytes are `compressed` into `out`:
// rect.y1 - rect.y0 rows of (rect.x1 - rect.x0) * level.samples bytes, `out_stride`
// bytes apart. PARCROP_E_CORRUPT / PARCROP_E_TRUNCATED for a damaged tile.
Status decode_tiff_tile(const TiffLevel& level, uint32_t tile_row, ByteSpan compressed, const TileRect& rect,
                        const Limits& limits, uint8_t* out, size_t out_stride);

// A buffer a thread keeps from tile to tile and item to item instead of allocating one
// per tile, given back when the scope that used it ends if a large tile or band has grown
// it, so that one hostile file does not leave up to max_decode_memory held by every
// worker after its batch.
class ThreadScratch {
public:
    explicit ThreadScratch(std::vector<uint8_t>* buffer) : buffer_(buffer) {}
    ~ThreadScratch() {
        constexpr size_t kKeptBytes = size_t{16} << 20;
        if (buffer_->capacity() > kKeptBytes) std::vector<uint8_t>().swap(*buffer_);
    }
    ThreadScratch(const ThreadScratch&) = delete;
    ThreadScratch& operator=(const ThreadScratch&) = delete;
    std::vector<uint8_t>& operator*() const { return *buffer_; }
    std::vector<uint8_t>* operator->() const { return buffer_; }

private:
    std::vector<uint8_t>* buffer_;
};

}  // namespace parcrop
