// How an unfiltered PNG scanline becomes 8-bit pixels, exactly as libspng decodes to its
// 8-bit formats: low bit depths scaled up by bit replication, 16-bit samples reduced to
// their high byte, palettes expanded, and tRNS turned into alpha only when the caller
// keeps alpha. Works on any run of a scanline's pixels, so a crop converts only its own
// columns.
#pragma once

#include <cstdint>

#include "decode/png/png_chunks.h"

namespace parcrop {

class PngPixelConverter {
public:
    PngPixelConverter(const PngHeader& header, const PngColorInfo& color, bool keep_alpha) noexcept;

    // The layout produced: 1 gray, 2 gray+alpha, 3 RGB, 4 RGBA (for convert_row).
    uint32_t channels() const { return channels_; }

    // True when the scanline's bytes already are the produced pixels (8-bit samples,
    // nothing to expand), so a row can be used where it lies.
    bool is_identity() const { return identity_; }

    // Pixels [first, first + count) of an unfiltered scanline, channels() bytes each.
    void convert(const uint8_t* scanline, uint32_t first, uint32_t count, uint8_t* out) const;

private:
    const PngHeader header_;
    const PngColorInfo& color_;
    uint32_t channels_ = 0;
    bool identity_ = false;
};

}  // namespace parcrop
