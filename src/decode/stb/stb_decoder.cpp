#include "decode/stb/stb_decoder.h"

#include <algorithm>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string>
#include <vector>

#include "common/pixel_convert.h"

// The stb_image implementation lives in this file only, with internal linkage, so no stb
// symbol leaves the library. Only its PSD and PNM loaders are compiled: every other format
// has a decoder of parcrop's own (stb's BMP palettes are uninitialised, its HDR reader
// loops on a zero run, its loaders allocate the claimed image before reading it), and
// PIC is not a format parcrop offers.
#define STB_IMAGE_STATIC
#define STB_IMAGE_IMPLEMENTATION
#define STBI_NO_STDIO
#define STBI_NO_JPEG
#define STBI_NO_PNG
#define STBI_NO_BMP
#define STBI_NO_TGA
#define STBI_NO_GIF
#define STBI_NO_HDR
#define STBI_NO_PIC
#include <stb_image.h>

namespace parcrop {
namespace {

// stb reports only a short reason ("bad PNM"), and not which loader took the data, so the
// format named in messages comes from the same magic bytes its loaders test.
const char* format_name(ByteSpan data) {
    const auto starts_with = [&](const char* magic) {
        const size_t length = std::strlen(magic);
        return data.size >= length && std::memcmp(data.data, magic, length) == 0;
    };
    return starts_with("8BPS") ? "psd" : "pnm";
}

// stb reads past the end of a memory buffer as zeros (PSD) or leaves the pixels it could
// not read uninitialised (PNM) and still reports success. Feeding it through callbacks
// lets us see every attempt to read beyond the data, which is what truncation looks like.
class TruncationWatch {
public:
    explicit TruncationWatch(ByteSpan data) : data_(data) {}

    const stbi_io_callbacks* callbacks() const {
        static constexpr stbi_io_callbacks kCallbacks = {&TruncationWatch::read,
                                                         &TruncationWatch::skip,
                                                         &TruncationWatch::eof};
        return &kCallbacks;
    }
    bool read_past_end() const { return read_past_end_; }

private:
    static int read(void* user, char* destination, int size) {
        auto* self = static_cast<TruncationWatch*>(user);
        // The first read always refills stb's own small buffer, and so do all later reads
        // into it; refills ask for a full buffer and take less near the end, so only an
        // empty answer means more data was needed. Reads elsewhere (stbi__getn) need all of it.
        if (self->refill_buffer_ == nullptr) self->refill_buffer_ = destination;
        const size_t left = self->data_.size - self->position_;
        size_t count = size > 0 ? static_cast<size_t>(size) : 0;
        if (count > left) {
            if (left == 0 || destination != self->refill_buffer_) self->read_past_end_ = true;
            count = left;
        }
        std::memcpy(destination, self->data_.data + self->position_, count);
        self->position_ += count;
        return static_cast<int>(count);
    }

    static void skip(void* user, int count) {
        auto* self = static_cast<TruncationWatch*>(user);
        const size_t left = self->data_.size - self->position_;
        const size_t wanted = count > 0 ? static_cast<size_t>(count) : 0;
        if (wanted > left) self->read_past_end_ = true;
        self->position_ += wanted > left ? left : wanted;
    }

    static int eof(void* user) {
        const auto* self = static_cast<const TruncationWatch*>(user);
        return self->position_ >= self->data_.size ? 1 : 0;
    }

