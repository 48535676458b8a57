#include "decode/png/png_chunks.h"

#include <isa-l/crc.h>

#include <cstring>
#include <string>

namespace parcrop {
namespace {

constexpr uint8_t kSignature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
constexpr size_t kChunkFraming = 12;  // length, type, CRC
constexpr uint32_t kMaxChunkLength = 0x7fffffffu;  // PNG's limit on lengths and sides
constexpr size_t kHeaderEnd = sizeof(kSignature) + kChunkFraming + 13;

uint32_t read_u32(const uint8_t* bytes) {
    return uint32_t{bytes[0]} << 24 | uint32_t{bytes[1]} << 16 | uint32_t{bytes[2]} << 8 | bytes[3];
}

bool is_type(const uint8_t* type, const char* name) { return std::memcmp(type, name, 4) == 0; }

// Bit 5 of the first letter: lowercase marks a chunk a decoder may ignore.
bool is_critical(const uint8_t* type) { return (type[0] & 0x20) == 0; }

bool is_letter(uint8_t c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }

std::string type_name(const uint8_t* type) {
    std::string name;
    for (int i = 0; i < 4; ++i) name += is_letter(type[i]) ? static_cast<char>(type[i]) : '?';
    return name;
}

Status corrupt(const std::string& why) { return Status(PARCROP_E_CORRUPT, "png: " + why); }
Status truncated(const std::string& why) { return Status(PARCROP_E_TRUNCATED, "png: " + why); }

// A chunk whose framing is inside the file; its data and CRC may not be.
struct Chunk {
    const uint8_t* type = nullptr;
    const uint8_t* data = nullptr;
    uint32_t length = 0;
    bool complete = false;  // data and CRC are all in the file

