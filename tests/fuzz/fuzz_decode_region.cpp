// libFuzzer target for the internal decoder interface (src/decode/decoder.h):
// make_decoder -> read_header -> decode of one region, for every format parcrop reads.
//
// Input: a 12-byte parameter block, then the encoded image (see make_seed_corpus.cpp).
//   [0]     scale: denom = 1 << (p & 3), capped at the header's max_scale_denom
//   [1]     output channels: 1, 3 or 4
//   [2..5]  columns: x0 and the width of [x0, x1) as u16, reduced into the scaled image
//   [6]     rows: 0 all, 1 one row, 2 every step-th row, 3 a hashed sparse set
//   [7..8]  first row (u16), [9] step, [10] row count, [11] hash seed
//
// Checked beyond "no crash, no leak, no sanitizer report":
//  - the sink gets exactly the requested rows, in increasing order, once each, and every
//    delivered byte is read;
//  - a valid request never yields PARCROP_E_INTERNAL (that code means a parcrop bug);
//  - for images of up to 2^18 scaled pixels, the region's bytes equal the same region of a
//    full decode by a fresh decoder with the same scale and channels (the interface's
//    promise: skipping rows and columns must not change pixels);
//  - the same request decoded again by a fresh decoder, after the stack and freed heap
//    blocks were filled with other bytes, gives the same status and the same bytes: no
//    output may depend on memory the decoder did not write.
#include <algorithm>
#include <memory>
#include <vector>

#include "decode/decoder.h"
#include "fuzz_common.h"

namespace {

using parcrop_fuzz::Reader;

constexpr size_t kParamBytes = 12;
constexpr uint64_t kCompareMaxPixels = uint64_t{1} << 18;

parcrop::Limits fuzz_limits() {
    parcrop::Limits limits;
    limits.max_width = 1u << 14;
    limits.max_height = 1u << 14;
    limits.max_pixels = uint64_t{1} << 22;
    limits.max_file_size = uint64_t{1} << 24;
    limits.max_decode_memory = uint64_t{64} << 20;
    // TIFF is read by tiles: these bound it instead of max_width, max_height, max_pixels.
    limits.max_tiled_image_side = 1u << 14;
    limits.max_item_decoded_pixels = uint64_t{1} << 22;
    return limits;
}

// Checks order and membership of delivered rows and keeps a copy when asked to.
class CheckingSink final : public parcrop::RowSink {
public:
    CheckingSink(const std::vector<uint32_t>& rows, size_t row_bytes, bool keep)
        : rows_(rows), row_bytes_(row_bytes), keep_(keep) {}

    void row(uint32_t y, const uint8_t* pixels) override {
        PARCROP_FUZZ_CHECK(next_ < rows_.size());
        PARCROP_FUZZ_CHECK(y == rows_[next_]);
        PARCROP_FUZZ_CHECK(pixels != nullptr);
        // FNV-1a over every byte: reads each one, and fingerprints the rows for the
        // determinism check.
        for (size_t i = 0; i < row_bytes_; ++i) hash_ = (hash_ ^ pixels[i]) * 0x100000001b3ull;
        if (keep_) bytes.insert(bytes.end(), pixels, pixels + row_bytes_);
        ++next_;
    }
    size_t delivered() const { return next_; }
    uint64_t hash() const { return hash_; }
    std::vector<uint8_t> bytes;

private:
    const std::vector<uint32_t>& rows_;
    size_t row_bytes_;
    bool keep_;
    size_t next_ = 0;
    uint64_t hash_ = 0xcbf29ce484222325ull;
};

// Leaves other bytes where the next decode's stack frames and heap blocks will be, so
// that a read of memory the decoder never wrote shows as a different result.
__attribute__((noinline)) void dirty_memory(uint8_t pattern) {
    volatile uint8_t stack[1 << 16];
    for (size_t i = 0; i < sizeof stack; ++i) stack[i] = static_cast<uint8_t>(pattern + i);
    for (size_t size = 16; size <= (size_t{1} << 20); size *= 4) {
        std::vector<uint8_t> block(size, pattern);
        parcrop_fuzz::consume(block.data(), 1);
    }
}


std::vector<uint32_t> choose_rows(uint8_t mode, uint32_t first, uint32_t step, uint32_t count,
                                  uint8_t seed, uint32_t height) {
    std::vector<uint32_t> rows;
    first %= height;
    switch (mode & 3) {
        case 0:
            for (uint32_t y = 0; y < height; ++y) rows.push_back(y);
            break;
        case 1:
            rows.push_back(first);
            break;
        case 2:
            step = step == 0 ? 1 : step;
            for (uint64_t y = first; y < height && rows.size() <= count; y += step) {
                rows.push_back(static_cast<uint32_t>(y));
            }
            break;
        default: {
            uint32_t state = 0x9e3779b9u * (seed + 1u);
            for (uint32_t y = first; y < height && rows.size() < 4096; ++y) {
                state = state * 1664525u + 1013904223u;
                if ((state >> 28) < 1 + (step & 7)) rows.push_back(y);
            }
            if (rows.empty()) rows.push_back(first);
        }
    }
    return rows;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size < kParamBytes) return 0;
    Reader params(data, kParamBytes);
    const uint8_t scale_choice = params.u8();
    const uint8_t channel_choice = params.u8();
    const uint16_t x0_raw = params.u16();
    const uint16_t width_raw = params.u16();
    const uint8_t row_mode = params.u8();
    const uint16_t first_row = params.u16();
    const uint8_t step = params.u8();
    const uint8_t row_count = params.u8();
    const uint8_t seed = params.u8();

