// The JPEG region path against libjpeg's own full decode (must be identical) and
// against stb_image, an independent decoder (within a stated tolerance).
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdlib>

#include "image_fixtures.h"
#include "jpeg_fixtures.h"
#include "region_capture.h"

using namespace parcrop_test;

namespace {

struct Layout {
    const char* name;
    uint32_t channels;
    JpegOptions options;
};

std::vector<Layout> layouts() {
    std::vector<Layout> all;
    JpegOptions o;
    o.h_samp = 1, o.v_samp = 1;
    all.push_back({"4:4:4", 3, o});
    o.h_samp = 2, o.v_samp = 1;
    all.push_back({"4:2:2", 3, o});
    o.h_samp = 2, o.v_samp = 2;
    all.push_back({"4:2:0", 3, o});
    o.h_samp = 1, o.v_samp = 2;
    all.push_back({"4:4:0", 3, o});
    all.push_back({"gray", 1, JpegOptions{}});
    JpegOptions progressive;
    progressive.progressive = true;
    all.push_back({"progressive 4:2:0", 3, progressive});
    JpegOptions restart_rows;
    restart_rows.restart_rows = 1;
    all.push_back({"restart every MCU row", 3, restart_rows});
    JpegOptions restart_mcus;
    restart_mcus.restart_mcus = 3;
    all.push_back({"restart every 3 MCUs", 3, restart_mcus});
    JpegOptions arithmetic;
    arithmetic.arithmetic = true;
    all.push_back({"arithmetic 4:2:0", 3, arithmetic});
    JpegOptions gray_progressive;
    gray_progressive.progressive = true;
    all.push_back({"progressive gray", 1, gray_progressive});
    return all;
}

struct Box {
    uint32_t x0, x1, y0, y1;
};

// Odd offsets, one pixel, one column at the right edge, the bottom-right corner,
// the whole image: the cases where iMCU alignment and upsampling context go wrong.
std::vector<Box> boxes(uint32_t w, uint32_t h) {
    return {{13, 150, 9, 120}, {37, 38, 41, 42}, {w - 1, w, 0, h}, {101, w, 77, h}, {0, w, 0, h}, {0, 5, h - 3, h}};
}

std::vector<uint32_t> every_nth_row(uint32_t y0, uint32_t y1, uint32_t n) {
    std::vector<uint32_t> rows;
    for (uint32_t y = y0; y < y1; y += n) rows.push_back(y);
    return rows;
}

}  // namespace

TEST_CASE("JPEG region decode equals the same region of a full libjpeg decode", "[jpeg]") {
    constexpr uint32_t w = 203, h = 157;
    for (const Layout& layout : layouts()) {
        const std::vector<uint8_t> source = make_photo(w, h, layout.channels, 7).data;
        const std::vector<uint8_t> jpeg = encode_jpeg(source, w, h, layout.channels, layout.options);
        for (const uint32_t channels : {1u, 3u, 4u}) {
            const Pixels full = libjpeg_full_decode(jpeg, channels);
            for (const Box& b : boxes(w, h)) {
                for (const uint32_t step : {1u, 7u, 37u}) {
                    INFO(layout.name << ", " << channels << " channels, box x " << b.x0 << ".." << b.x1 << " y "
                                     << b.y0 << ".." << b.y1 << ", every " << step << " rows");
                    const std::vector<uint32_t> rows = every_nth_row(b.y0, b.y1, step);
                    RecordingSink region(size_t{b.x1 - b.x0} * channels);
                    const parcrop::Status status = decode_region(jpeg, b.x0, b.x1, rows, channels, 1, &region);
                    REQUIRE(status.message() == "");
                    REQUIRE(region.rows == rows);
                    REQUIRE(describe_difference(region.bytes, crop_reference(full, b.x0, b.x1, rows), b.x1 - b.x0, channels) == "");
                }
            }
        }
    }
}

