// The PNG row path against the pixels that were encoded, for every colour type and bit
// depth, progressive and interlaced; early stop; and hostile inputs.
#include <catch2/catch.hpp>
#include <spng.h>

#include <algorithm>
#include <cstring>
#include <numeric>

#include "decode/png/png_decoder.h"
#include "image_fixtures.h"

using namespace parcrop;
using namespace parcrop_test;

namespace {

struct Crop {
    uint32_t x0, x1;
    std::vector<uint32_t> rows;
};

std::vector<uint32_t> row_range(uint32_t first, uint32_t end) {
    std::vector<uint32_t> rows(end - first);
    std::iota(rows.begin(), rows.end(), first);
    return rows;
}

// Whole image, odd offsets, one column, the bottom-right corner, scattered rows.
std::vector<Crop> crops_for(uint32_t width, uint32_t height) {
    std::vector<Crop> crops;
    crops.push_back({0, width, row_range(0, height)});
    if (width > 9 && height > 12) crops.push_back({3, width - 5, row_range(5, height - 6)});
    crops.push_back({width / 2, width / 2 + 1, {height / 2}});
    crops.push_back({width > 7 ? width - 7 : 0, width, row_range(height > 4 ? height - 4 : 0, height)});
    if (width > 30 && height > 31) crops.push_back({11, 30, {0, 9, 10, 23, 31}});
    if (height > 1) crops.push_back({width - 1, width, {0, height - 1}});
    return crops;
}

struct DecodeResult {
    Status status;
    RecordingSink sink;
};

DecodeResult decode_png(const std::vector<uint8_t>& png, const Crop& crop, uint32_t channels,
                        const Limits& limits = Limits()) {
    DecodeResult result{Status(), RecordingSink(size_t{crop.x1 - crop.x0} * channels)};
    std::unique_ptr<Decoder> decoder = make_png_decoder({png.data(), png.size()}, limits);
    REQUIRE(decoder);
    ImageHeader header;
    result.status = decoder->read_header(&header);
    if (!result.status.is_ok()) return result;
    DecodeRequest request;
    request.x0 = crop.x0;
    request.x1 = crop.x1;
    request.rows = &crop.rows;
    request.channels = channels;
    result.status = decoder->decode(request, result.sink);
    return result;
}

parcrop_status header_status(const std::vector<uint8_t>& png, const Limits& limits = Limits()) {
    std::unique_ptr<Decoder> decoder = make_png_decoder({png.data(), png.size()}, limits);
    ImageHeader header;
    return decoder->read_header(&header).code();
}

// spng's own whole-image decode to RGBA8, reduced to `channels` the documented way.
Pixels spng_full_decode(const std::vector<uint8_t>& png, bool gray, uint32_t channels, int* error) {
    Pixels full = spng_decode_rgba8(png, error);
    if (*error) return Pixels();
    if (!gray) return convert_reference(full, channels);
    // Gray sources convert from their gray value, not from a luma of r = g = b (equal anyway).
    const size_t pixels = size_t{full.width} * full.height;
    Pixels gray_alpha{full.width, full.height, 2, std::vector<uint8_t>(pixels * 2)};
    for (size_t i = 0; i < pixels; ++i) {
        gray_alpha.data[2 * i] = full.data[4 * i];
        gray_alpha.data[2 * i + 1] = full.data[4 * i + 3];
    }
    return convert_reference(gray_alpha, channels);
}

bool is_gray(const PngVariant& variant) {
    return variant.color_type == SPNG_COLOR_TYPE_GRAYSCALE ||
           variant.color_type == SPNG_COLOR_TYPE_GRAYSCALE_ALPHA;
}

}  // namespace

