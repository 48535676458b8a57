#include "stb_reference.h"

// Internal linkage, like the copy in jpeg_fixtures.cpp (JPEG and PNG only): the two do not
// clash, and the library's own copy in stb_decoder.cpp stays separate from both.
#define STB_IMAGE_STATIC
#define STB_IMAGE_IMPLEMENTATION
#define STBI_NO_STDIO
#include <stb/stb_image.h>

namespace parcrop_test {

Pixels stb_reference_decode(const std::vector<uint8_t>& bytes) {
    int width = 0, height = 0, channels = 0;
    stbi_uc* data = stbi_load_from_memory(bytes.data(), static_cast<int>(bytes.size()), &width, &height,
                                          &channels, 0);
    if (data == nullptr) return Pixels{};
    Pixels pixels{static_cast<uint32_t>(width), static_cast<uint32_t>(height), static_cast<uint32_t>(channels), {}};
    pixels.data.assign(data, data + size_t{pixels.width} * pixels.height * pixels.channels);
    stbi_image_free(data);
    return pixels;
}

bool stb_reference_recognizes(const uint8_t* data, size_t size) {
    int width = 0, height = 0, channels = 0;
    return data != nullptr && size > 0 &&
           stbi_info_from_memory(data, static_cast<int>(size), &width, &height, &channels) != 0;
}

}  // namespace parcrop_test
