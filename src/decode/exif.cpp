#include "decode/exif.h"

#include <cstring>

#include "decode/jpeg/jpeg_header.h"
#include "decode/png/png_chunks.h"

namespace parcrop {
namespace {

constexpr uint16_t kOrientationTag = 0x0112;
constexpr uint16_t kShortType = 3;
constexpr size_t kTiffHeaderBytes = 8;
constexpr size_t kEntryBytes = 12;

class TiffBytes {
public:
    TiffBytes(const uint8_t* data, size_t size, bool big_endian) : data_(data), size_(size), big_(big_endian) {}
    // Callers check offset + 2 (or 4) <= size first.
    uint32_t u16(size_t offset) const {
        const uint8_t* p = data_ + offset;
        return big_ ? (uint32_t{p[0]} << 8 | p[1]) : (uint32_t{p[1]} << 8 | p[0]);
    }
    uint32_t u32(size_t offset) const {
        return big_ ? (u16(offset) << 16 | u16(offset + 2)) : (u16(offset + 2) << 16 | u16(offset));
    }
    size_t size() const { return size_; }

private:
    const uint8_t* data_;
    size_t size_;
    bool big_;
};

uint32_t malformed_block(bool* malformed, const char** why, const char* reason) {
    *malformed = true;
    if (why != nullptr) *why = reason;
    return 1;
}

}  // namespace

uint32_t exif_orientation(const uint8_t* tiff, size_t size, bool* malformed, const char** why) {
    *malformed = false;
    if (why != nullptr) *why = "";
    // Some writers keep JPEG's APP1 prefix in a PNG eXIf chunk; Pillow reads past it too.
    static const uint8_t kExifPrefix[6] = {'E', 'x', 'i', 'f', 0, 0};
    if (tiff != nullptr && size >= sizeof kExifPrefix && std::memcmp(tiff, kExifPrefix, sizeof kExifPrefix) == 0) {
        tiff += sizeof kExifPrefix;
        size -= sizeof kExifPrefix;
    }
    if (tiff == nullptr || size < kTiffHeaderBytes) {
        return malformed_block(malformed, why, "EXIF block shorter than a TIFF header");
    }
    bool big_endian = false;
    if (tiff[0] == 'M' && tiff[1] == 'M') {
        big_endian = true;
    } else if (!(tiff[0] == 'I' && tiff[1] == 'I')) {
        return malformed_block(malformed, why, "EXIF byte order is neither II nor MM");
    }
    const TiffBytes bytes(tiff, size, big_endian);
    if (bytes.u16(2) != 42) return malformed_block(malformed, why, "EXIF TIFF magic is not 42");
    const uint64_t ifd = bytes.u32(4);
    if (ifd < kTiffHeaderBytes || ifd > size || size - ifd < 2) {
        return malformed_block(malformed, why, "EXIF IFD0 offset is outside the block");
    }
    const uint64_t entries = bytes.u16(static_cast<size_t>(ifd));
    if ((size - ifd - 2) / kEntryBytes < entries) {
        return malformed_block(malformed, why, "EXIF IFD0 entries run past the end of the block");
    }
    // At most 65535 entries, all inside the block: the loop is bounded by both.
    for (uint64_t i = 0; i < entries; ++i) {
        const size_t entry = static_cast<size_t>(ifd + 2 + i * kEntryBytes);
        if (bytes.u16(entry) != kOrientationTag) continue;
        if (bytes.u16(entry + 2) != kShortType) {
            return malformed_block(malformed, why, "EXIF orientation is not a SHORT");
        }
        if (bytes.u32(entry + 4) != 1) return malformed_block(malformed, why, "EXIF orientation count is not 1");
        // One SHORT sits in the first two bytes of the value field, in the block's order.
        const uint32_t value = bytes.u16(entry + 8);
        if (value < 1 || value > 8) return malformed_block(malformed, why, "EXIF orientation is outside 1..8");
        return value;
    }
    return 1;
}

// The parsers' failures carry messages, which allocate: out of memory reads as "none".
bool find_jpeg_exif(ByteSpan jpeg, ByteSpan* tiff) {
    try {
        JpegHeader header;
        if (!read_jpeg_header(jpeg, &header, nullptr).is_ok() || header.exif.data == nullptr) return false;
        *tiff = header.exif;
        return true;
    } catch (...) {
        return false;
    }
}

bool find_png_exif(ByteSpan png, ByteSpan* tiff) {
    try {
        PngChunkReader chunks(png);
        PngHeader header;
        PngColorInfo color;
        if (!chunks.read_header(&header).is_ok() || !chunks.read_color_info(header, &color).is_ok() ||
            color.exif.data == nullptr) {
            return false;
        }
        *tiff = color.exif;
        return true;
    } catch (...) {
        return false;
    }
}

}  // namespace parcrop