TEST_CASE("png: every colour type and bit depth decodes to the encoded pixels", "[png]") {
    const std::pair<uint32_t, uint32_t> sizes[] = {{61, 47}, {1, 1}, {1, 9}, {9, 1}, {3, 2}, {8, 8}, {33, 40}};
    for (const PngVariant& variant : all_png_variants()) {
        for (const auto& size : sizes) {
            const uint32_t width = size.first, height = size.second;
            const PngFixture fixture = make_png(variant, width, height, width * 31 + height);
            for (const uint32_t channels : {1u, 3u, 4u}) {
                INFO(variant.name() << " " << width << "x" << height << " -> " << channels << " channels");
                const Pixels expected = convert_reference(fixture.expected, channels);
                int spng_error = 0;
                const Pixels full = spng_full_decode(fixture.bytes, is_gray(variant), channels, &spng_error);
                REQUIRE(spng_error == 0);
                // The fixture and libspng agree before the row path is judged against either.
                REQUIRE(full.data == expected.data);
                for (const Crop& crop : crops_for(width, height)) {
                    INFO("crop x [" << crop.x0 << ", " << crop.x1 << "), " << crop.rows.size() << " rows from " << crop.rows.front());
                    const DecodeResult result = decode_png(fixture.bytes, crop, channels);
                    REQUIRE(result.status.is_ok());
                    CHECK(result.sink.rows == crop.rows);
                    CHECK(result.sink.bytes == crop_reference(expected, crop.x0, crop.x1, crop.rows));
                }
            }
        }
    }
}

TEST_CASE("png: header gives size and format", "[png]") {
    const PngFixture fixture = make_png({SPNG_COLOR_TYPE_TRUECOLOR, 8, false, false}, 61, 47, 1);
    std::unique_ptr<Decoder> decoder = make_png_decoder({fixture.bytes.data(), fixture.bytes.size()}, Limits());
    ImageHeader header;
    REQUIRE(decoder->read_header(&header).is_ok());
    CHECK(header.width == 61);
    CHECK(header.height == 47);
    CHECK(header.format == ImageFormat::png);
    CHECK(header.max_scale_denom == 1);
}

// Large enough, and noisy enough, that spng writes many 8 KiB IDAT chunks.
std::vector<uint8_t> many_idat_png(uint32_t* width, uint32_t* height, Pixels* expected, bool interlaced) {
    *width = 256;
    *height = 256;
    PngFixture fixture = make_png({SPNG_COLOR_TYPE_TRUECOLOR, 8, false, interlaced}, *width, *height, 5);
    *expected = fixture.expected;
    REQUIRE(find_png_chunk(fixture.bytes, "IDAT", 8) > 0);
    return fixture.bytes;
}

TEST_CASE("png: rows past the last requested one are neither delivered nor decoded", "[png]") {
    uint32_t width = 0, height = 0;
    Pixels expected;
    std::vector<uint8_t> png = many_idat_png(&width, &height, &expected, false);

    // Garbage in the last IDAT chunk: its CRC and its zlib data are both wrong.
    const long last_idat = [&] {
        long offset = -1;
        for (int n = 0; find_png_chunk(png, "IDAT", n) > 0; ++n) offset = find_png_chunk(png, "IDAT", n);
        return offset;
    }();
    REQUIRE(last_idat > 0);
    for (long i = last_idat + 8; i < last_idat + 8 + 64; ++i) png[i] ^= 0x5A;

    int spng_error = 0;
    spng_full_decode(png, false, 3, &spng_error);
    REQUIRE(spng_error != 0);  // a whole-image decode cannot get through

    const Crop top{17, 90, {0, 3, 4, 12}};
    const DecodeResult result = decode_png(png, top, 3);
    REQUIRE(result.status.is_ok());
    CHECK(result.sink.rows == top.rows);
    CHECK(result.sink.bytes == crop_reference(expected, top.x0, top.x1, top.rows));

    const Crop bottom{0, width, {height - 1}};
    CHECK(decode_png(png, bottom, 3).status.code() == PARCROP_E_CORRUPT);
}

TEST_CASE("png: a file cut short still yields the rows before the cut", "[png]") {
    for (const bool interlaced : {false, true}) {
        INFO((interlaced ? "interlaced" : "progressive"));
        uint32_t width = 0, height = 0;
        Pixels expected;
        std::vector<uint8_t> png = many_idat_png(&width, &height, &expected, interlaced);
        png.resize(png.size() / 2);
        const Crop top{0, width, row_range(0, 8)};
        const DecodeResult result = decode_png(png, top, 3);
        if (interlaced) {
            // Adam7 needs the last pass for any row: half a file has none final.
            CHECK(result.status.code() == PARCROP_E_TRUNCATED);
        } else {
            REQUIRE(result.status.is_ok());
            CHECK(result.sink.bytes == crop_reference(expected, 0, width, top.rows));
        }
        CHECK(decode_png(png, Crop{0, width, {height - 1}}, 3).status.code() == PARCROP_E_TRUNCATED);
    }
}

