#include "decode/hdr/hdr_decoder.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <limits>
#include <new>
#include <string>
#include <vector>

#include "common/pixel_convert.h"

namespace parcrop {
namespace {

constexpr uint32_t kMinRunLengthWidth = 8;
constexpr uint32_t kMaxRunLengthWidth = 32767;
// stb keeps the first 1023 bytes of a header line and drops the rest.
constexpr size_t kMaxLine = 1023;

// stbi_load's 8-bit value of a channel depends only on its mantissa and the shared
// exponent, so one table of every pair reproduces it. The steps are stb's, in its types
// (stbi__hdr_convert, then stbi__hdr_to_ldr as compiled in C++, where pow of two floats
// is the float overload); the tests compare all 65536 entries with stb itself.
const std::array<uint8_t, 65536>& tone_map_table() {
    static const std::array<uint8_t, 65536> table = [] {
        std::array<uint8_t, 65536> t{};  // exponent 0 is black whatever the mantissa
        const float gamma = 1.0f / 2.2f;
        const float scale = 1.0f;
        for (int exponent = 1; exponent < 256; ++exponent) {
            const float unit = static_cast<float>(std::ldexp(1.0f, exponent - 136));
            for (int mantissa = 0; mantissa < 256; ++mantissa) {
                const float linear = static_cast<float>(mantissa) * unit;
                float z = static_cast<float>(std::pow(linear * scale, gamma)) * 255 + 0.5f;
                z = std::min(255.0f, std::max(0.0f, z));
                t[static_cast<size_t>(exponent) << 8 | static_cast<size_t>(mantissa)] =
                    static_cast<uint8_t>(static_cast<int>(z));
            }
        }
        return t;
    }();
    return table;
}

void tone_map(const uint8_t* rgbe, uint32_t count, uint8_t* rgb) {
    const std::array<uint8_t, 65536>& table = tone_map_table();
    for (uint32_t i = 0; i < count; ++i, rgbe += 4, rgb += 3) {
        const size_t exponent = size_t{rgbe[3]} << 8;
        rgb[0] = table[exponent | rgbe[0]];
        rgb[1] = table[exponent | rgbe[1]];
        rgb[2] = table[exponent | rgbe[2]];
    }
}

bool is_c_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'; }

// strtol's reading of a decimal number, saturated; *at stays put when there are no digits.
void parse_number(const std::string& text, size_t* at, int64_t* value) {
    size_t i = *at;
    while (i < text.size() && is_c_space(text[i])) ++i;
    bool negative = false;
    if (i < text.size() && (text[i] == '+' || text[i] == '-')) negative = text[i++] == '-';
    const size_t digits = i;
    int64_t number = 0;
    for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i) {
        number = std::min<int64_t>(number * 10 + (text[i] - '0'), int64_t{1} << 40);
    }
    if (i == digits) {
        *value = 0;
        return;
    }
    *at = i;
    *value = negative ? -number : number;
}

Status unsupported_layout(const std::string& line) {
    return Status(PARCROP_E_UNSUPPORTED,
                  "hdr: resolution line \"" + line.substr(0, 40) + "\" (only \"-Y height +X width\" is supported)");
}

class HdrDecoder final : public Decoder {
public:
    HdrDecoder(ByteSpan data, const Limits& limits) noexcept : data_(data), limits_(limits) {}

    Status read_header(ImageHeader* header) override {
        return without_exceptions("hdr", [&] { return read_header_unguarded(header); });
    }

    Status decode(const DecodeRequest& request, RowSink& sink) override {
        return without_exceptions("hdr", [&] { return decode_unguarded(request, sink); });
    }

