#include "decode/png/png_pixels.h"

#include <cstring>

namespace parcrop {
namespace {

// Sample i of a row packed at 1, 2 or 4 bits, most significant bits first.
inline uint32_t packed_sample(const uint8_t* row, uint64_t i, uint32_t depth) {
    const uint64_t bit = i * depth;
    const uint32_t shift = 8 - depth - static_cast<uint32_t>(bit & 7);
    return (row[bit >> 3] >> shift) & ((1u << depth) - 1);
}

inline uint16_t sample16(const uint8_t* bytes) { return static_cast<uint16_t>(bytes[0] << 8 | bytes[1]); }

}  // namespace

PngPixelConverter::PngPixelConverter(const PngHeader& header, const PngColorInfo& color,
                                     bool keep_alpha) noexcept
    : header_(header), color_(color) {
    switch (header.color_type) {
        case kPngGray:
            channels_ = keep_alpha && color.has_transparent_color ? 2 : 1;
            break;
        case kPngGrayAlpha:
            channels_ = 2;
            break;
        case kPngTruecolor:
            channels_ = keep_alpha && color.has_transparent_color ? 4 : 3;
            break;
        case kPngIndexed:
            channels_ = keep_alpha && color.has_palette_alpha ? 4 : 3;
            break;
        default:
            channels_ = 4;
            break;
    }
    identity_ = header.bit_depth == 8 && header.color_type != kPngIndexed &&
                channels_ == header.samples_per_pixel();
}

void PngPixelConverter::convert(const uint8_t* scanline, uint32_t first, uint32_t count, uint8_t* out) const {
    const uint32_t depth = header_.bit_depth;
    const uint64_t end = uint64_t{first} + count;
    const uint32_t samples = header_.samples_per_pixel();
    if (identity_) {
        std::memcpy(out, scanline + uint64_t{first} * samples, size_t{count} * samples);
        return;
    }
    switch (header_.color_type) {
        case kPngIndexed:
            for (uint64_t i = first; i < end; ++i, out += channels_) {
                const uint32_t index = depth == 8 ? scanline[i] : packed_sample(scanline, i, depth);
                std::memcpy(out, &color_.palette[size_t{index} * 4], channels_);
            }
            return;
        case kPngGray: {
            const bool alpha = channels_ == 2;
            if (depth == 16) {
                for (uint64_t i = first; i < end; ++i, out += channels_) {
                    const uint16_t value = sample16(scanline + 2 * i);
                    out[0] = static_cast<uint8_t>(value >> 8);
                    if (alpha) out[1] = value == color_.transparent_color[0] ? 0 : 255;
                }
                return;
            }
            // 1, 2, 4 or 8 bits: the transparent value is compared within the bit depth,
            // and bit replication is a multiplication by 255 / (2^depth - 1).
            const uint32_t mask = (1u << depth) - 1;
            const uint32_t scale = 255 / mask;
            const uint32_t transparent = color_.transparent_color[0] & mask;
            for (uint64_t i = first; i < end; ++i, out += channels_) {
                const uint32_t value = depth == 8 ? scanline[i] : packed_sample(scanline, i, depth);
                out[0] = static_cast<uint8_t>(value * scale);
                if (alpha) out[1] = value == transparent ? 0 : 255;
            }
            return;
        }
        case kPngTruecolor:
            for (uint64_t i = first; i < end; ++i, out += channels_) {
                bool transparent = true;
                for (uint32_t c = 0; c < 3; ++c) {
                    if (depth == 16) {
                        const uint16_t value = sample16(scanline + 6 * i + 2 * c);
                        out[c] = static_cast<uint8_t>(value >> 8);
                        transparent = transparent && value == color_.transparent_color[c];
                    } else {
                        out[c] = scanline[3 * i + c];
                        transparent = transparent && out[c] == (color_.transparent_color[c] & 0xFF);
                    }
                }
                if (channels_ == 4) out[3] = transparent ? 0 : 255;
            }
            return;
        default:
            // 16-bit gray+alpha and RGBA (8-bit ones are identities): the high bytes.
            for (uint64_t i = first * samples; i < end * samples; ++i) *out++ = scanline[2 * i];
            return;
    }
}

}  // namespace parcrop