TEST_CASE("png: interlaced crops keep only the requested band and stop after it", "[png]") {
    uint32_t width = 0, height = 0;
    Pixels expected;
    std::vector<uint8_t> png = many_idat_png(&width, &height, &expected, true);
    // Pass 7 (odd rows) is stored last; damaging its tail breaks only rows below the crop.
    const long last_idat = [&] {
        long offset = -1;
        for (int n = 0; find_png_chunk(png, "IDAT", n) > 0; ++n) offset = find_png_chunk(png, "IDAT", n);
        return offset;
    }();
    for (long i = last_idat + 8; i < last_idat + 8 + 64; ++i) png[i] ^= 0x5A;
    const Crop top{5, 77, {2, 3, 9, 40}};
    const DecodeResult result = decode_png(png, top, 4);
    REQUIRE(result.status.is_ok());
    CHECK(result.sink.rows == top.rows);
    CHECK(result.sink.bytes == crop_reference(convert_reference(expected, 4), top.x0, top.x1, top.rows));
}

TEST_CASE("png: truncation at any point is reported as truncation", "[png][bad]") {
    const PngFixture fixture = make_png({SPNG_COLOR_TYPE_TRUECOLOR_ALPHA, 8, false, false}, 61, 47, 3);
    const size_t idat = static_cast<size_t>(find_png_chunk(fixture.bytes, "IDAT"));
    for (const size_t length : {size_t{1}, size_t{4}, size_t{8}, size_t{12}, size_t{20}, size_t{32}}) {
        INFO("cut at " << length);
        const std::vector<uint8_t> cut(fixture.bytes.begin(), fixture.bytes.begin() + length);
        // read_header or, if the IHDR fields are all there, decode.
        CHECK(decode_png(cut, Crop{0, 61, {0}}, 4).status.code() == PARCROP_E_TRUNCATED);
    }
    for (const size_t length : {idat, idat + 8, idat + 20, fixture.bytes.size() - 20, fixture.bytes.size() - 17}) {
        INFO("cut at " << length << " of " << fixture.bytes.size());
        const std::vector<uint8_t> cut(fixture.bytes.begin(), fixture.bytes.begin() + length);
        CHECK(header_status(cut) == PARCROP_OK);
        CHECK(decode_png(cut, Crop{0, 61, {46}}, 4).status.code() == PARCROP_E_TRUNCATED);
    }
    // Only IEND missing: every pixel is there, and so is every row.
    const std::vector<uint8_t> no_iend(fixture.bytes.begin(), fixture.bytes.end() - 12);
    const DecodeResult all_rows = decode_png(no_iend, Crop{0, 61, row_range(0, 47)}, 4);
    CHECK(all_rows.status.is_ok());
}