TEST_CASE("JPEG region decode with DCT scaling equals a full decode at the same scale", "[jpeg]") {
    constexpr uint32_t w = 405, h = 333;
    for (const Layout& layout : layouts()) {
        const std::vector<uint8_t> source = make_photo(w, h, layout.channels, 11).data;
        const std::vector<uint8_t> jpeg = encode_jpeg(source, w, h, layout.channels, layout.options);
        for (const uint32_t denom : {2u, 4u, 8u}) {
            const Pixels full = libjpeg_full_decode(jpeg, 3, denom);
            const uint32_t sw = full.width, sh = full.height;
            for (const Box& b : std::vector<Box>{{3, sw / 2 + 1, 5, sh / 2 + 3}, {sw - 2, sw, sh - 4, sh}, {0, sw, 0, sh}}) {
                INFO(layout.name << " at 1/" << denom << ", box x " << b.x0 << ".." << b.x1 << " y " << b.y0 << ".."
                                 << b.y1);
                const std::vector<uint32_t> rows = row_range(b.y0, b.y1);
                RecordingSink region(size_t{b.x1 - b.x0} * 3);
                REQUIRE(decode_region(jpeg, b.x0, b.x1, rows, 3, denom, &region).message() == "");
                REQUIRE(describe_difference(region.bytes, crop_reference(full, b.x0, b.x1, rows), b.x1 - b.x0, 3) == "");
            }
        }
    }
}

TEST_CASE("JPEG region decode agrees with stb_image, an independent decoder", "[jpeg]") {
    constexpr uint32_t w = 320, h = 240;
    const std::vector<uint8_t> source = make_photo(w, h, 3, 3).data;
    const std::vector<uint8_t> jpeg = encode_jpeg(source, w, h, 3, JpegOptions{});
    const Pixels reference = stb_full_decode(jpeg, 3);
    const std::vector<uint32_t> rows = row_range(31, 200);
    RecordingSink region(size_t{290 - 17} * 3);
    REQUIRE(decode_region(jpeg, 17, 290, rows, 3, 1, &region).is_ok());
    const std::vector<uint8_t> expected = crop_reference(reference, 17, 290, rows);
    REQUIRE(region.bytes.size() == expected.size());
    double total = 0;
    int worst = 0;
    for (size_t i = 0; i < expected.size(); ++i) {
        const int d = std::abs(int{region.bytes[i]} - int{expected[i]});
        total += d;
        worst = std::max(worst, d);
    }
    // The two differ in IDCT rounding and chroma upsampling, never by much.
    CHECK(total / expected.size() < 1.0);
    CHECK(worst <= 24);
}

TEST_CASE("JPEG decode stops after the last needed row", "[jpeg]") {
    constexpr uint32_t w = 256, h = 512;
    const std::vector<uint8_t> source = make_photo(w, h, 3, 5).data;
    const std::vector<uint8_t> jpeg = encode_jpeg(source, w, h, 3, JpegOptions{});
    const Pixels full = libjpeg_full_decode(jpeg, 3);
    // Cut the file in half: the top rows are all there, the bottom ones are not.
    const std::vector<uint8_t> half(jpeg.begin(), jpeg.begin() + jpeg.size() / 2);
    const std::vector<uint32_t> top = row_range(10, 60);
    RecordingSink region(size_t{w} * 3);
    REQUIRE(decode_region(half, 0, w, top, 3, 1, &region).is_ok());
    CHECK(describe_difference(region.bytes, crop_reference(full, 0, w, top), w, 3) == "");
    RecordingSink bottom(size_t{w} * 3);
    CHECK(decode_region(half, 0, w, row_range(400, 500), 3, 1, &bottom).code() == PARCROP_E_TRUNCATED);
}

