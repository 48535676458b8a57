// The entry points of the Rust library parallel_image_crop, kept under their names and
// signatures so that its cffi callers run unchanged. They return nothing, so per-item
// outcomes are recorded on the handle for parcrop_last_item_status().
#include <cstring>
#include <limits>
#include <new>
#include <vector>

#include "api/context.h"

namespace {

// Records a failure of the whole call against every item, since the original's
// signature has nowhere else to put it.
void record_call_failure(parcrop_context* context, size_t n, parcrop_status status) {
    try {
        std::vector<parcrop::ItemResult> results(n, parcrop::ItemResult{status, parcrop_strerror(status)});
        std::lock_guard<std::mutex> lock(context->last_batch_mutex);
        context->last_batch.swap(results);
    } catch (...) {
        // Out of memory for the record itself: the previous record stays.
    }
}

}  // namespace

extern "C" {

void* initialize(uint64_t num_threads, bool use_vips) {
    parcrop_options options;
    parcrop_options_init(&options);
    options.num_threads = static_cast<uint32_t>(std::min<uint64_t>(num_threads, std::numeric_limits<uint32_t>::max()));
    parcrop_context* context = nullptr;
    if (parcrop_context_create(&options, &context) != PARCROP_OK) return nullptr;
    context->rust_filter = use_vips ? PARCROP_FILTER_LANCZOS3 : PARCROP_FILTER_NEAREST;
    return context;
}

void destroy(void* handle) { parcrop_context_destroy(static_cast<parcrop_context*>(handle)); }

void parallel_crop_and_resize(void* handle, char** paths, uint8_t* out, float* scale, float* x, float* y,
                              uint32_t window_size, uint32_t chans, float max_img_percent, size_t n) {
    auto* context = static_cast<parcrop_context*>(handle);
    if (context == nullptr || n == 0) return;
    if (paths == nullptr || out == nullptr || scale == nullptr || x == nullptr || y == nullptr) {
        record_call_failure(context, n, PARCROP_E_NULL_ARGUMENT);
        return;
    }
    parcrop_crop_params params;
    parcrop_crop_params_init(&params);
    params.out_height = window_size;
    params.out_width = window_size;
    params.out_channels = chans;
    params.filter = context->rust_filter;
    // Nearest is exact by default: its output is defined on full-resolution pixels.
    params.mode = PARCROP_DECODE_DEFAULT;
    try {
        std::vector<parcrop_source> sources(n);
        std::vector<parcrop_glimpse> glimpses(n);
        std::vector<parcrop_status> statuses(n);
        for (size_t i = 0; i < n; ++i) {
            sources[i].path = paths[i];
            glimpses[i] = parcrop_glimpse{x[i], y[i], scale[i]};
        }
        const parcrop_status status = parcrop::run_public_batch(context, sources.data(), n,
                                                                parcrop::BoxSource{nullptr, false, glimpses.data(),
                                                                                   max_img_percent},
                                                                &params, out, statuses.data());
        if (status != PARCROP_OK && status != PARCROP_ITEMS_FAILED) {
            // The caller sized out as n * window_size^2 * chans; leave it zeroed.
            size_t bytes = 0;
            if (!__builtin_mul_overflow(n, size_t{window_size} * window_size, &bytes) &&
                !__builtin_mul_overflow(bytes, size_t{chans}, &bytes)) {
                std::memset(out, 0, bytes);
            }
            record_call_failure(context, n, status);
        }
    } catch (const std::bad_alloc&) {
        record_call_failure(context, n, PARCROP_E_OUT_OF_MEMORY);
    }
}

}  // extern "C"
