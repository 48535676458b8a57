// Turns a crop box into what one item asks of the decoder (scale, columns, rows) and
// how it resamples the rows it receives. Pure arithmetic, no I/O.
#pragma once

#include <cstdint>
#include <vector>

#include "common/status.h"
#include "parcrop.h"
#include "resample/resample.h"

namespace parcrop {

struct OutputShape {
    uint32_t height = 0;
    uint32_t width = 0;
    uint32_t channels = 0;
    size_t item_stride = 0;
    size_t row_stride = 0;
};

// The box of parallel_image_crop's glimpse rule (see parcrop_glimpse in parcrop.h).
Status glimpse_box(uint32_t width, uint32_t height, const parcrop_glimpse& glimpse,
                   float max_img_percent, parcrop_box* box);

// PARCROP_E_INVALID_BOX unless the box is finite, non-empty and inside the image.
Status check_box(const parcrop_box& box, uint32_t width, uint32_t height);

// What a box reaching outside its image gives (parcrop_out_of_bounds).
enum class OutOfBounds { error, pad, clamp };

// The box an item crops under `policy`: checked (error), moved inside the image
// (clamp), or kept as it is for padding, within `max_side` pixels a side so that a
// padded crop costs what a crop inside an image within the limits can.
Status apply_out_of_bounds(OutOfBounds policy, uint32_t width, uint32_t height, uint32_t max_side,
                           parcrop_box* box);

// The DCT reduction (1, 2, 4 or 8) that keeps the box at least twice the output
// size on both axes, or 1 when exact pixels are wanted.
uint32_t choose_scale_denom(const parcrop_box& box, const OutputShape& shape, uint32_t max_denom);

struct CropPlan {
    uint32_t scale_denom = 1;
    // The region: the box's pixel hull in the scaled image, columns [region_x0,
    // region_x0 + region_width), rows alike. It reaches outside the image only when the
    // box is padded; the pixels there are the fill.
    int64_t region_x0 = 0, region_y0 = 0;
    uint32_t region_width = 0, region_height = 0;
    // The part of the region inside the image, which is what is decoded: columns
    // [x0, x1), rows [y0, y1); empty (x0 == x1 or y0 == y1) for a box wholly outside.
    uint32_t x0 = 0, x1 = 0, y0 = 0, y1 = 0;
    Filter filter = Filter::nearest;
    // Nearest: the region-relative column and row each output pixel takes.
    std::vector<uint32_t> nearest_columns;
    std::vector<uint32_t> nearest_rows;
    // Smoothing filters: region-relative taps on each axis.
    ResampleTaps taps_x;
    ResampleTaps taps_y;
    // A horizontal flip is in the column taps (output o takes what W - 1 - o would);
    // a vertical one is left to whoever writes the output rows.
    bool flip_rows = false;
    // EXIF orientation (orientation.h): stored-frame output row k is the output's column
    // k and its column j the output's row j. Rows still arrive in stored order, so the
    // resize runs vertical pass first, as the horizontal one of the displayed image.
    bool transpose = false;

    bool padded() const;
    // The scaled-image rows this crop reads, sorted and unique; none when the box lies
    // wholly outside the image.
    std::vector<uint32_t> needed_rows() const;
};

// Output o takes what output size - 1 - o took.
void reverse_taps(ResampleTaps* taps);

// flip: PARCROP_FLIP_* bits. pad: the box may reach outside the image.
CropPlan plan_crop(const parcrop_box& box, uint32_t image_width, uint32_t image_height,
                   uint32_t scale_denom, const OutputShape& shape, Filter filter, uint32_t flip = 0,
                   bool pad = false);

}  // namespace parcrop