    const parcrop::ByteSpan image{data + kParamBytes, size - kParamBytes};
    const parcrop::Limits limits = fuzz_limits();

    std::unique_ptr<parcrop::Decoder> decoder;
    parcrop::Status status = parcrop::make_decoder(image, limits, &decoder);
    if (!status.is_ok()) {
        PARCROP_FUZZ_CHECK(status.code() != PARCROP_E_INTERNAL);
        return 0;
    }
    PARCROP_FUZZ_CHECK(decoder != nullptr);
    parcrop::ImageHeader header;
    status = decoder->read_header(&header);
    if (!status.is_ok()) {
        PARCROP_FUZZ_CHECK(status.code() != PARCROP_E_INTERNAL);
        return 0;
    }
    PARCROP_FUZZ_CHECK(header.width >= 1 && header.height >= 1);
    if (parcrop::sniff_format(image) == parcrop::FileFormat::tiff) {
        // Tiled: a side limit of its own, and JPEG tiles scale by what their grid allows.
        PARCROP_FUZZ_CHECK(header.width <= limits.max_tiled_image_side && header.height <= limits.max_tiled_image_side);
        PARCROP_FUZZ_CHECK(header.max_scale_denom == 1 || header.max_scale_denom == 2 ||
                           header.max_scale_denom == 4 || header.max_scale_denom == 8);
    } else {
        PARCROP_FUZZ_CHECK(header.width <= limits.max_width && header.height <= limits.max_height);
        PARCROP_FUZZ_CHECK(uint64_t{header.width} * header.height <= limits.max_pixels);
        PARCROP_FUZZ_CHECK(header.max_scale_denom == 1 || header.max_scale_denom == 8);
    }

    uint32_t denom = 1u << (scale_choice & 3);
    if (denom > header.max_scale_denom) denom = header.max_scale_denom;
    const uint32_t width = parcrop::scaled_size(header.width, denom);
    const uint32_t height = parcrop::scaled_size(header.height, denom);
    static const uint32_t kChannels[] = {1, 3, 4};
    const uint32_t channels = kChannels[channel_choice % 3];

    parcrop::DecodeRequest request;
    request.scale_denom = denom;
    request.channels = channels;
    request.x0 = x0_raw % width;
    request.x1 = request.x0 + 1 + width_raw % (width - request.x0);
    const std::vector<uint32_t> rows = choose_rows(row_mode, first_row, step, row_count, seed, height);
    request.rows = &rows;

    const size_t row_bytes = size_t{request.x1 - request.x0} * channels;
    const bool compare = uint64_t{width} * height <= kCompareMaxPixels;
    CheckingSink sink(rows, row_bytes, compare);
    status = decoder->decode(request, sink);
    PARCROP_FUZZ_CHECK(status.code() != PARCROP_E_INTERNAL);

    dirty_memory(static_cast<uint8_t>(size));
    std::unique_ptr<parcrop::Decoder> again;
    PARCROP_FUZZ_CHECK(parcrop::make_decoder(image, limits, &again).is_ok());
    parcrop::ImageHeader again_header;
    PARCROP_FUZZ_CHECK(again->read_header(&again_header).is_ok());
    CheckingSink again_sink(rows, row_bytes, false);
    const parcrop::Status again_status = again->decode(request, again_sink);
    PARCROP_FUZZ_CHECK(again_status.code() == status.code());
    PARCROP_FUZZ_CHECK(again_sink.delivered() == sink.delivered());
    PARCROP_FUZZ_CHECK(again_sink.hash() == sink.hash());
    if (!status.is_ok()) return 0;
    PARCROP_FUZZ_CHECK(sink.delivered() == rows.size());
    if (!compare) return 0;

    // The same rows and columns cut from a full decode.
    std::unique_ptr<parcrop::Decoder> full_decoder;
    PARCROP_FUZZ_CHECK(parcrop::make_decoder(image, limits, &full_decoder).is_ok());
    parcrop::ImageHeader full_header;
    status = full_decoder->read_header(&full_header);
    PARCROP_FUZZ_CHECK(status.is_ok());
    PARCROP_FUZZ_CHECK(full_header.width == header.width && full_header.height == header.height);
    std::vector<uint32_t> all_rows(height);
    for (uint32_t y = 0; y < height; ++y) all_rows[y] = y;
    parcrop::DecodeRequest full = request;
    full.x0 = 0;
    full.x1 = width;
    full.rows = &all_rows;
    CheckingSink full_sink(all_rows, size_t{width} * channels, true);
    status = full_decoder->decode(full, full_sink);
    PARCROP_FUZZ_CHECK(status.code() != PARCROP_E_INTERNAL);
    // Data after the region may be corrupt or missing: the region decode stops early
    // and succeeds where the full decode fails. Only two successes are comparable.
    if (!status.is_ok()) return 0;
    for (size_t i = 0; i < rows.size(); ++i) {
        const uint8_t* expected =
            full_sink.bytes.data() + size_t{rows[i]} * width * channels + size_t{request.x0} * channels;
        const uint8_t* got = sink.bytes.data() + i * row_bytes;
        if (std::memcmp(expected, got, row_bytes) != 0) {
            std::fprintf(stderr, "region row %u (x %u..%u, 1/%u, %u channels) differs from a full decode\n",
                         rows[i], request.x0, request.x1, denom, channels);
            PARCROP_FUZZ_CHECK(!"region decode equals full decode");
        }
    }
    return 0;
}
