// Channel conversion of one row of 8-bit pixels, shared by every decoder so that all
// formats convert alike: gray is replicated, RGB becomes BT.601 luma (Pillow's "L"
// weights), alpha is dropped, and a source without alpha gets an opaque one.
#pragma once

#include <cstdint>

namespace parcrop {

// src_channels: 1 gray, 2 gray+alpha, 3 RGB, 4 RGBA. dst_channels: 1, 3 or 4.
// src and dst must not overlap unless the channel counts are equal and they coincide.
void convert_row(const uint8_t* src, uint32_t src_channels, uint8_t* dst, uint32_t dst_channels,
                 uint32_t width);

inline uint8_t luma(uint32_t r, uint32_t g, uint32_t b) {
    // 0.299, 0.587, 0.114 in 16-bit fixed point, rounded.
    return static_cast<uint8_t>((r * 19595 + g * 38470 + b * 7471 + 32768) >> 16);
}

}  // namespace parcrop
