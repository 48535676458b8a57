// libFuzzer target for the JPEG entropy index (src/decode/jpeg/jpeg_index.h): the index
// pass over arbitrary bytes, the loading of arbitrary index bytes, and crops through
// built and through damaged indexes, decoded by libjpeg.
//
// Input: a 12-byte parameter block, then the bytes (see make_seed_corpus.cpp).
//   [0]      K: 1 + p % 16, or 0 (the default) when p >= 240
//   [1]      mode: bit 0 the bytes are an index to load, not a JPEG; with bit 2 also,
//            its checksum is made right first, so that mutations reach the parser behind it;
//            bit 1 damage the built index (positions and predictors moved by [8..11])
//   [2..7]   three boxes: x and y fractions (u8 / 256) of the image, then sizes from [2..7] rotated
//   [8..11]  damage: checkpoint number (u16), position step (i8), predictor step (i8)
//
// Checked beyond "no crash, no leak, no sanitizer report":
//  - a built index survives serialize -> deserialize -> serialize unchanged, and any
//    loaded index serialises to bytes that load again to the same serialisation;
//  - for images of up to 2^18 pixels, a crop through an intact index that decodes equals
//    the same crop by the region path (exact mode, 3 channels), when that decodes too;
//  - a crop through an index never yields PARCROP_E_INTERNAL or delivers a row outside
//    the request.
#include <algorithm>
#include <memory>
#include <vector>

#include "decode/decoder.h"
#include "decode/jpeg/jpeg_index.h"
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
    limits.max_decode_memory = uint64_t{64} << 20;
    return limits;
}

class KeepingSink final : public parcrop::RowSink {
public:
    KeepingSink(const std::vector<uint32_t>& rows, size_t row_bytes) : rows_(rows), row_bytes_(row_bytes) {}
    void row(uint32_t y, const uint8_t* pixels) override {
        PARCROP_FUZZ_CHECK(next_ < rows_.size());
        PARCROP_FUZZ_CHECK(y == rows_[next_]);
        ++next_;
        bytes.insert(bytes.end(), pixels, pixels + row_bytes_);
    }
    std::vector<uint8_t> bytes;

private:
    const std::vector<uint32_t>& rows_;
    size_t row_bytes_;
    size_t next_ = 0;
};

void check_reload(const std::vector<uint8_t>& serialized) {
    parcrop::JpegEntropyIndex again;
    PARCROP_FUZZ_CHECK(parcrop::deserialize({serialized.data(), serialized.size()}, &again).is_ok());
    PARCROP_FUZZ_CHECK(again.serialize() == serialized);
}

void crop(parcrop::ByteSpan jpeg, const parcrop::JpegEntropyIndex& index, const uint8_t* box, bool intact) {
    const uint32_t w = index.width, h = index.height;
    parcrop::DecodeRequest request;
    request.channels = 3;
    request.x0 = std::min(w - 1, static_cast<uint32_t>(uint64_t{box[0]} * w / 256));
    request.x1 = std::min(w, request.x0 + 1 + static_cast<uint32_t>(uint64_t{box[2]} * w / 256));
    const uint32_t y0 = std::min(h - 1, static_cast<uint32_t>(uint64_t{box[1]} * h / 256));
    const uint32_t y1 = std::min(h, y0 + 1 + static_cast<uint32_t>(uint64_t{box[3]} * h / 256));
    std::vector<uint32_t> rows;
    for (uint32_t y = y0; y < y1; ++y) rows.push_back(y);
    request.rows = &rows;
    const size_t row_bytes = size_t{request.x1 - request.x0} * 3;
    KeepingSink indexed(rows, row_bytes);
    const parcrop::Status status =
        parcrop::decode_region_through_index(jpeg, index, request, indexed, fuzz_limits());
    PARCROP_FUZZ_CHECK(status.code() != PARCROP_E_INTERNAL);
    if (!status.is_ok() || !intact || uint64_t{w} * h > kCompareMaxPixels) return;
    std::unique_ptr<parcrop::Decoder> decoder;
    parcrop::ImageHeader header;
    if (!parcrop::make_decoder(jpeg, fuzz_limits(), &decoder).is_ok() || !decoder->read_header(&header).is_ok()) {
        return;
    }
    KeepingSink region(rows, row_bytes);
    if (!decoder->decode(request, region).is_ok()) return;
    PARCROP_FUZZ_CHECK(indexed.bytes == region.bytes);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    Reader params(data, size);
    const uint8_t k_byte = params.u8(), mode = params.u8();
    uint8_t boxes[6];
    for (uint8_t& b : boxes) b = params.u8();
    const uint32_t damaged_checkpoint = params.u16();
    const int8_t position_step = static_cast<int8_t>(params.u8()), predictor_step = static_cast<int8_t>(params.u8());
    const uint8_t* bytes = size > kParamBytes ? data + kParamBytes : data + size;
    const size_t length = size > kParamBytes ? size - kParamBytes : 0;
    const parcrop::ByteSpan input{bytes, length};

    if ((mode & 1) != 0) {
        std::vector<uint8_t> copy(bytes, bytes + length);
        if ((mode & 4) != 0 && copy.size() >= 8) {
            // FNV-1a 64 of all but the last 8 bytes, stored little-endian there (the format's).
            uint64_t hash = 0xcbf29ce484222325ull;
            for (size_t i = 0; i + 8 < copy.size(); ++i) hash = (hash ^ copy[i]) * 0x100000001b3ull;
            for (size_t i = 0; i < 8; ++i) copy[copy.size() - 8 + i] = static_cast<uint8_t>(hash >> (8 * i));
        }
        parcrop::JpegEntropyIndex loaded;
        if (parcrop::deserialize({copy.data(), copy.size()}, &loaded).is_ok()) check_reload(loaded.serialize());
        return 0;
    }
    const uint32_t k = k_byte >= 240 ? 0 : 1u + k_byte % 16;
    parcrop::JpegEntropyIndex index;
    if (!parcrop::build_jpeg_entropy_index(input, k, &index).is_ok()) return 0;
    const std::vector<uint8_t> serialized = index.serialize();
    check_reload(serialized);

    const bool damage = (mode & 2) != 0 && !index.positions.empty();
    if (damage) {
        const size_t i = damaged_checkpoint % index.positions.size();
        index.positions[i] = static_cast<uint64_t>(static_cast<int64_t>(index.positions[i]) + position_step);
        index.predictors[i * index.components] += predictor_step;
    }
    for (int b = 0; b < 3; ++b) {
        const uint8_t box[4] = {boxes[(2 * b) % 6], boxes[(2 * b + 1) % 6], boxes[(2 * b + 2) % 6],
                                boxes[(2 * b + 3) % 6]};
        crop(input, index, box, !damage);
    }
    return 0;
}
