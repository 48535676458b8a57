// The object behind parcrop_context and behind the Rust-compatible handle, and the
// one validated path from a public batch call into the batch engine.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "batch/batch.h"
#include "batch/jpeg_index_cache.h"
#include "common/limits.h"
#include "parcrop.h"

struct parcrop_context {
    parcrop::Limits limits;
    int num_threads = 1;
    // Entropy indexes of the JPEGs this context has cropped; null when indexing is off.
    std::unique_ptr<parcrop::JpegIndexCache> jpeg_indexes;
    // What initialize(use_vips) chose for parallel_crop_and_resize.
    parcrop_filter rust_filter = PARCROP_FILTER_NEAREST;

    // The last finished batch, for parcrop_last_item_*; guarded because a context
    // may be shared by threads.
    mutable std::mutex last_batch_mutex;
    std::vector<parcrop::ItemResult> last_batch;
};

namespace parcrop {

// parcrop_options.index_cache_bytes by default.
constexpr uint64_t kDefaultIndexCacheBytes = uint64_t{64} << 20;

// Copies each item's status to item_status, keeps the results (and their messages) on
// the context for parcrop_last_item_*, and returns PARCROP_OK or PARCROP_ITEMS_FAILED.
parcrop_status record_results(parcrop_context* context, std::vector<ItemResult>* results,
                              parcrop_status* item_status);

// Validates the call, runs it and records its results on the context. Never throws.
parcrop_status run_public_batch(parcrop_context* context, const parcrop_source* sources, size_t count,
                                const BoxSource& boxes, const parcrop_crop_params* params, uint8_t* out,
                                parcrop_status* item_status);

}  // namespace parcrop
