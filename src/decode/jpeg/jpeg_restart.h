// Random access into baseline JPEGs through their restart markers. Each restart
// interval starts on a byte boundary with reset DC predictors, so the intervals that
// cover a crop, with the file's own tables and a frame header for the covered
// sub-image, form a valid JPEG of just that part: entropy decoding, the floor of
// region decoding, then follows the crop instead of the rows above and beside it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "decode/decoder.h"

namespace parcrop {

struct RestartIndex {
    uint32_t width = 0, height = 0;
    uint32_t mcu_width = 0, mcu_height = 0;  // pixels
    uint32_t mcus_per_row = 0, mcu_rows = 0;
    uint32_t interval = 0;                    // MCUs per restart interval
    size_t sof_offset = 0;                    // the SOF marker's first byte
    size_t scan_data_offset = 0;              // first byte of entropy-coded data
    // Interval i's entropy-coded bytes are [interval_begins[i], interval_ends[i]).
    std::vector<size_t> interval_begins;
    std::vector<size_t> interval_ends;
};

// Builds the index for a single-scan Huffman baseline JPEG whose restart intervals
// tile the MCU rows (the interval divides the MCUs of a row, or is a whole number of
// rows). Returns false for every other file, and for any marker layout that does not
// add up (missing, duplicated or out-of-order RSTn): the caller then decodes normally.
bool index_restart_markers(ByteSpan jpeg, RestartIndex* index);

// The part of the image that a set of whole restart intervals covers.
struct SubImage {
    uint32_t x0 = 0, y0 = 0;  // its top-left pixel in the full image
    uint32_t width = 0, height = 0;
    std::vector<uint8_t> jpeg;  // a complete JPEG of just this part
};

// A JPEG of the smallest run of whole intervals covering the pixels [x0, x1) x
// [y0, y1) of the full image.
void extract_sub_image(ByteSpan jpeg, const RestartIndex& index, uint32_t x0, uint32_t x1, uint32_t y0, uint32_t y1,
                       SubImage* sub);

// What every way into the middle of a JPEG (restart intervals, the entropy index)
// shares: which pixels a sub-image must cover, and the request moved into it.

// Full-resolution pixels [x0, x1) x [y0, y1).
struct PixelBox {
    uint32_t x0 = 0, x1 = 0, y0 = 0, y1 = 0;
};

// The pixels a sub-image must cover for `request` (valid for a width x height image)
// to decode as in the whole image: the request at full resolution plus one MCU on every
// side, since chroma upsampling reads across MCU edges and a sub-image's edges are
// image edges.
PixelBox sub_image_box(const DecodeRequest& request, uint32_t width, uint32_t height, uint32_t mcu_width,
                       uint32_t mcu_height);

// `request` in `sub`'s frame; its rows are written to *rows, which must outlive it.
DecodeRequest request_in_sub_image(const DecodeRequest& request, const SubImage& sub, std::vector<uint32_t>* rows);

// Moves the rows of a sub-image back to where they are in the whole image.
class ShiftedSink final : public RowSink {
public:
    ShiftedSink(RowSink* sink, uint32_t dy) : sink_(sink), dy_(dy) {}
    void row(uint32_t y, const uint8_t* pixels) override { sink_->row(y + dy_, pixels); }

private:
    RowSink* sink_;
    uint32_t dy_;
};

}  // namespace parcrop