    const ByteSpan data_;
    size_t position_ = 0;
    const char* refill_buffer_ = nullptr;
    bool read_past_end_ = false;
};

bool reason_is(const char* reason, const char* expected) {
    return reason != nullptr && std::strcmp(reason, expected) == 0;
}

parcrop_status status_for_stb_reason(const char* reason) {
    if (reason_is(reason, "outofmem")) return PARCROP_E_OUT_OF_MEMORY;
    if (reason_is(reason, "too large")) return PARCROP_E_IMAGE_TOO_LARGE;
    // Valid files of variants stb does not implement.
    static const char* const kUnsupported[] = {
        "wrong version",      "wrong channel count", "unsupported bit depth",
        "wrong color format", "bad compression",     "max value > 65535",
    };
    for (const char* unsupported : kUnsupported) {
        if (reason_is(reason, unsupported)) return PARCROP_E_UNSUPPORTED;
    }
    return PARCROP_E_CORRUPT;
}

Status stb_failure(const char* format, bool read_past_end, const char* reason) {
    if (read_past_end) {
        return Status(PARCROP_E_TRUNCATED, std::string(format) + ": data ends inside the image");
    }
    return Status(status_for_stb_reason(reason),
                  std::string(format) + ": " + (reason != nullptr ? reason : "decoding failed"));
}

uint32_t big_endian_16(const uint8_t* bytes) { return uint32_t{bytes[0]} << 8 | bytes[1]; }

// When stbi_info fails, every other loader is tried and the specific reason is replaced by
// "unknown image type". A valid file of a variant stb does not implement must still say
// unsupported, so the PSD fields that stb refuses are checked here.
bool is_unsupported_variant(const char* format, ByteSpan data) {
    if (std::strcmp(format, "psd") != 0 || data.size < 26) return false;
    const uint8_t* bytes = data.data;
    const uint32_t version = big_endian_16(bytes + 4), channels = big_endian_16(bytes + 12);
    const uint32_t depth = big_endian_16(bytes + 22), color_mode = big_endian_16(bytes + 24);
    return version != 1 || channels > 16 || (depth != 8 && depth != 16) || color_mode != 3;
}

// stb 2.27 reads the width, height and maximum value of a PNM header into an int with no
// bound, so a long run of digits is a signed overflow (undefined behaviour) before any of
// its checks. This walks the header as stbi__pnm_info does (whitespace, '#' comments to the
// end of the line, digits) and reports a number over stb's own STBI_MAX_DIMENSIONS (2^24,
// also far above the 65535 of a maximum value), before stb parses it.
bool pnm_header_number_too_large(ByteSpan data) {
    if (data.size < 2 || data.data[0] != 'P' || (data.data[1] != '5' && data.data[1] != '6')) return false;
    constexpr uint32_t kLargest = uint32_t{1} << 24;
    size_t next = 2;
    const auto at_eof = [&] { return next >= data.size; };
    const auto get = [&]() -> char { return at_eof() ? '\0' : static_cast<char>(data.data[next++]); };
    const auto is_space = [](char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
    };
    char c = get();
    for (int field = 0; field < 3; ++field) {
        for (;;) {
            while (!at_eof() && is_space(c)) c = get();
            if (at_eof() || c != '#') break;
            while (!at_eof() && c != '\n' && c != '\r') c = get();
        }
        uint32_t value = 0;
        while (!at_eof() && c >= '0' && c <= '9') {
            value = value * 10 + static_cast<uint32_t>(c - '0');
            if (value > kLargest) return true;
            c = get();
        }
    }
    return false;
}

uint32_t big_endian_32(const uint8_t* bytes) { return big_endian_16(bytes) << 16 | big_endian_16(bytes + 2); }

// stb decodes GIF, PSD and PNM whole, into buffers it allocates from the header's size
// before reading a pixel. Before calling it, the claim is held against what the data
// can hold (uncompressed samples, or the shortest run-length coding of a PSD channel)
// and the buffers against max_decode_memory, so a 150-byte file cannot cost gigabytes.
struct WholeImageCost {
    uint64_t least_data_bytes = 0;  // what a file of this size must hold at the least
    uint64_t buffer_bytes = 0;      // what stb_image allocates for the decode
};

WholeImageCost whole_image_cost(const char* format, ByteSpan data, uint32_t width, uint32_t height,
                                bool sixteen_bit) {
    const uint64_t pixels = uint64_t{width} * height;
    WholeImageCost cost;
    if (std::strcmp(format, "pnm") == 0) {
        const uint64_t samples = pixels * (data.data[1] == '6' ? 3 : 1) * (sixteen_bit ? 2 : 1);
        cost.least_data_bytes = samples;
        cost.buffer_bytes = samples;
    } else if (std::strcmp(format, "psd") == 0) {
        cost.buffer_bytes = 4 * pixels;  // always RGBA at 8 bits
        // Header, colour-mode data, resources and layers, then the compression field.
        uint64_t offset = 26;
        for (int section = 0; section < 3; ++section) {
            if (offset + 4 > data.size) return cost;
            offset += 4 + uint64_t{big_endian_32(data.data + offset)};
        }
        if (offset + 2 > data.size) return cost;
        const uint32_t compression = big_endian_16(data.data + offset);
        const uint64_t channels = big_endian_16(data.data + 12), read_channels = std::min<uint64_t>(channels, 4);
        const uint64_t bytes_per_sample = big_endian_16(data.data + 22) / 8;
        // stb reads the first four planes: stored, or as PackBits runs of at most 128
        // samples for 2 bytes each, after a 2-byte length per row of every channel.
        cost.least_data_bytes = offset + 2 + (compression == 0 ? read_channels * pixels * bytes_per_sample
                                                               : height * channels * 2 + read_channels * 2 * ((pixels + 127) / 128));
    }
    return cost;
}

// stb's failure reason is thread-local and only ever set, never cleared; a call that fails
// without setting it would otherwise report the reason of an older failure on this thread.
void clear_stb_failure_reason() { stbi__g_failure_reason = nullptr; }


struct StbPixelsDeleter {
    void operator()(stbi_uc* pixels) const { stbi_image_free(pixels); }
};


class StbDecoder final : public Decoder {
public:
    StbDecoder(ByteSpan data, const Limits& limits) noexcept : data_(data), limits_(limits) {}

