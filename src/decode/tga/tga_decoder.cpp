#include "decode/tga/tga_decoder.h"

#include <algorithm>
#include <cstring>
#include <new>
#include <string>
#include <vector>

#include "common/pixel_convert.h"

namespace parcrop {
namespace {

constexpr size_t kHeaderBytes = 18;

// Bytes past the end read as zero, as stb reads them, so that recognition agrees with
// stb on short files too.
uint32_t byte_at(ByteSpan data, size_t offset) { return offset < data.size ? data.data[offset] : 0; }
uint32_t le16_at(ByteSpan data, size_t offset) { return byte_at(data, offset) | byte_at(data, offset + 1) << 8; }

struct TgaHeader {
    uint32_t id_length = 0;
    uint32_t map_type = 0;
    uint32_t image_type = 0;
    uint32_t map_first = 0;
    uint32_t map_length = 0;
    uint32_t map_bits = 0;
    uint32_t width = 0;
    uint32_t height = 0;
    uint32_t depth = 0;
    uint32_t descriptor = 0;
};

TgaHeader parse_header(ByteSpan data) {
    TgaHeader h;
    h.id_length = byte_at(data, 0);
    h.map_type = byte_at(data, 1);
    h.image_type = byte_at(data, 2);
    h.map_first = le16_at(data, 3);
    h.map_length = le16_at(data, 5);
    h.map_bits = byte_at(data, 7);
    // 8..11: the origin on screen, which says nothing about the stored pixels.
    h.width = le16_at(data, 12);
    h.height = le16_at(data, 14);
    h.depth = byte_at(data, 16);
    h.descriptor = byte_at(data, 17);
    return h;
}

bool is_depth(uint32_t bits) { return bits == 8 || bits == 15 || bits == 16 || bits == 24 || bits == 32; }

struct VariantProblem {
    parcrop_status code;
    const char* what;
};

// The variants stb 2.27 reads (stbi__tga_test), which are the ones this decoder reads.
// Allocates nothing: format detection runs it on every file that has no magic.
bool find_variant_problem(const TgaHeader& h, VariantProblem* problem) {
    const uint32_t type = h.image_type;
    if (h.map_type > 1) {
        *problem = {PARCROP_E_CORRUPT, "no such colour map type"};
    } else if (h.map_type == 1 ? (type != 1 && type != 9)
                               : (type != 2 && type != 3 && type != 10 && type != 11)) {
        *problem = {PARCROP_E_UNSUPPORTED, "unsupported image type for its colour map type"};
    } else if (h.map_type == 1 && !is_depth(h.map_bits)) {
        *problem = {PARCROP_E_UNSUPPORTED, "unsupported colour map entry size"};
    } else if (!is_depth(h.depth) || (h.map_type == 1 && h.depth != 8 && h.depth != 16)) {
        *problem = {PARCROP_E_UNSUPPORTED, "unsupported pixel depth for the image type"};
    } else {
        return false;
    }
    return true;
}

Status variant_status(const TgaHeader& h, const VariantProblem& problem) {
    return Status(problem.code, std::string("tga: ") + problem.what + " (colour map type " +
                                    std::to_string(h.map_type) + ", image type " + std::to_string(h.image_type) +
                                    ", " + std::to_string(h.depth) + "-bit pixels, " + std::to_string(h.map_bits) +
                                    "-bit map entries)");
}

// How stored pixels (or colour-map entries) become 1 to 4 channels of 8 bits.
enum class Encoding { direct, bgr, rgb555, index };

struct PixelLayout {
    Encoding encoding = Encoding::direct;
    uint32_t stored_bytes = 1;
    uint32_t channels = 1;
};

// stb's choice (stbi__tga_get_comp): 16 bits is gray+alpha in a gray image and 5-5-5 RGB
// anywhere else, like 15 bits; 8 bits is gray even in a true-colour image.
PixelLayout layout_for_depth(uint32_t bits, bool gray) {
    switch (bits) {
        case 8: return {Encoding::direct, 1, 1};
        case 16:
            if (gray) return {Encoding::direct, 2, 2};
            return {Encoding::rgb555, 2, 3};
        case 15: return {Encoding::rgb555, 2, 3};
        case 24: return {Encoding::bgr, 3, 3};
        default: return {Encoding::bgr, 4, 4};
    }
}

// Any encoding but index.
void decode_colors(const PixelLayout& layout, const uint8_t* src, uint32_t count, uint8_t* dst) {
    switch (layout.encoding) {
        case Encoding::direct:
            std::memcpy(dst, src, size_t{count} * layout.channels);
            return;
        case Encoding::bgr:
            for (uint32_t i = 0; i < count; ++i, src += layout.stored_bytes, dst += layout.channels) {
                dst[0] = src[2];
                dst[1] = src[1];
                dst[2] = src[0];
                if (layout.channels == 4) dst[3] = src[3];
            }
            return;
        case Encoding::rgb555:
            for (uint32_t i = 0; i < count; ++i, src += 2, dst += 3) {
                const uint32_t v = uint32_t{src[0]} | uint32_t{src[1]} << 8;
                dst[0] = static_cast<uint8_t>(((v >> 10) & 31) * 255 / 31);
                dst[1] = static_cast<uint8_t>(((v >> 5) & 31) * 255 / 31);
                dst[2] = static_cast<uint8_t>((v & 31) * 255 / 31);
            }
            return;
        case Encoding::index:
            return;  // the decoder's colour map does it
    }
}

void reverse_pixels(uint8_t* row, uint32_t count, uint32_t channels) {
    for (uint32_t i = 0, j = count; i + 1 < j; ++i, --j) {
        std::swap_ranges(row + size_t{i} * channels, row + size_t{i + 1} * channels, row + size_t{j - 1} * channels);
    }
}

// The crop's columns, in the image and as stored (mirrored in a right-to-left file).
struct Columns {
    uint32_t x0, x1;
    uint32_t stored0, stored1;
    uint32_t width() const { return x1 - x0; }
};

class TgaDecoder final : public Decoder {
public:
    TgaDecoder(ByteSpan data, const Limits& limits) noexcept : data_(data), limits_(limits) {}

