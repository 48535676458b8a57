// The parcrop_* C functions: argument checks and conversions, then the batch engine.
// No C++ exception crosses this boundary.
#include <omp.h>

#include <cstddef>
#include <cstring>
#include <limits>
#include <new>
#include <type_traits>

#include "api/context.h"
#include "batch/crop_plan.h"

namespace parcrop {
namespace {

constexpr uint32_t kMaxOutputSide = 65535;

Filter filter_of(parcrop_filter filter) {
    switch (filter) {
        case PARCROP_FILTER_NEAREST: return Filter::nearest;
        case PARCROP_FILTER_BICUBIC: return Filter::bicubic;
        case PARCROP_FILTER_AREA: return Filter::area;
        case PARCROP_FILTER_LANCZOS3: return Filter::lanczos3;
        case PARCROP_FILTER_DEFAULT:
        case PARCROP_FILTER_BILINEAR:
            break;
    }
    return Filter::bilinear;
}

// A C caller can store any int in an enum field, but in C++ loading a value outside the
// enum's range is undefined; the fields are checked as the integers they hold.
template <typename Enum>
long long raw_value(const Enum& field) {
    std::underlying_type_t<Enum> value;
    std::memcpy(&value, &field, sizeof value);
    return static_cast<long long>(value);
}

bool known_filter(const parcrop_filter& filter) {
    const long long value = raw_value(filter);
    return value >= PARCROP_FILTER_DEFAULT && value <= PARCROP_FILTER_LANCZOS3;
}

// Checks the output description and derives packed strides; returns 1xx codes.
parcrop_status output_shape(const parcrop_crop_params& params, size_t count, OutputShape* shape) {
    if (params.out_height == 0 || params.out_width == 0 || params.out_height > kMaxOutputSide ||
        params.out_width > kMaxOutputSide) {
        return PARCROP_E_INVALID_SIZE;
    }
    if (params.out_channels != 1 && params.out_channels != 3 && params.out_channels != 4) {
        return PARCROP_E_INVALID_CHANNELS;
    }
    if (!known_filter(params.filter)) return PARCROP_E_INVALID_FILTER;
    const long long mode = raw_value(params.mode);
    if (mode < PARCROP_DECODE_DEFAULT || mode > PARCROP_DECODE_FAST) return PARCROP_E_INVALID_OPTION;
    shape->height = params.out_height;
    shape->width = params.out_width;
    shape->channels = params.out_channels;
    const size_t row_bytes = size_t{params.out_width} * params.out_channels;  // < 2^18
    shape->row_stride = params.row_stride == 0 ? row_bytes : params.row_stride;
    if (shape->row_stride < row_bytes) return PARCROP_E_INVALID_STRIDE;
    const size_t max = std::numeric_limits<size_t>::max();
    if (shape->row_stride > (max - row_bytes) / params.out_height) return PARCROP_E_INVALID_STRIDE;
    const size_t item_bytes = shape->row_stride * (params.out_height - 1) + row_bytes;
    shape->item_stride = params.item_stride == 0 ? shape->row_stride * params.out_height : params.item_stride;
    if (shape->item_stride < item_bytes) return PARCROP_E_INVALID_STRIDE;
    if (count > 1 && shape->item_stride > (max - item_bytes) / (count - 1)) return PARCROP_E_INVALID_STRIDE;
    return PARCROP_OK;
}

// Flips, the out-of-bounds policy, the fill and EXIF; returns PARCROP_E_INVALID_OPTION.
parcrop_status output_geometry(const parcrop_crop_params& params, size_t count, BatchJob* job) {
    constexpr uint32_t kAllFlips = PARCROP_FLIP_HORIZONTAL | PARCROP_FLIP_VERTICAL;
    if ((params.flip & ~kAllFlips) != 0) return PARCROP_E_INVALID_OPTION;
    if (params.item_flip != nullptr) {
        for (size_t i = 0; i < count; ++i) {
            if ((params.item_flip[i] & ~kAllFlips) != 0) return PARCROP_E_INVALID_OPTION;
        }
    }
    switch (raw_value(params.out_of_bounds)) {
        case PARCROP_OUT_OF_BOUNDS_ERROR: job->out_of_bounds = OutOfBounds::error; break;
        case PARCROP_OUT_OF_BOUNDS_PAD: job->out_of_bounds = OutOfBounds::pad; break;
        case PARCROP_OUT_OF_BOUNDS_CLAMP: job->out_of_bounds = OutOfBounds::clamp; break;
        default: return PARCROP_E_INVALID_OPTION;
    }
    switch (raw_value(params.exif)) {
        case PARCROP_EXIF_IGNORE: job->exif_apply = false; break;
        case PARCROP_EXIF_APPLY: job->exif_apply = true; break;
        default: return PARCROP_E_INVALID_OPTION;
    }
    job->flip = params.flip;
    job->item_flip = params.item_flip;
    std::memcpy(job->fill, params.fill, sizeof job->fill);
    return PARCROP_OK;
}

}  // namespace

parcrop_status run_public_batch(parcrop_context* context, const parcrop_source* sources, size_t count,
                                const BoxSource& boxes, const parcrop_crop_params* params, uint8_t* out,
                                parcrop_status* item_status) {
    if (context == nullptr || params == nullptr) return PARCROP_E_NULL_ARGUMENT;
    // 0.1's struct ends before flip; its callers get the defaults of the fields after it.
    parcrop_crop_params full;
    parcrop_crop_params_init(&full);
    if (params->struct_size == sizeof(parcrop_crop_params)) {
        full = *params;
    } else if (params->struct_size == offsetof(parcrop_crop_params, flip)) {
        std::memcpy(&full, params, offsetof(parcrop_crop_params, flip));
        full.struct_size = sizeof(parcrop_crop_params);
    } else {
        return PARCROP_E_STRUCT_SIZE;
    }
    params = &full;
    if (count == 0) return PARCROP_OK;
    if (sources == nullptr || out == nullptr || item_status == nullptr ||
        (boxes.boxes == nullptr && boxes.glimpses == nullptr)) {
        return PARCROP_E_NULL_ARGUMENT;
    }
    BatchJob job;
    const parcrop_status shape_status = output_shape(*params, count, &job.shape);
    if (shape_status != PARCROP_OK) return shape_status;
    const parcrop_status geometry_status = output_geometry(*params, count, &job);
    if (geometry_status != PARCROP_OK) return geometry_status;
    job.sources = sources;
    job.count = count;
    job.box_source = boxes;
    job.filter = filter_of(params->filter);
    job.exact = params->mode == PARCROP_DECODE_EXACT ||
                (params->mode == PARCROP_DECODE_DEFAULT && job.filter == Filter::nearest);
    job.out = out;
    job.jpeg_indexes = context->jpeg_indexes.get();

    std::vector<ItemResult> results;
    try {
        run_batch(job, context->limits, context->num_threads, &results);
    } catch (...) {
        return PARCROP_E_OUT_OF_MEMORY;  // only the results vector can throw here
    }
    return record_results(context, &results, item_status);
}

parcrop_status record_results(parcrop_context* context, std::vector<ItemResult>* results,
                              parcrop_status* item_status) {
    parcrop_status overall = PARCROP_OK;
    for (size_t i = 0; i < results->size(); ++i) {
        item_status[i] = (*results)[i].status;
        if ((*results)[i].status != PARCROP_OK) overall = PARCROP_ITEMS_FAILED;
    }
    std::lock_guard<std::mutex> lock(context->last_batch_mutex);
    context->last_batch.swap(*results);
    return overall;
}

}  // namespace parcrop