    Status read_header(ImageHeader* header) override {
        return without_exceptions("stb", [&] { return read_header_unguarded(header); });
    }

    Status decode(const DecodeRequest& request, RowSink& sink) override {
        return without_exceptions("stb", [&] { return decode_unguarded(request, sink); });
    }

    Status describe(ImageTraits* traits) override {
        if (!header_read_) return Status(PARCROP_E_INTERNAL, "stb: describe before read_header");
        *traits = ImageTraits{};
        if (std::strcmp(format_name(data_), "psd") == 0) {
            // stb reports every PSD as RGBA; the header says whether a fourth plane is stored.
            const bool alpha = data_.size >= 14 && big_endian_16(data_.data + 12) >= 4;
            traits->channels = alpha ? 4 : 3;
            traits->has_alpha = alpha;
        } else {
            traits->channels = info_channels_ == 1 ? 1 : 3;
        }
        return Status::ok();
    }

private:
    Status read_header_unguarded(ImageHeader* header) {
        const char* format = format_name(data_);
        if (data_.data == nullptr || data_.size == 0) {
            return Status(PARCROP_E_EMPTY_INPUT, std::string(format) + ": no data");
        }
        // stb counts bytes in int.
        if (data_.size > static_cast<size_t>(INT_MAX)) {
            return Status(PARCROP_E_UNSUPPORTED, std::string(format) + ": over 2 GiB of data");
        }
        if (pnm_header_number_too_large(data_)) {
            return Status(PARCROP_E_IMAGE_TOO_LARGE, std::string(format) + ": header number over 2^24");
        }
        TruncationWatch watch(data_);
        int width = 0, height = 0, channels = 0;
        clear_stb_failure_reason();
        if (!stbi_info_from_callbacks(watch.callbacks(), &watch, &width, &height, &channels)) {
            if (is_unsupported_variant(format, data_)) {
                return Status(PARCROP_E_UNSUPPORTED, std::string(format) + ": unsupported variant");
            }
            return stb_failure(format, watch.read_past_end(), stbi_failure_reason());
        }
        if (width < 0 || height < 0) {
            return Status(PARCROP_E_CORRUPT, std::string(format) + ": negative size");
        }
        PARCROP_RETURN_IF_ERROR(check_dimensions(static_cast<uint32_t>(width),
                                                 static_cast<uint32_t>(height), limits_));
        width_ = static_cast<uint32_t>(width);
        height_ = static_cast<uint32_t>(height);
        info_channels_ = static_cast<uint32_t>(channels);
        header_read_ = true;

        header->width = width_;
        header->height = height_;
        header->format = ImageFormat::other;
        header->max_scale_denom = 1;
        return Status::ok();
    }

