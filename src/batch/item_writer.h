// One item's output slot, filled from the rows its source's decoder delivers: each row
// is resampled as it arrives, so no full-resolution region is kept, and the vertical
// pass runs once the last row needed has come. Padding, flips and EXIF orientations are
// applied while writing.
#pragma once

#include <cstdint>
#include <memory>

#include "batch/crop_plan.h"

namespace parcrop {

// What the decoder's rows go to for one item.
class ItemWriter {
public:
    virtual ~ItemWriter() = default;
    virtual void row(uint32_t y, const uint8_t* group_row) = 0;
    virtual void finish() = 0;
};

// The writer of `plan`: rows resampled horizontally as they arrive, or, when the plan
// transposes (EXIF orientations 5 to 8), stored rows summed vertically as they arrive and
// written as output columns, with at most open_rows rows of sums at a time. group_x0 is
// the first column of the rows the decoder delivers; fill, the padding's pixel.
std::unique_ptr<ItemWriter> make_item_writer(const CropPlan& plan, const OutputShape& shape, uint8_t* slot,
                                             uint32_t group_x0, const uint8_t* fill, uint32_t open_rows);

}  // namespace parcrop