    Status describe(ImageTraits* traits) override {
        if (!header_read_) return Status(PARCROP_E_INTERNAL, "hdr: describe before read_header");
        *traits = ImageTraits{};  // RGB, tone-mapped to 8 bits
        return Status::ok();
    }

private:
    // A header line as stb compares it: a C string, so up to its first NUL byte.
    Status next_line(size_t* position, std::string* line) const {
        const uint8_t* begin = data_.data + *position;
        const size_t left = data_.size - *position;
        const void* newline = std::memchr(begin, '\n', left);
        if (newline == nullptr) return Status(PARCROP_E_TRUNCATED, "hdr: data ends inside the header");
        const size_t length = static_cast<size_t>(static_cast<const uint8_t*>(newline) - begin);
        const void* nul = std::memchr(begin, '\0', length);
        const size_t text = nul == nullptr ? length : static_cast<size_t>(static_cast<const uint8_t*>(nul) - begin);
        line->assign(reinterpret_cast<const char*>(begin), std::min(text, kMaxLine));
        *position += length + 1;
        return Status::ok();
    }

    Status read_header_unguarded(ImageHeader* header) {
        if (!header_read_) {
            if (data_.data == nullptr || data_.size == 0) return Status(PARCROP_E_EMPTY_INPUT, "hdr: no data");
            size_t position = 0;
            std::string line;
            PARCROP_RETURN_IF_ERROR(next_line(&position, &line));
            if (line != "#?RADIANCE" && line != "#?RGBE") {
                return Status(PARCROP_E_CORRUPT, "hdr: no #?RADIANCE or #?RGBE signature");
            }
            bool rgbe = false;
            for (;;) {
                PARCROP_RETURN_IF_ERROR(next_line(&position, &line));
                if (line.empty()) break;
                if (line == "FORMAT=32-bit_rle_rgbe") rgbe = true;
            }
            if (!rgbe) return Status(PARCROP_E_UNSUPPORTED, "hdr: no FORMAT=32-bit_rle_rgbe (XYZE is not supported)");
            PARCROP_RETURN_IF_ERROR(next_line(&position, &line));
            PARCROP_RETURN_IF_ERROR(parse_resolution(line));
            PARCROP_RETURN_IF_ERROR(check_dimensions(width_, height_, limits_));
            pixels_offset_ = position;
            const uint8_t* first = data_.data + position;
            run_length_ = width_ >= kMinRunLengthWidth && width_ <= kMaxRunLengthWidth &&
                          data_.size - position >= 3 && first[0] == 2 && first[1] == 2 && first[2] < 128;
            header_read_ = true;
        }
        header->width = width_;
        header->height = height_;
        header->format = ImageFormat::other;
        header->max_scale_denom = 1;
        return Status::ok();
    }

    // "-Y height +X width": rows top to bottom, pixels left to right, the only layout stb reads.
    Status parse_resolution(const std::string& line) {
        if (line.compare(0, 3, "-Y ") != 0) return unsupported_layout(line);
        size_t at = 3;
        int64_t height = 0, width = 0;
        parse_number(line, &at, &height);
        while (at < line.size() && line[at] == ' ') ++at;
        if (line.compare(at, 3, "+X ") != 0) return unsupported_layout(line);
        at += 3;
        parse_number(line, &at, &width);
        if (height < 0 || width < 0) return Status(PARCROP_E_CORRUPT, "hdr: negative size in \"" + line + "\"");
        constexpr int64_t kLargest = std::numeric_limits<uint32_t>::max();
        height_ = static_cast<uint32_t>(std::min(height, kLargest));
        width_ = static_cast<uint32_t>(std::min(width, kLargest));
        return Status::ok();
    }

    Status decode_unguarded(const DecodeRequest& request, RowSink& sink) {
        PARCROP_RETURN_IF_ERROR(
            begin_full_scale_decode("hdr", header_read_, &decode_started_, request, width_, height_));
        const uint32_t crop_width = request.x1 - request.x0;
        rgb_.resize(size_t{crop_width} * 3);
        converted_.resize(size_t{crop_width} * request.channels);
        return run_length_ ? decode_run_length(request, sink) : decode_flat(request, sink);
    }

    void deliver(const DecodeRequest& request, uint32_t y, const uint8_t* rgbe, RowSink& sink) {
        const uint32_t crop_width = request.x1 - request.x0;
        tone_map(rgbe, crop_width, rgb_.data());
        if (request.channels == 3) {
            sink.row(y, rgb_.data());
            return;
        }
        convert_row(rgb_.data(), 3, converted_.data(), request.channels, crop_width);
        sink.row(y, converted_.data());
    }

