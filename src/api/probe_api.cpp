// parcrop_probe and its helpers: argument checks, then the probe batch. No C++
// exception crosses this boundary.
#include <cstddef>
#include <cstring>
#include <type_traits>

#include "api/context.h"
#include "batch/probe_batch.h"

extern "C" {

const char* parcrop_format_name(parcrop_format format) {
    // A C caller may store any int in the enum: compare the integer it holds.
    std::underlying_type_t<parcrop_format> value;
    std::memcpy(&value, &format, sizeof value);
    switch (value) {
        case PARCROP_FORMAT_JPEG: return "jpeg";
        case PARCROP_FORMAT_PNG: return "png";
        case PARCROP_FORMAT_BMP: return "bmp";
        case PARCROP_FORMAT_GIF: return "gif";
        case PARCROP_FORMAT_TGA: return "tga";
        case PARCROP_FORMAT_HDR: return "hdr";
        case PARCROP_FORMAT_PSD: return "psd";
        case PARCROP_FORMAT_PNM: return "pnm";
        case PARCROP_FORMAT_WEBP: return "webp";
        case PARCROP_FORMAT_TIFF: return "tiff";
        default: return "unknown";
    }
}

void parcrop_image_info_init(parcrop_image_info* info) {
    if (info == nullptr) return;
    *info = parcrop_image_info{};
    info->struct_size = sizeof(parcrop_image_info);
    info->exif_orientation = 1;
}

parcrop_status parcrop_probe(parcrop_context* context, const parcrop_source* sources, size_t count,
                             parcrop_image_info* out_info, parcrop_status* item_status) {
    if (context == nullptr) return PARCROP_E_NULL_ARGUMENT;
    if (count == 0) return PARCROP_OK;
    if (sources == nullptr || out_info == nullptr || item_status == nullptr) return PARCROP_E_NULL_ARGUMENT;
    // 0.2's struct ended at restart_interval (then padding to its alignment); its
    // callers get the fields they know.
    constexpr size_t kAlign = alignof(parcrop_image_info);
    constexpr size_t kInfoSize02 = (offsetof(parcrop_image_info, level_count) + kAlign - 1) / kAlign * kAlign;
    const size_t info_size = out_info[0].struct_size;
    if (info_size != sizeof(parcrop_image_info) && info_size != kInfoSize02) {
        return PARCROP_E_STRUCT_SIZE;
    }
    std::vector<parcrop::ItemResult> results;
    try {
        parcrop::run_probe_batch(sources, count, context->limits, context->num_threads, out_info, info_size,
                                 &results);
    } catch (...) {
        return PARCROP_E_OUT_OF_MEMORY;  // only the results and buffers can throw here
    }
    return parcrop::record_results(context, &results, item_status);
}

}  // extern "C"
