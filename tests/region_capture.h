// Runs a decoder's region path and collects what it delivers (a RecordingSink), for
// tests that compare regions with full decodes.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "decode/decoder.h"
#include "image_fixtures.h"

namespace parcrop_test {

inline std::vector<uint32_t> row_range(uint32_t y0, uint32_t y1) {
    std::vector<uint32_t> rows;
    for (uint32_t y = y0; y < y1; ++y) rows.push_back(y);
    return rows;
}

// Decodes `rows` x [x0, x1) at 1/denom of `bytes`; the status of the decoder's calls.
inline parcrop::Status decode_region(const std::vector<uint8_t>& bytes, uint32_t x0, uint32_t x1,
                                     const std::vector<uint32_t>& rows, uint32_t channels, uint32_t denom,
                                     RecordingSink* sink, parcrop::Limits limits = {}) {
    std::unique_ptr<parcrop::Decoder> decoder;
    parcrop::Status status = parcrop::make_decoder({bytes.data(), bytes.size()}, limits, &decoder);
    if (!status.is_ok()) return status;
    parcrop::ImageHeader header;
    status = decoder->read_header(&header);
    if (!status.is_ok()) return status;
    parcrop::DecodeRequest request;
    request.scale_denom = denom;
    request.x0 = x0;
    request.x1 = x1;
    request.rows = &rows;
    request.channels = channels;
    return decoder->decode(request, *sink);
}

// "" when equal, else where the first difference is (pixel, channel) and how many
// bytes differ: readable where a dump of two whole images is not.
inline std::string describe_difference(const std::vector<uint8_t>& actual, const std::vector<uint8_t>& expected,
                                       uint32_t width, uint32_t channels) {
    if (actual.size() != expected.size()) {
        return "size " + std::to_string(actual.size()) + " != " + std::to_string(expected.size());
    }
    size_t first = actual.size(), count = 0;
    int worst = 0;
    for (size_t i = 0; i < actual.size(); ++i) {
        if (actual[i] == expected[i]) continue;
        if (count++ == 0) first = i;
        worst = std::max(worst, std::abs(int{actual[i]} - int{expected[i]}));
    }
    if (count == 0) return "";
    const size_t pixel = first / channels;
    return std::to_string(count) + " bytes differ (max " + std::to_string(worst) + "), first at row " +
           std::to_string(pixel / width) + " column " + std::to_string(pixel % width) + " channel " +
           std::to_string(first % channels) + ": " + std::to_string(actual[first]) + " != " +
           std::to_string(expected[first]);
}

}  // namespace parcrop_test
