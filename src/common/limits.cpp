#include "common/limits.h"

namespace parcrop {

Status check_dimensions(uint32_t width, uint32_t height, const Limits& limits) {
    if (width == 0 || height == 0) {
        return Status(PARCROP_E_CORRUPT, "image header: zero width or height");
    }
    if (width > limits.max_width || height > limits.max_height) {
        return Status(PARCROP_E_IMAGE_TOO_LARGE,
                      "image is " + std::to_string(width) + "x" + std::to_string(height) +
                          ", over the limit of " + std::to_string(limits.max_width) + "x" +
                          std::to_string(limits.max_height));
    }
    const uint64_t pixels = uint64_t{width} * height;
    if (pixels > limits.max_pixels) {
        return Status(PARCROP_E_TOO_MANY_PIXELS,
                      "image has " + std::to_string(pixels) + " pixels, over the limit of " +
                          std::to_string(limits.max_pixels));
    }
    return Status::ok();
}

Status check_decode_memory(uint64_t bytes, const char* what, const Limits& limits) {
    if (bytes <= limits.max_decode_memory) return Status::ok();
    return Status(PARCROP_E_DECODE_MEMORY, std::string(what) + " needs " + std::to_string(bytes) +
                                               " bytes, over max_decode_memory (" +
                                               std::to_string(limits.max_decode_memory) + ")");
}

}  // namespace parcrop
