// Runs a batch: groups the items by source, decodes each source once per scale over
// the union of its items' regions, resamples every item straight into its output
// slot, in parallel over sources with OpenMP. Every failure is caught per item.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "batch/crop_plan.h"
#include "common/limits.h"
#include "parcrop.h"

namespace parcrop {

class JpegIndexCache;

struct ItemResult {
    parcrop_status status = PARCROP_OK;
    std::string message;
};

// Where each item's box comes from: pixel boxes, normalized boxes, or glimpses.
struct BoxSource {
    const parcrop_box* boxes = nullptr;
    bool normalized = false;
    const parcrop_glimpse* glimpses = nullptr;
    float max_img_percent = 0.0f;
};

struct BatchJob {
    const parcrop_source* sources = nullptr;
    size_t count = 0;
    BoxSource box_source;
    OutputShape shape;
    Filter filter = Filter::bilinear;
    bool exact = true;
    uint8_t* out = nullptr;
    uint32_t flip = 0;                    // PARCROP_FLIP_* bits for every item
    const uint8_t* item_flip = nullptr;   // or per item, OR-ed with flip
    OutOfBounds out_of_bounds = OutOfBounds::error;
    uint8_t fill[4] = {0, 0, 0, 0};       // the padding's value per output channel
    bool exif_apply = false;              // boxes and flips are on the displayed image
    JpegIndexCache* jpeg_indexes = nullptr;  // the context's, or null: no entropy indexes
};

// Fills results (count entries). Never throws.
void run_batch(const BatchJob& job, const Limits& limits, int num_threads,
               std::vector<ItemResult>* results);

}  // namespace parcrop
