// PNG's five scanline filters (PNG spec, clause 9), reversed. Pure kernels: no allocation,
// no I/O. Every filter predicts a byte only from bytes to its left and above it, so a
// prefix of a scanline unfilters on its own: a crop unfilters only the bytes up to its
// right edge.
#pragma once

#include <cstddef>
#include <cstdint>

namespace parcrop {

// Filter type bytes as they lead each scanline in the image data.
enum PngFilterType : uint8_t {
    kPngFilterNone = 0,
    kPngFilterSub = 1,
    kPngFilterUp = 2,
    kPngFilterAverage = 3,
    kPngFilterPaeth = 4,
};

// Writes the first `bytes` bytes of the unfiltered scanline to `out`, from the filtered
// bytes that followed the filter type byte, and the unfiltered previous scanline `above`
// (all zero for the first row of an image or Adam7 pass). `bytes_per_pixel` is PNG's
// "bpp" rounded up to whole bytes: 1, 2, 3, 4, 6 or 8. `out` must not overlap `filtered`
// or `above`. Returns false, writing nothing, for a filter type over 4.
bool unfilter_row(uint8_t filter_type, const uint8_t* filtered, const uint8_t* above,
                  uint8_t* out, size_t bytes, unsigned bytes_per_pixel);

}  // namespace parcrop