    Status read_header(ImageHeader* header) override {
        return without_exceptions("tga", [&] { return read_header_unguarded(header); });
    }

    Status decode(const DecodeRequest& request, RowSink& sink) override {
        return without_exceptions("tga", [&] { return decode_unguarded(request, sink); });
    }

    Status describe(ImageTraits* traits) override {
        if (!header_read_) return Status(PARCROP_E_INTERNAL, "tga: describe before read_header");
        traits->channels = pixel_.channels;  // an index takes its colour map's layout
        traits->has_alpha = pixel_.channels == 2 || pixel_.channels == 4;
        traits->interlaced = false;
        return Status::ok();
    }

private:
    Status read_header_unguarded(ImageHeader* header) {
        if (!header_read_) {
            if (data_.data == nullptr || data_.size == 0) return Status(PARCROP_E_EMPTY_INPUT, "tga: no data");
            header_ = parse_header(data_);
            VariantProblem problem{};
            if (find_variant_problem(header_, &problem)) return variant_status(header_, problem);
            if (data_.size < kHeaderBytes) {
                return Status(PARCROP_E_TRUNCATED, "tga: data ends inside the 18-byte header");
            }
            PARCROP_RETURN_IF_ERROR(check_dimensions(header_.width, header_.height, limits_));
            indexed_ = header_.map_type == 1;
            if (indexed_ && header_.map_length == 0) return Status(PARCROP_E_CORRUPT, "tga: empty colour map");
            rle_ = header_.image_type >= 9;
            top_down_ = (header_.descriptor & 0x20) != 0;
            right_to_left_ = (header_.descriptor & 0x10) != 0;
            map_ = layout_for_depth(header_.map_bits, false);
            if (indexed_) {
                pixel_ = {Encoding::index, header_.depth / 8, map_.channels};
            } else {
                pixel_ = layout_for_depth(header_.depth, (header_.image_type & 7) == 3);
            }
            map_offset_ = kHeaderBytes + header_.id_length;
            // Without a colour map type of 1 the map fields are ignored, as stb ignores them.
            pixels_offset_ = map_offset_ + (indexed_ ? size_t{header_.map_length} * map_.stored_bytes : 0);
            header_read_ = true;
        }
        header->width = header_.width;
        header->height = header_.height;
        header->format = ImageFormat::other;
        header->max_scale_denom = 1;
        return Status::ok();
    }

