// The structure of a PNG file (PNG spec, clauses 5 and 11): the signature, chunks and
// their CRCs, the header (IHDR), the palette and transparency that decoding needs
// (PLTE, tRNS), and the compressed image data as a sequence of IDAT payloads. Nothing
// here inflates or allocates; the file stays in the caller's buffer.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "common/status.h"
#include "decode/decoder.h"

namespace parcrop {

enum PngColorType : uint8_t {
    kPngGray = 0,
    kPngTruecolor = 2,
    kPngIndexed = 3,
    kPngGrayAlpha = 4,
    kPngTruecolorAlpha = 6,
};

struct PngHeader {
    uint32_t width = 0;
    uint32_t height = 0;
    uint8_t bit_depth = 0;
    uint8_t color_type = 0;
    bool interlaced = false;  // Adam7

    // Samples per pixel in the file: 1 to 4.
    uint32_t samples_per_pixel() const;
    uint32_t bits_per_pixel() const { return samples_per_pixel() * bit_depth; }
    // PNG's filter unit: bytes per complete pixel, at least 1.
    uint32_t filter_bytes_per_pixel() const { return (bits_per_pixel() + 7) / 8; }
};

// Bytes that `pixels` pixels of a scanline occupy, without the filter type byte.
inline uint64_t png_row_bytes(const PngHeader& header, uint64_t pixels) {
    return (pixels * header.bits_per_pixel() + 7) / 8;
}

// What the chunks before the image data say about turning samples into colours.
struct PngColorInfo {
    // Indexed images: RGBA per palette index. Indices past the palette's end are opaque
    // black, as libspng decodes them; tRNS alpha is applied.
    std::array<uint8_t, 256 * 4> palette{};
    uint32_t palette_entries = 0;
    // Gray and truecolor images: the one sample value (gray) or colour (RGB) that tRNS
    // makes fully transparent, in the file's bit depth.
    bool has_transparent_color = false;
    std::array<uint16_t, 3> transparent_color{};
    // Indexed images with a tRNS chunk.
    bool has_palette_alpha = false;
    // The payload of the first complete eXIf chunk before the image data (EXIF as a TIFF
    // structure, see exif.h), unchecked; empty when there is none.
    ByteSpan exif;
};

class PngChunkReader {
public:
    explicit PngChunkReader(ByteSpan data) noexcept : data_(data) {}

    // The signature and the IHDR chunk, validated, with its CRC. Checks nothing against
    // limits. Reads only the first 33 bytes.
    Status read_header(PngHeader* header);

    // Walks the chunks after IHDR up to the first IDAT, keeping PLTE, tRNS and where the
    // eXIf payload lies. Critical chunks must be valid; other ancillary ones are skipped
    // unread, and a malformed tRNS is ignored (as libpng does), so odd metadata never
    // costs an image.
    Status read_color_info(const PngHeader& header, PngColorInfo* info);

    // The payload of the next IDAT chunk, CRC-checked, after read_color_info. Sets
    // `*end` once the IDAT sequence is over (another chunk follows, or the file ends
    // exactly at a chunk boundary; `*truncated` tells which). A chunk cut short by the
    // end of the file gives the bytes that are there, unchecked: rows before the cut
    // still decode.
    Status next_image_data(ByteSpan* payload, bool* end, bool* truncated);

private:
    const ByteSpan data_;
    size_t position_ = 0;  // start of the next chunk
};

// The CRC-32 of PNG and gzip over `size` bytes, continuing from `crc` (0 to start).
uint32_t png_crc32(uint32_t crc, const uint8_t* bytes, size_t size);

}  // namespace parcrop
