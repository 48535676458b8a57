// PSD and PNM through stb_image, against the pixels that were written,
// and the statuses of truncated, corrupt, unsupported and oversized files.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <numeric>

#include "decode/stb/stb_decoder.h"
#include "decode_outcome.h"
#include "image_fixtures.h"

using namespace parcrop;
using namespace parcrop_test;

namespace {

using Outcome = DecodeOutcome;

Outcome decode_stb(const std::vector<uint8_t>& bytes, uint32_t x0, uint32_t x1, const std::vector<uint32_t>& rows,
                   uint32_t channels, const Limits& limits = Limits()) {
    return decode_with(make_stb_decoder, bytes, x0, x1, rows, channels, limits);
}

void check_decodes_to(const std::vector<uint8_t>& bytes, const Pixels& expected, int tolerance = 0) {
    REQUIRE(stb_recognizes({bytes.data(), bytes.size()}));
    check_crops_decode_to(make_stb_decoder, bytes, expected, tolerance);
}

parcrop_status status_of(const std::vector<uint8_t>& bytes, const Limits& limits = Limits()) {
    std::vector<uint32_t> rows = {0};
    return decode_stb(bytes, 0, 1, rows, 3, limits).status.code();
}

}  // namespace

TEST_CASE("stb: PNM P5 and P6, 8 and 16 bits", "[stb]") {
    for (const uint32_t channels : {1u, 3u}) {
        for (const bool sixteen : {false, true}) {
            INFO(channels << " channels, 16-bit " << sixteen);
            const Pixels image = make_photo(30, 19, channels, 20 + channels);
            check_decodes_to(encode_pnm(image, sixteen), image);
        }
    }
}

TEST_CASE("stb: PSD composite, raw and PackBits", "[stb]") {
    const Pixels image = make_photo(45, 26, 3, 30);
    check_decodes_to(encode_psd(image, false), image);
    check_decodes_to(encode_psd(image, true), image);
}

TEST_CASE("stb: truncated files are truncated, not zero-filled", "[stb][bad]") {
    const Pixels rgb = make_photo(37, 29, 3, 1);
    const Pixels gray = make_photo(37, 29, 1, 1);
    const std::pair<const char*, std::vector<uint8_t>> files[] = {
        {"pnm", encode_pnm(gray, false)},
        {"psd", encode_psd(rgb, false)},   {"psd rle", encode_psd(rgb, true)},
    };
    for (const auto& file : files) {
        for (const double fraction : {0.5, 0.9, 0.999}) {
            INFO(file.first << " cut to " << fraction);
            std::vector<uint8_t> cut = file.second;
            cut.resize(static_cast<size_t>(cut.size() * fraction));
            const Outcome outcome = decode_stb(cut, 0, 37, all_rows(29), 3);
            CHECK(outcome.status.code() == PARCROP_E_TRUNCATED);
            CHECK(outcome.status.message().find(": ") != std::string::npos);
        }
    }
}

TEST_CASE("stb: corrupt and unsupported variants", "[stb][bad]") {
    const Pixels rgb = make_photo(37, 29, 3, 1);

    std::vector<uint8_t> psd = encode_psd(rgb, false);
    psd[5] = 3;  // version 3
    CHECK(status_of(psd) == PARCROP_E_UNSUPPORTED);
}

TEST_CASE("stb: absurd dimensions are refused by read_header", "[stb][bad]") {
    const std::string pnm = "P6\n100000 100000\n255\n";
    CHECK(status_of(std::vector<uint8_t>(pnm.begin(), pnm.end())) == PARCROP_E_IMAGE_TOO_LARGE);
    const std::string many = "P5\n60000 60000\n255\n";
    CHECK(status_of(std::vector<uint8_t>(many.begin(), many.end())) == PARCROP_E_TOO_MANY_PIXELS);
}

TEST_CASE("stb: recognises its formats and nothing else", "[stb]") {
    const std::string text = "hello, this is not an image at all.";
    CHECK_FALSE(stb_recognizes({reinterpret_cast<const uint8_t*>(text.data()), text.size()}));
    CHECK_FALSE(stb_recognizes({nullptr, 0}));
    const std::vector<uint8_t> pnm = encode_pnm(make_photo(5, 4, 3, 1), false);
    CHECK(stb_recognizes({pnm.data(), pnm.size()}));
    // Formats with decoders of their own never reach stb, which no longer reads them.
    const std::vector<uint8_t> tga = encode_tga_raw(make_photo(5, 4, 3, 1));
    CHECK_FALSE(stb_recognizes({tga.data(), tga.size()}));
    const std::vector<uint8_t> bmp = encode_bmp(make_photo(5, 4, 3, 1));
    CHECK_FALSE(stb_recognizes({bmp.data(), bmp.size()}));
    CHECK(status_of({}) == PARCROP_E_EMPTY_INPUT);
}