    Status truncated(uint32_t y) const {
        return Status(PARCROP_E_TRUNCATED, "hdr: data ends in row " + std::to_string(y));
    }

    Status decode_flat(const DecodeRequest& request, RowSink& sink) {
        const uint64_t crop_width = request.x1 - request.x0;
        const uint64_t present = (data_.size - pixels_offset_) / 4;  // whole pixels in the file
        for (const uint32_t y : *request.rows) {
            const uint64_t first = uint64_t{y} * width_ + request.x0;
            if (first > present || present - first < crop_width) return truncated(y);
            deliver(request, y, data_.data + pixels_offset_ + first * 4, sink);
        }
        return Status::ok();
    }

    // Each row holds its four components one after another, each as runs (a count over
    // 128, then one byte for count - 128 pixels) and literals (a count of 1 to 128, then
    // that many bytes). Only the crop's columns of requested rows are kept.
    Status decode_run_length(const DecodeRequest& request, RowSink& sink) {
        const std::vector<uint32_t>& rows = *request.rows;
        const uint32_t x0 = request.x0, x1 = request.x1;
        std::vector<uint8_t> rgbe(size_t{x1 - x0} * 4);
        const uint8_t* data = data_.data;
        const size_t size = data_.size;
        size_t position = pixels_offset_;
        size_t next = 0;
        for (uint32_t y = 0;; ++y) {
            const bool wanted = y == rows[next];
            if (size - position < 4) return truncated(y);
            if (data[position] != 2 || data[position + 1] != 2 || data[position + 2] >= 128) {
                return Status(PARCROP_E_CORRUPT, "hdr: row " + std::to_string(y) +
                                                     " is not run-length encoded, unlike row 0");
            }
            const uint32_t encoded_width = uint32_t{data[position + 2]} << 8 | data[position + 3];
            if (encoded_width != width_) {
                return Status(PARCROP_E_CORRUPT, "hdr: row " + std::to_string(y) + " claims width " +
                                                     std::to_string(encoded_width));
            }
            position += 4;
            for (uint32_t component = 0; component < 4; ++component) {
                for (uint32_t x = 0; x < width_;) {
                    if (position >= size) return truncated(y);
                    const uint32_t count = data[position++];
                    const bool run = count > 128;
                    const uint32_t length = run ? count - 128 : count;
                    if (length == 0 || length > width_ - x) {
                        return Status(PARCROP_E_CORRUPT, "hdr: bad run length " + std::to_string(count) +
                                                             " in row " + std::to_string(y));
                    }
                    const size_t stored = run ? 1 : length;
                    if (size - position < stored) return truncated(y);
                    const uint32_t from = std::max(x, x0), to = std::min(x + length, x1);
                    if (wanted) {
                        for (uint32_t i = from; i < to; ++i) {
                            rgbe[size_t{i - x0} * 4 + component] = data[position + (run ? 0 : i - x)];
                        }
                    }
                    position += stored;
                    x += length;
                }
            }
            if (!wanted) continue;
            deliver(request, y, rgbe.data(), sink);
            if (++next == rows.size()) return Status::ok();
        }
    }

    const ByteSpan data_;
    const Limits limits_;
    uint32_t width_ = 0;
    uint32_t height_ = 0;
    size_t pixels_offset_ = 0;
    bool run_length_ = false;
    bool header_read_ = false;
    bool decode_started_ = false;
    std::vector<uint8_t> rgb_;
    std::vector<uint8_t> converted_;
};

}  // namespace

std::unique_ptr<Decoder> make_hdr_decoder(ByteSpan data, const Limits& limits) {
    return std::unique_ptr<Decoder>(new (std::nothrow) HdrDecoder(data, limits));
}

bool hdr_recognizes(ByteSpan data) {
    const auto starts_with = [&](const char* magic) {
        const size_t length = std::strlen(magic);
        return data.data != nullptr && data.size >= length && std::memcmp(data.data, magic, length) == 0;
    };
    return starts_with("#?RADIANCE\n") || starts_with("#?RGBE\n");
}

}  // namespace parcrop