    Status decode_unguarded(const DecodeRequest& request, RowSink& sink) {
        PARCROP_RETURN_IF_ERROR(
            begin_full_scale_decode("tga", header_read_, &decode_started_, request, header_.width, header_.height));
        if (indexed_) PARCROP_RETURN_IF_ERROR(load_color_map());
        Columns columns{request.x0, request.x1, request.x0, request.x1};
        if (right_to_left_) {
            columns.stored0 = header_.width - request.x1;
            columns.stored1 = header_.width - request.x0;
        }
        return rle_ ? decode_run_length(request, columns, sink) : decode_uncompressed(request, columns, sink);
    }

    // Sized by the file's bytes, never by the header alone.
    Status load_color_map() {
        const size_t bytes = size_t{header_.map_length} * map_.stored_bytes;
        if (map_offset_ > data_.size || data_.size - map_offset_ < bytes) {
            return Status(PARCROP_E_TRUNCATED, "tga: data ends inside the colour map");
        }
        color_map_.resize(size_t{header_.map_length} * map_.channels);
        decode_colors(map_, data_.data + map_offset_, header_.map_length, color_map_.data());
        return Status::ok();
    }

    void decode_pixels(const uint8_t* src, uint32_t count, uint8_t* dst) const {
        if (pixel_.encoding != Encoding::index) {
            decode_colors(pixel_, src, count, dst);
            return;
        }
        // Opaque black in every layout a map can have (gray, RGB, RGBA).
        static constexpr uint8_t kBlack[4] = {0, 0, 0, 255};
        const uint32_t channels = pixel_.channels;
        for (uint32_t i = 0; i < count; ++i, src += pixel_.stored_bytes, dst += channels) {
            const uint32_t index = pixel_.stored_bytes == 1 ? src[0] : uint32_t{src[0]} | uint32_t{src[1]} << 8;
            const uint32_t slot = index - header_.map_first;  // wraps for an index below the first
            const uint8_t* color = slot < header_.map_length ? color_map_.data() + size_t{slot} * channels : kBlack;
            std::memcpy(dst, color, channels);
        }
    }

    // The stored crop of a row, turned into the requested layout (in `out` unless the
    // layout is already the same).
    const uint8_t* finish_row(uint8_t* stored, uint32_t crop_width, uint32_t channels, uint8_t* out) const {
        if (right_to_left_) reverse_pixels(stored, crop_width, pixel_.channels);
        if (pixel_.channels == channels) return stored;
        convert_row(stored, pixel_.channels, out, channels, crop_width);
        return out;
    }

    uint32_t image_row(uint32_t stored_row) const { return top_down_ ? stored_row : header_.height - 1 - stored_row; }

    Status decode_uncompressed(const DecodeRequest& request, const Columns& columns, RowSink& sink) {
        const uint32_t crop_width = columns.width();
        const uint64_t row_bytes = uint64_t{header_.width} * pixel_.stored_bytes;
        const uint64_t crop_bytes = uint64_t{crop_width} * pixel_.stored_bytes;
        std::vector<uint8_t> stored(size_t{crop_width} * pixel_.channels);
        std::vector<uint8_t> converted(size_t{crop_width} * request.channels);
        for (const uint32_t y : *request.rows) {
            const uint64_t begin = pixels_offset_ + uint64_t{image_row(y)} * row_bytes +
                                   uint64_t{columns.stored0} * pixel_.stored_bytes;
            if (begin > data_.size || data_.size - begin < crop_bytes) {
                return Status(PARCROP_E_TRUNCATED, "tga: data ends before row " + std::to_string(y));
            }
            decode_pixels(data_.data + begin, crop_width, stored.data());
            sink.row(y, finish_row(stored.data(), crop_width, request.channels, converted.data()));
        }
        return Status::ok();
    }