    bool crc_matches() const {
        const uint32_t crc = png_crc32(png_crc32(0, type, 4), data, length);
        return crc == read_u32(data + length);
    }
};

// The chunk at `position`, or why there is none.
Status chunk_at(ByteSpan file, size_t position, Chunk* chunk) {
    if (file.size - position < 8) return truncated("file ends inside a chunk header");
    const uint8_t* start = file.data + position;
    chunk->length = read_u32(start);
    chunk->type = start + 4;
    chunk->data = start + 8;
    if (chunk->length > kMaxChunkLength) return corrupt("chunk length over 2^31-1");
    for (int i = 0; i < 4; ++i) {
        if (!is_letter(chunk->type[i])) return corrupt("chunk type is not four letters");
    }
    chunk->complete = file.size - position - 8 >= uint64_t{chunk->length} + 4;
    return Status::ok();
}

bool valid_depth(uint8_t color_type, uint8_t depth) {
    switch (color_type) {
        case kPngGray:
            return depth == 1 || depth == 2 || depth == 4 || depth == 8 || depth == 16;
        case kPngIndexed:
            return depth == 1 || depth == 2 || depth == 4 || depth == 8;
        case kPngTruecolor:
        case kPngGrayAlpha:
        case kPngTruecolorAlpha:
            return depth == 8 || depth == 16;
        default:
            return false;
    }
}

}  // namespace

uint32_t png_crc32(uint32_t crc, const uint8_t* bytes, size_t size) {
    return crc32_gzip_refl(crc, bytes, size);
}

uint32_t PngHeader::samples_per_pixel() const {
    switch (color_type) {
        case kPngTruecolor: return 3;
        case kPngGrayAlpha: return 2;
        case kPngTruecolorAlpha: return 4;
        default: return 1;
    }
}

Status PngChunkReader::read_header(PngHeader* header) {
    const size_t prefix = data_.size < sizeof(kSignature) ? data_.size : sizeof(kSignature);
    if (std::memcmp(data_.data, kSignature, prefix) != 0) return corrupt("not a PNG signature");
    if (data_.size < kHeaderEnd) return truncated("file ends inside the header");

    Chunk chunk;
    PARCROP_RETURN_IF_ERROR(chunk_at(data_, sizeof(kSignature), &chunk));
    if (!is_type(chunk.type, "IHDR") || chunk.length != 13) return corrupt("first chunk is not a 13-byte IHDR");
    if (!chunk.crc_matches()) return corrupt("IHDR CRC mismatch");

    const uint8_t* fields = chunk.data;
    header->width = read_u32(fields);
    header->height = read_u32(fields + 4);
    header->bit_depth = fields[8];
    header->color_type = fields[9];
    header->interlaced = fields[12] == 1;
    if (header->width == 0 || header->height == 0) return corrupt("zero width or height");
    if (header->width > kMaxChunkLength || header->height > kMaxChunkLength) {
        return corrupt("width or height over 2^31-1");
    }
    if (!valid_depth(header->color_type, header->bit_depth)) {
        return corrupt("invalid colour type " + std::to_string(header->color_type) + " with bit depth " +
                       std::to_string(header->bit_depth));
    }
    if (fields[10] != 0 || fields[11] != 0 || fields[12] > 1) {
        return corrupt("unknown compression, filter or interlace method");
    }
    position_ = kHeaderEnd;
    return Status::ok();
}

Status PngChunkReader::read_color_info(const PngHeader& header, PngColorInfo* info) {
    bool have_palette = false;
    bool have_trns = false;
    for (;;) {
        Chunk chunk;
        PARCROP_RETURN_IF_ERROR(chunk_at(data_, position_, &chunk));
        if (is_type(chunk.type, "IDAT")) {
            if (header.color_type == kPngIndexed && !have_palette) return corrupt("indexed image without PLTE");
            return Status::ok();  // position_ stays at the first IDAT
        }
        if (!chunk.complete) return truncated("file ends inside a " + type_name(chunk.type) + " chunk");

        if (is_type(chunk.type, "PLTE")) {
            if (have_palette) return corrupt("second PLTE");
            if (header.color_type == kPngGray || header.color_type == kPngGrayAlpha) {
                return corrupt("PLTE in a grayscale image");
            }
            const uint32_t entries = chunk.length / 3;
            if (chunk.length % 3 != 0 || entries == 0 || entries > 256 ||
                (header.color_type == kPngIndexed && entries > (1u << header.bit_depth))) {
                return corrupt("PLTE of invalid length " + std::to_string(chunk.length));
            }
            if (!chunk.crc_matches()) return corrupt("PLTE CRC mismatch");
            have_palette = true;
            info->palette_entries = entries;
            for (uint32_t i = 0; i < 256; ++i) {
                uint8_t* rgba = &info->palette[size_t{i} * 4];
                if (i < entries) std::memcpy(rgba, chunk.data + size_t{i} * 3, 3);
                rgba[3] = 255;
            }
        } else if (is_type(chunk.type, "tRNS")) {
            // Ignored unless well-formed, in place and intact: it only adds an alpha channel.
            const bool fits = header.color_type == kPngGray      ? chunk.length == 2
                              : header.color_type == kPngTruecolor ? chunk.length == 6
                              : header.color_type == kPngIndexed
                                  ? have_palette && chunk.length <= info->palette_entries
                                  : false;
            if (!have_trns && fits && chunk.crc_matches()) {
                have_trns = true;
                if (header.color_type == kPngIndexed) {
                    info->has_palette_alpha = true;
                    for (uint32_t i = 0; i < chunk.length; ++i) info->palette[size_t{i} * 4 + 3] = chunk.data[i];
                } else {
                    info->has_transparent_color = true;
                    for (uint32_t i = 0; i < chunk.length / 2; ++i) {
                        info->transparent_color[i] =
                            static_cast<uint16_t>(chunk.data[2 * i] << 8 | chunk.data[2 * i + 1]);
                    }
                }
            }
        } else if (is_type(chunk.type, "eXIf")) {
            // Its CRC is left to the EXIF parser's own checks: a damaged one costs only
            // the orientation, never the image.
            if (info->exif.data == nullptr) info->exif = ByteSpan{chunk.data, chunk.length};
        } else if (is_type(chunk.type, "IHDR")) {
            return corrupt("second IHDR");
        } else if (is_type(chunk.type, "IEND")) {
            return corrupt("IEND before any image data");
        } else if (is_critical(chunk.type)) {
            return Status(PARCROP_E_UNSUPPORTED, "png: unknown critical chunk " + type_name(chunk.type));
        }
        position_ += kChunkFraming + chunk.length;
    }
}

Status PngChunkReader::next_image_data(ByteSpan* payload, bool* end, bool* truncated_file) {
    *payload = ByteSpan();
    *end = false;
    *truncated_file = false;
    if (data_.size - position_ < 8) {
        *end = true;
        *truncated_file = true;
        return Status::ok();
    }
    Chunk chunk;
    PARCROP_RETURN_IF_ERROR(chunk_at(data_, position_, &chunk));
    if (!is_type(chunk.type, "IDAT")) {
        *end = true;
        return Status::ok();
    }
    if (!chunk.complete) {
        const size_t available = data_.size - position_ - 8;
        payload->data = chunk.data;
        payload->size = available < chunk.length ? available : chunk.length;
        position_ = data_.size;
        return Status::ok();
    }
    if (!chunk.crc_matches()) return corrupt("IDAT CRC mismatch");
    payload->data = chunk.data;
    payload->size = chunk.length;
    position_ += kChunkFraming + chunk.length;
    return Status::ok();
}

}  // namespace parcrop