TEST_CASE("png: corrupt signature, header, CRC and zlib data are corrupt", "[png][bad]") {
    const PngFixture fixture = make_png({SPNG_COLOR_TYPE_GRAYSCALE, 8, false, false}, 61, 47, 4);
    const Crop all{0, 61, row_range(0, 47)};

    std::vector<uint8_t> png = fixture.bytes;
    png[1] = 'Q';
    CHECK(header_status(png) == PARCROP_E_CORRUPT);

    png = fixture.bytes;
    png[8 + 8 + 8] = 7;  // bit depth 7
    fix_png_chunk_crc(&png, 8);
    CHECK(header_status(png) == PARCROP_E_CORRUPT);

    png = fixture.bytes;
    png[8 + 8 + 9] = 5;  // colour type 5
    fix_png_chunk_crc(&png, 8);
    CHECK(header_status(png) == PARCROP_E_CORRUPT);

    png = fixture.bytes;
    png[8 + 8 + 3] = 0;  // width 0
    png[8 + 8 + 2] = 0;
    fix_png_chunk_crc(&png, 8);
    CHECK(header_status(png) == PARCROP_E_CORRUPT);

    png = fixture.bytes;
    png[8 + 8 + 13] ^= 0x40;  // the IHDR CRC itself
    CHECK(decode_png(png, all, 1).status.code() == PARCROP_E_CORRUPT);

    const long idat = find_png_chunk(fixture.bytes, "IDAT");
    png = fixture.bytes;
    png[idat + 8 + 20] ^= 0xFF;  // IDAT CRC mismatch
    CHECK(decode_png(png, all, 1).status.code() == PARCROP_E_CORRUPT);

    png = fixture.bytes;
    png[idat + 8] = 0x00;  // zlib header broken, CRC made valid
    png[idat + 8 + 1] = 0x00;
    fix_png_chunk_crc(&png, idat);
    const DecodeResult zlib = decode_png(png, all, 1);
    CHECK(zlib.status.code() == PARCROP_E_CORRUPT);
    CHECK(zlib.status.message().rfind("png: ", 0) == 0);

    png = fixture.bytes;
    for (long i = idat + 8 + 2; i < idat + 8 + 40; ++i) png[i] = static_cast<uint8_t>(i * 37);
    fix_png_chunk_crc(&png, idat);
    CHECK(decode_png(png, all, 3).status.code() == PARCROP_E_CORRUPT);
}

namespace {
// A signature and a valid IHDR, nothing more: the header alone must be refused.
std::vector<uint8_t> png_header_claiming(uint32_t width, uint32_t height) {
    std::vector<uint8_t> png = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n', 0, 0, 0, 13, 'I', 'H', 'D', 'R'};
    for (const uint32_t v : {width, height}) {
        for (int shift = 24; shift >= 0; shift -= 8) png.push_back(static_cast<uint8_t>(v >> shift));
    }
    png.insert(png.end(), {8, 2, 0, 0, 0, 0, 0, 0, 0});
    fix_png_chunk_crc(&png, 8);
    return png;
}
}  // namespace

TEST_CASE("png: absurd dimensions are refused by read_header", "[png][bad]") {
    CHECK(header_status(png_header_claiming(100000, 100000)) == PARCROP_E_IMAGE_TOO_LARGE);
    CHECK(header_status(png_header_claiming(65535, 65535)) == PARCROP_E_TOO_MANY_PIXELS);
    CHECK(header_status(png_header_claiming(0x80000000u, 1)) == PARCROP_E_CORRUPT);  // over PNG's 2^31-1
    Limits small;
    small.max_width = 60;
    const PngFixture fixture = make_png({SPNG_COLOR_TYPE_TRUECOLOR, 8, false, false}, 61, 47, 1);
    CHECK(header_status(fixture.bytes, small) == PARCROP_E_IMAGE_TOO_LARGE);
    small = Limits();
    small.max_pixels = 61 * 47 - 1;
    CHECK(header_status(fixture.bytes, small) == PARCROP_E_TOO_MANY_PIXELS);
    // A header that passes, then no image data at all.
    CHECK(header_status(png_header_claiming(4000, 3000)) == PARCROP_OK);
    CHECK(decode_png(png_header_claiming(4000, 3000), Crop{0, 10, {0}}, 3).status.code() ==
          PARCROP_E_TRUNCATED);
}

TEST_CASE("png: empty input and hash noise never crash", "[png][bad]") {
    CHECK(header_status({}) == PARCROP_E_EMPTY_INPUT);
    const PngFixture fixture = make_png({SPNG_COLOR_TYPE_INDEXED, 4, true, true}, 33, 40, 8);
    // Flip one byte at a time across the whole file; every outcome must be a status.
    for (size_t i = 8; i < fixture.bytes.size(); i += 7) {
        std::vector<uint8_t> png = fixture.bytes;
        png[i] ^= 0xA5;
        const DecodeResult result = decode_png(png, Crop{0, 33, row_range(0, 40)}, 4);
        const parcrop_status code = result.status.code();
        CHECK((code == PARCROP_OK || code == PARCROP_E_CORRUPT || code == PARCROP_E_TRUNCATED ||
               code == PARCROP_E_UNSUPPORTED || code == PARCROP_E_IMAGE_TOO_LARGE ||
               code == PARCROP_E_TOO_MANY_PIXELS));
    }
}
