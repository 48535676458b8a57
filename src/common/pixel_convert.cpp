#include "common/pixel_convert.h"

#include <cstring>

namespace parcrop {

void convert_row(const uint8_t* src, uint32_t src_channels, uint8_t* dst, uint32_t dst_channels,
                 uint32_t width) {
    if (src_channels == dst_channels) {
        if (src != dst) std::memmove(dst, src, size_t{width} * src_channels);
        return;
    }
    const bool src_gray = src_channels <= 2;
    for (uint32_t i = 0; i < width; ++i, src += src_channels, dst += dst_channels) {
        const uint8_t alpha = (src_channels == 2 || src_channels == 4) ? src[src_channels - 1] : 255;
        if (dst_channels == 1) {
            dst[0] = src_gray ? src[0] : luma(src[0], src[1], src[2]);
            continue;
        }
        if (src_gray) {
            dst[0] = dst[1] = dst[2] = src[0];
        } else {
            dst[0] = src[0];
            dst[1] = src[1];
            dst[2] = src[2];
        }
        if (dst_channels == 4) dst[3] = alpha;
    }
}

}  // namespace parcrop
