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

// The DCT reduction (1, 2, 4 or 8) that keeps the box at least twice the output
// size on both axes, or 1 when exact pixels are wanted.
uint32_t choose_scale_denom(const parcrop_box& box, const OutputShape& shape, uint32_t max_denom);

struct CropPlan {
    uint32_t scale_denom = 1;
    // The box's pixel hull in the scaled image: columns [x0, x1), rows [y0, y1).
    uint32_t x0 = 0, x1 = 0, y0 = 0, y1 = 0;
    Filter filter = Filter::nearest;
    // Nearest: the region-relative column and row each output pixel takes.
    std::vector<uint32_t> nearest_columns;
    std::vector<uint32_t> nearest_rows;
    // Smoothing filters: region-relative taps on each axis.
    ResampleTaps taps_x;
    ResampleTaps taps_y;

    // The scaled-image rows this crop reads, sorted and unique.
    std::vector<uint32_t> needed_rows() const;
};

CropPlan plan_crop(const parcrop_box& box, uint32_t image_width, uint32_t image_height,
                   uint32_t scale_denom, const OutputShape& shape, Filter filter);

}  // namespace parcrop
