// One decoder run through the interface as the batch runs it (make, read_header, one
// decode into a RecordingSink), for the per-codec tests.
#pragma once

#include <catch2/catch.hpp>

#include <cstdint>
#include <memory>
#include <numeric>
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

}  // namespace parcrop_test