    Status decode_unguarded(const DecodeRequest& request, RowSink& sink) {
        const char* format = format_name(data_);
        if (!header_read_) return Status(PARCROP_E_INTERNAL, "stb: decode before read_header");
        if (!(request.scale_denom == 1 && request_fits(request, width_, height_))) {
            return Status(PARCROP_E_INTERNAL, "stb: invalid decode request");
        }

        const bool sixteen_bit = is_sixteen_bit_pnm(format);
        const WholeImageCost cost = whole_image_cost(format, data_, width_, height_, sixteen_bit);
        if (cost.least_data_bytes > data_.size) {
            return Status(PARCROP_E_TRUNCATED, std::string(format) + ": " + std::to_string(data_.size) +
                                                   " bytes cannot hold the " + std::to_string(width_) + "x" +
                                                   std::to_string(height_) + " image the header claims");
        }
        PARCROP_RETURN_IF_ERROR(
            check_decode_memory(cost.buffer_bytes, (std::string(format) + ": the whole image").c_str(), limits_));

        TruncationWatch watch(data_);
        int width = 0, height = 0, channels = 0;
        clear_stb_failure_reason();
        std::unique_ptr<stbi_uc, StbPixelsDeleter> pixels(
            sixteen_bit ? load_sixteen_bit_pnm(&watch, &width, &height, &channels)
                                       : stbi_load_from_callbacks(watch.callbacks(), &watch, &width,
                                                                  &height, &channels, 0));
        // Read on this thread, right after the call that set it.
        const char* reason = stbi_failure_reason();
        if (!pixels || watch.read_past_end()) {
            return stb_failure(format, watch.read_past_end(), reason);
        }
        if (static_cast<uint32_t>(width) != width_ || static_cast<uint32_t>(height) != height_ ||
            channels < 1 || channels > 4) {
            return Status(PARCROP_E_CORRUPT, std::string(format) + ": header and pixels disagree");
        }

        const uint32_t source_channels = static_cast<uint32_t>(channels);
        const uint32_t crop_width = request.x1 - request.x0;
        const size_t source_row_bytes = size_t{width_} * source_channels;
        std::vector<uint8_t> converted(size_t{crop_width} * request.channels);
        for (const uint32_t y : *request.rows) {
            const uint8_t* source =
                pixels.get() + size_t{y} * source_row_bytes + size_t{request.x0} * source_channels;
            convert_row(source, source_channels, converted.data(), request.channels, crop_width);
            sink.row(y, converted.data());
        }
        return Status::ok();
    }

    bool is_sixteen_bit_pnm(const char* format) const {
        if (std::strcmp(format, "pnm") != 0) return false;
        TruncationWatch watch(data_);
        return stbi_is_16_bit_from_callbacks(watch.callbacks(), &watch) != 0;
    }

    // stb 2.27 copies 16-bit PNM samples without swapping them from the file's big-endian
    // order, so its own 16-to-8 reduction keeps the low byte. Load the samples as stored and
    // keep the high byte, which is the first in memory; the PNM test fails if stb changes.
    static stbi_uc* load_sixteen_bit_pnm(TruncationWatch* watch, int* width, int* height,
                                         int* channels) {
        stbi_us* samples =
            stbi_load_16_from_callbacks(watch->callbacks(), watch, width, height, channels, 0);
        if (samples == nullptr) return nullptr;
        const size_t count = size_t(*width) * size_t(*height) * size_t(*channels);
        auto* bytes = reinterpret_cast<stbi_uc*>(samples);
        for (size_t i = 0; i < count; ++i) bytes[i] = bytes[2 * i];  // in place, front to back
        return bytes;
    }

    const ByteSpan data_;
    const Limits limits_;
    uint32_t width_ = 0;
    uint32_t height_ = 0;
    uint32_t info_channels_ = 0;  // what stbi_info reported
    bool header_read_ = false;
};

}  // namespace

std::unique_ptr<Decoder> make_stb_decoder(ByteSpan data, const Limits& limits) {
    return std::unique_ptr<Decoder>(new (std::nothrow) StbDecoder(data, limits));
}

bool stb_recognizes(ByteSpan data) {
    if (data.data == nullptr || data.size == 0 || data.size > static_cast<size_t>(INT_MAX)) {
        return false;
    }
    // A PNM by its magic, which stb must not parse; the decoder refuses it by its header.
    if (pnm_header_number_too_large(data)) return true;
    int width = 0, height = 0, channels = 0;
    return stbi_info_from_memory(data.data, static_cast<int>(data.size), &width, &height,
                                 &channels) != 0;
}

}  // namespace parcrop
