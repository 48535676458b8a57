// One decoder run through the interface as the batch runs it (make, read_header, one
// decode into a RecordingSink), for the per-codec tests.
#pragma once

#include <catch2/catch.hpp>

#include <cstdint>
#include <memory>
#include <algorithm>
#include <cstdlib>
#include <numeric>
#include <set>
#include <vector>

#include "decode/decoder.h"
#include "image_fixtures.h"

namespace parcrop_test {

struct DecodeOutcome {
    parcrop::Status status;
    parcrop::ImageHeader header;
    RecordingSink sink{0};
};

using DecoderFactory = std::unique_ptr<parcrop::Decoder> (*)(parcrop::ByteSpan, const parcrop::Limits&);

// Columns [x0, x1) of `rows` at full scale, in `channels`; stops after a failed header.
inline DecodeOutcome decode_with(DecoderFactory make, const std::vector<uint8_t>& bytes, uint32_t x0, uint32_t x1,
                                 const std::vector<uint32_t>& rows, uint32_t channels,
                                 const parcrop::Limits& limits = parcrop::Limits()) {
    DecodeOutcome outcome;
    outcome.sink = RecordingSink(size_t{x1 - x0} * channels);
    std::unique_ptr<parcrop::Decoder> decoder = make({bytes.data(), bytes.size()}, limits);
    REQUIRE(decoder);
    outcome.status = decoder->read_header(&outcome.header);
    if (!outcome.status.is_ok()) return outcome;
    parcrop::DecodeRequest request;
    request.x0 = x0;
    request.x1 = x1;
    request.rows = &rows;
    request.channels = channels;
    outcome.status = decoder->decode(request, outcome.sink);
    return outcome;
}

// Rows [first, end).
inline std::vector<uint32_t> row_range(uint32_t first, uint32_t end) {
    std::vector<uint32_t> rows(end - first);
    std::iota(rows.begin(), rows.end(), first);
    return rows;
}

inline std::vector<uint32_t> all_rows(uint32_t height) { return row_range(0, height); }

// Decodes the whole image, an odd crop touching the right edge (rows 1, 2, the middle
// and the last) and the last column's first pixel, at 1, 3 and 4 channels, and compares
// each with the same crop of `expected` converted as documented: byte for byte, or
// within `tolerance` of each byte.
inline void check_crops_decode_to(DecoderFactory make, const std::vector<uint8_t>& bytes, const Pixels& expected,
                                  int tolerance = 0) {
    const uint32_t w = expected.width, h = expected.height;
    struct Crop {
        uint32_t x0, x1;
        std::vector<uint32_t> rows;
    };
    const std::set<uint32_t> some = {std::min(1u, h - 1), std::min(2u, h - 1), h / 2, h - 1};
    const Crop crops[] = {{0, w, all_rows(h)}, {w / 3, w, {some.begin(), some.end()}}, {w - 1, w, {0}}};
    for (const uint32_t channels : {1u, 3u, 4u}) {
        const Pixels converted = convert_reference(expected, channels);
        for (const Crop& crop : crops) {
            INFO(channels << " channels, x [" << crop.x0 << ", " << crop.x1 << ")");
            const DecodeOutcome outcome = decode_with(make, bytes, crop.x0, crop.x1, crop.rows, channels);
            REQUIRE(outcome.status.is_ok());
            CHECK(outcome.header.width == w);
            CHECK(outcome.header.height == h);
            CHECK(outcome.sink.rows == crop.rows);
            const std::vector<uint8_t> reference = crop_reference(converted, crop.x0, crop.x1, crop.rows);
            REQUIRE(outcome.sink.bytes.size() == reference.size());
            int worst = 0;
            for (size_t i = 0; i < reference.size(); ++i) {
                worst = std::max(worst, std::abs(int{outcome.sink.bytes[i]} - int{reference[i]}));
            }
            CHECK(worst <= tolerance);
        }
    }
}

}  // namespace parcrop_test