    // Packets run on across rows, so the data is walked from its start; only the crop's
    // columns of requested rows are decoded, and a run costs one step per row it touches,
    // so the work follows the data and the crop, not the size the header claims.
    Status decode_run_length(const DecodeRequest& request, const Columns& columns, RowSink& sink) {
        const std::vector<uint32_t>& rows = *request.rows;
        const size_t wanted = rows.size();
        const uint32_t crop_width = columns.width();
        const size_t out_row_bytes = size_t{crop_width} * request.channels;
        // Stored bottom-up, the top requested row comes last: the requested rows wait here.
        std::vector<uint8_t> region;
        if (!top_down_) {
            PARCROP_RETURN_IF_ERROR(check_decode_memory(uint64_t{out_row_bytes} * wanted,
                                                        "tga: the crop's rows of a bottom-up run-length image",
                                                        limits_));
            region.resize(out_row_bytes * wanted);
        }
        // The k-th requested row in stored order, and where its pixels go.
        const auto stored_row_of = [&](size_t k) {
            return top_down_ ? rows[k] : header_.height - 1 - rows[wanted - 1 - k];
        };
        std::vector<uint8_t> stored(size_t{crop_width} * pixel_.channels);
        std::vector<uint8_t> converted(out_row_bytes);
        uint8_t run_pixel[4] = {0, 0, 0, 0};
        const uint32_t bytes_per_pixel = pixel_.stored_bytes;

        size_t position = pixels_offset_;
        uint32_t row = 0, x = 0;  // the next pixel, as stored
        size_t next = 0;
        uint32_t target = stored_row_of(0);
        for (;;) {
            if (position >= data_.size) return run_length_truncated(row);
            const uint8_t packet = data_.data[position++];
            const uint32_t count = (packet & 0x7Fu) + 1;
            const bool run = (packet & 0x80u) != 0;
            const uint8_t* literal = data_.data + position;
            const size_t left = data_.size - position;
            // The packet's pixels that the data holds: all of a run or none, a literal's prefix.
            uint32_t present = 0;
            if (run) {
                if (left >= bytes_per_pixel) {
                    decode_pixels(literal, 1, run_pixel);
                    present = count;
                    position += bytes_per_pixel;
                }
            } else {
                present = static_cast<uint32_t>(std::min<size_t>(count, left / bytes_per_pixel));
                position += size_t{present} * bytes_per_pixel;
            }

            for (uint32_t done = 0; done < present;) {
                const uint32_t segment = std::min(present - done, header_.width - x);
                if (row == target) {
                    const uint32_t from = std::max(x, columns.stored0);
                    const uint32_t to = std::min(x + segment, columns.stored1);
                    if (from < to) {
                        uint8_t* dst = stored.data() + size_t{from - columns.stored0} * pixel_.channels;
                        if (run) {
                            for (uint32_t i = from; i < to; ++i, dst += pixel_.channels) {
                                std::memcpy(dst, run_pixel, pixel_.channels);
                            }
                        } else {
                            decode_pixels(literal + size_t{done + (from - x)} * bytes_per_pixel, to - from, dst);
                        }
                    }
                }
                x += segment;
                done += segment;
                if (row == target && x >= columns.stored1) {
                    const size_t slot = top_down_ ? next : wanted - 1 - next;
                    uint8_t* out = top_down_ ? converted.data() : region.data() + slot * out_row_bytes;
                    const uint8_t* pixels = finish_row(stored.data(), crop_width, request.channels, out);
                    if (top_down_) {
                        sink.row(rows[next], pixels);
                    } else if (pixels != out) {
                        std::memcpy(out, pixels, out_row_bytes);
                    }
                    if (++next == wanted) {
                        if (!top_down_) {
                            for (size_t k = 0; k < wanted; ++k) sink.row(rows[k], region.data() + k * out_row_bytes);
                        }
                        return Status::ok();
                    }
                    target = stored_row_of(next);
                }
                if (x == header_.width) {
                    x = 0;
                    ++row;
                }
            }
            if (present < count) return run_length_truncated(row);
        }
    }

    Status run_length_truncated(uint32_t stored_row) const {
        return Status(PARCROP_E_TRUNCATED,
                      "tga: run-length data ends in row " + std::to_string(image_row(stored_row)));
    }

    const ByteSpan data_;
    const Limits limits_;
    TgaHeader header_;
    bool header_read_ = false;
    bool decode_started_ = false;
    bool indexed_ = false;
    bool rle_ = false;
    bool top_down_ = false;
    bool right_to_left_ = false;
    PixelLayout pixel_;
    PixelLayout map_;
    size_t map_offset_ = 0;
    size_t pixels_offset_ = 0;
    std::vector<uint8_t> color_map_;
};

}  // namespace

std::unique_ptr<Decoder> make_tga_decoder(ByteSpan data, const Limits& limits) {
    return std::unique_ptr<Decoder>(new (std::nothrow) TgaDecoder(data, limits));
}

bool tga_recognizes(ByteSpan data) {
    if (data.data == nullptr || data.size == 0) return false;
    const TgaHeader header = parse_header(data);
    VariantProblem problem{};
    return !find_variant_problem(header, &problem) && header.width >= 1 && header.height >= 1;
}

}  // namespace parcrop