TEST_CASE("JPEG CMYK and YCCK files become RGB", "[jpeg]") {
    constexpr uint32_t w = 64, h = 48;
    std::vector<uint8_t> cmyk(size_t{w} * h * 4);
    for (uint32_t i = 0; i < w * h; ++i) {
        // Adobe's inverted CMYK: 255 is no ink. Left half pure red, right half white.
        const bool left = (i % w) < w / 2;
        cmyk[i * 4 + 0] = 255;
        cmyk[i * 4 + 1] = left ? 0 : 255;
        cmyk[i * 4 + 2] = left ? 0 : 255;
        cmyk[i * 4 + 3] = 255;
    }
    JpegOptions options;
    options.cmyk = true;
    options.h_samp = options.v_samp = 1;
    options.quality = 100;
    const std::vector<uint8_t> jpeg = encode_jpeg(cmyk, w, h, 4, options);
    RecordingSink region(size_t{w} * 3);
    REQUIRE(decode_region(jpeg, 0, w, row_range(0, h), 3, 1, &region).is_ok());
    const uint8_t* red = &region.bytes[(size_t{20} * w + 5) * 3];
    const uint8_t* white = &region.bytes[(size_t{20} * w + 50) * 3];
    CHECK(int{red[0]} > 240);
    CHECK(int{red[1]} < 15);
    CHECK(int{red[2]} < 15);
    CHECK(int{white[0]} > 240);
    CHECK(int{white[1]} > 240);
    CHECK(int{white[2]} > 240);
}

TEST_CASE("Bad JPEG input gets its own status", "[jpeg][bad-input]") {
    constexpr uint32_t w = 96, h = 80;
    const std::vector<uint8_t> jpeg = encode_jpeg(make_photo(w, h, 3, 1).data, w, h, 3, JpegOptions{});
    const std::vector<uint32_t> all_rows = row_range(0, h);

    SECTION("truncated at several points") {
        for (const size_t keep : {size_t{3}, size_t{20}, size_t{200}, jpeg.size() / 2, jpeg.size() - 3}) {
            INFO("kept " << keep << " of " << jpeg.size() << " bytes");
            const std::vector<uint8_t> cut_file(jpeg.begin(), jpeg.begin() + keep);
            RecordingSink region(size_t{w} * 3);
            const parcrop::Status status = decode_region(cut_file, 0, w, all_rows, 3, 1, &region);
            CHECK((status.code() == PARCROP_E_TRUNCATED || status.code() == PARCROP_E_CORRUPT));
        }
    }
    SECTION("12-bit precision is unsupported") {
        std::vector<uint8_t> twelve = jpeg;
        for (size_t i = 2; i + 4 < twelve.size(); ++i) {
            if (twelve[i] == 0xFF && twelve[i + 1] == 0xC0) {  // SOF0: length (2 bytes), then precision
                twelve[i + 4] = 12;
                break;
            }
        }
        RecordingSink region(size_t{w} * 3);
        CHECK(decode_region(twelve, 0, w, all_rows, 3, 1, &region).code() == PARCROP_E_UNSUPPORTED);
    }
    SECTION("corrupted entropy-coded data") {
        std::vector<uint8_t> damaged = jpeg;
        for (size_t i = damaged.size() / 2; i < damaged.size() / 2 + 64; ++i) damaged[i] = 0xFF;
        RecordingSink region(size_t{w} * 3);
        CHECK(decode_region(damaged, 0, w, all_rows, 3, 1, &region).code() == PARCROP_E_CORRUPT);
    }
    SECTION("dimensions over the limits are refused from the header") {
        parcrop::Limits limits;
        limits.max_width = 64;
        RecordingSink region(size_t{w} * 3);
        CHECK(decode_region(jpeg, 0, w, all_rows, 3, 1, &region, limits).code() == PARCROP_E_IMAGE_TOO_LARGE);
        limits = parcrop::Limits{};
        limits.max_pixels = 1000;
        CHECK(decode_region(jpeg, 0, w, all_rows, 3, 1, &region, limits).code() == PARCROP_E_TOO_MANY_PIXELS);
    }
}