using parcrop::BoxSource;

extern "C" {

const char* parcrop_strerror(parcrop_status status) {
    // A C caller may pass any int: compare integers, never an out-of-range enum.
    switch (parcrop::raw_value(status)) {
        case PARCROP_OK: return "success";
        case PARCROP_ITEMS_FAILED: return "some items of the batch failed";
        case PARCROP_E_NULL_ARGUMENT: return "a required pointer is NULL";
        case PARCROP_E_STRUCT_SIZE: return "struct_size does not match this library's struct";
        case PARCROP_E_INVALID_BOX: return "invalid crop box: NaN, infinite, empty or outside the image";
        case PARCROP_E_INVALID_SIZE: return "invalid output size: height and width must be 1 to 65535";
        case PARCROP_E_INVALID_CHANNELS: return "invalid output channels: must be 1, 3 or 4";
        case PARCROP_E_INVALID_FILTER: return "unknown resampling filter";
        case PARCROP_E_INVALID_STRIDE: return "a stride is smaller than the data it must hold, or overflows";
        case PARCROP_E_INVALID_SOURCE: return "a source has neither a path nor data";
        case PARCROP_E_INVALID_OPTION: return "an option or index is out of range";
        case PARCROP_E_FILE_NOT_FOUND: return "file not found";
        case PARCROP_E_FILE_UNREADABLE: return "file cannot be read";
        case PARCROP_E_NOT_A_FILE: return "not a regular file";
        case PARCROP_E_EMPTY_INPUT: return "input is empty";
        case PARCROP_E_UNKNOWN_FORMAT: return "unknown image format";
        case PARCROP_E_TRUNCATED: return "image data is truncated";
        case PARCROP_E_CORRUPT: return "image data is corrupt";
        case PARCROP_E_UNSUPPORTED: return "unsupported image variant";
        case PARCROP_E_FILE_TOO_LARGE: return "input is larger than max_file_size";
        case PARCROP_E_IMAGE_TOO_LARGE: return "image width or height is over the limit";
        case PARCROP_E_TOO_MANY_PIXELS: return "image has more pixels than max_pixels";
        case PARCROP_E_DECODE_MEMORY: return "decoding needs more memory than max_decode_memory";
        case PARCROP_E_DECODE_WORK: return "decoding needs more passes over the image than parcrop allows";
        case PARCROP_E_OUT_OF_MEMORY: return "out of memory";
        case PARCROP_E_INTERNAL: return "internal error in parcrop";
    }
    return "unknown status code";
}

uint32_t parcrop_version(void) { return PARCROP_VERSION_NUMBER; }

const char* parcrop_version_string(void) {
#define PARCROP_STRINGIFY_(x) #x
#define PARCROP_STRINGIFY(x) PARCROP_STRINGIFY_(x)
    return PARCROP_STRINGIFY(PARCROP_VERSION_MAJOR) "." PARCROP_STRINGIFY(PARCROP_VERSION_MINOR) "." PARCROP_STRINGIFY(
        PARCROP_VERSION_PATCH);
}

void parcrop_options_init(parcrop_options* options) {
    if (options == nullptr) return;
    const parcrop::Limits defaults;
    *options = parcrop_options{};
    options->struct_size = sizeof(parcrop_options);
    options->num_threads = 0;
    options->max_width = defaults.max_width;
    options->max_height = defaults.max_height;
    options->max_pixels = defaults.max_pixels;
    options->max_file_size = defaults.max_file_size;
    options->max_decode_memory = defaults.max_decode_memory;
    options->max_item_decoded_pixels = defaults.max_item_decoded_pixels;
    options->max_tiled_image_side = defaults.max_tiled_image_side;
    options->index_cache_bytes = parcrop::kDefaultIndexCacheBytes;
}

parcrop_status parcrop_context_create(const parcrop_options* options, parcrop_context** out_context) {
    if (out_context == nullptr) return PARCROP_E_NULL_ARGUMENT;
    *out_context = nullptr;
    parcrop_options defaults;
    parcrop_options_init(&defaults);
    if (options == nullptr) options = &defaults;
    // Callers built against an earlier header pass a shorter struct: 0.1's ends before
    // max_decode_memory, 0.2's before max_item_decoded_pixels.
    const size_t size = options->struct_size;
    const bool has_decode_memory = size >= offsetof(parcrop_options, max_item_decoded_pixels);
    const bool has_tiled_limits = size == sizeof(parcrop_options);
    if (size != sizeof(parcrop_options) && size != offsetof(parcrop_options, max_item_decoded_pixels) &&
        size != offsetof(parcrop_options, max_decode_memory)) {
        return PARCROP_E_STRUCT_SIZE;
    }
    const uint64_t index_cache_bytes = has_tiled_limits ? options->index_cache_bytes : parcrop::kDefaultIndexCacheBytes;
    const uint64_t max_decode_memory = has_decode_memory ? options->max_decode_memory : defaults.max_decode_memory;
    const uint64_t max_item_decoded_pixels =
        has_tiled_limits ? options->max_item_decoded_pixels : defaults.max_item_decoded_pixels;
    const uint32_t max_tiled_image_side = has_tiled_limits ? options->max_tiled_image_side : defaults.max_tiled_image_side;
    if (options->max_width == 0 || options->max_height == 0 || options->max_pixels == 0 ||
        options->max_file_size == 0 || max_decode_memory == 0 || max_item_decoded_pixels == 0 ||
        max_tiled_image_side == 0) {
        return PARCROP_E_INVALID_OPTION;
    }
    auto* context = new (std::nothrow) parcrop_context();
    if (context == nullptr) return PARCROP_E_OUT_OF_MEMORY;
    context->limits.max_width = options->max_width;
    context->limits.max_height = options->max_height;
    context->limits.max_pixels = options->max_pixels;
    context->limits.max_file_size = options->max_file_size;
    context->limits.max_decode_memory = max_decode_memory;
    context->limits.max_item_decoded_pixels = max_item_decoded_pixels;
    context->limits.max_tiled_image_side = max_tiled_image_side;
    if (index_cache_bytes > 0) {
        context->jpeg_indexes.reset(new (std::nothrow) parcrop::JpegIndexCache(index_cache_bytes));
        if (!context->jpeg_indexes) {
            delete context;
            return PARCROP_E_OUT_OF_MEMORY;
        }
    }
    context->num_threads = options->num_threads == 0 ? omp_get_num_procs()
                                                     : static_cast<int>(std::min<uint32_t>(options->num_threads, 1024));
    *out_context = context;
    return PARCROP_OK;
}

void parcrop_context_destroy(parcrop_context* context) { delete context; }

void parcrop_crop_params_init(parcrop_crop_params* params) {
    if (params == nullptr) return;
    *params = parcrop_crop_params{};
    params->struct_size = sizeof(parcrop_crop_params);
    params->out_height = 32;
    params->out_width = 32;
    params->out_channels = 3;
    params->filter = PARCROP_FILTER_DEFAULT;
    params->mode = PARCROP_DECODE_DEFAULT;
}

parcrop_status parcrop_crop_batch(parcrop_context* context, const parcrop_source* sources, const parcrop_box* boxes,
                                  size_t count, const parcrop_crop_params* params, uint8_t* out,
                                  parcrop_status* item_status) {
    BoxSource from;
    from.boxes = boxes;
    from.normalized = params != nullptr && (params->flags & PARCROP_FLAG_NORMALIZED_BOXES) != 0;
    return parcrop::run_public_batch(context, sources, count, from, params, out, item_status);
}

parcrop_status parcrop_glimpse_box(uint32_t width, uint32_t height, parcrop_glimpse glimpse, float max_img_percent,
                                   parcrop_box* box) {
    if (box == nullptr) return PARCROP_E_NULL_ARGUMENT;
    try {
        return parcrop::glimpse_box(width, height, glimpse, max_img_percent, box).code();
    } catch (...) {
        return PARCROP_E_OUT_OF_MEMORY;  // only an error message can allocate
    }
}

parcrop_status parcrop_crop_glimpses(parcrop_context* context, const parcrop_source* sources,
                                     const parcrop_glimpse* glimpses, size_t count, float max_img_percent,
                                     const parcrop_crop_params* params, uint8_t* out, parcrop_status* item_status) {
    BoxSource from;
    from.glimpses = glimpses;
    from.max_img_percent = max_img_percent;
    return parcrop::run_public_batch(context, sources, count, from, params, out, item_status);
}

size_t parcrop_last_batch_size(const parcrop_context* context) {
    if (context == nullptr) return 0;
    std::lock_guard<std::mutex> lock(context->last_batch_mutex);
    return context->last_batch.size();
}

parcrop_status parcrop_last_item_status(const parcrop_context* context, size_t index) {
    if (context == nullptr) return PARCROP_E_NULL_ARGUMENT;
    std::lock_guard<std::mutex> lock(context->last_batch_mutex);
    if (index >= context->last_batch.size()) return PARCROP_E_INVALID_OPTION;
    return context->last_batch[index].status;
}

const char* parcrop_last_item_message(const parcrop_context* context, size_t index) {
    if (context == nullptr) return "";
    std::lock_guard<std::mutex> lock(context->last_batch_mutex);
    if (index >= context->last_batch.size()) return "";
    return context->last_batch[index].message.c_str();
}

}  // extern "C"
