// Random access through restart markers: the index, the sub-image streams, and the
// decoder's use of them, against libjpeg's full decode of the same file.
#include <catch2/catch.hpp>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>

#include "decode/jpeg/jpeg_restart.h"
#include "image_fixtures.h"
#include "jpeg_fixtures.h"
#include "region_capture.h"
#include "temp_dir.h"

using namespace parcrop_test;

namespace {

struct Layout {
    const char* name;
    uint32_t channels;
    int h_samp, v_samp;
    uint32_t mcu_w, mcu_h;
};

// 400 x 272 pixels: 50 or 25 MCUs per row, so intervals of 5 MCUs tile the rows.
constexpr uint32_t kWidth = 400, kHeight = 272;
const Layout kLayouts[] = {{"4:4:4", 3, 1, 1, 8, 8},
                           {"4:2:2", 3, 2, 1, 16, 8},
                           {"4:2:0", 3, 2, 2, 16, 16},
                           {"gray", 1, 1, 1, 8, 8}};

std::vector<uint8_t> encode_with_restarts(const Layout& layout, unsigned rows, unsigned mcus, uint32_t seed = 3) {
    JpegOptions options;
    options.h_samp = layout.h_samp;
    options.v_samp = layout.v_samp;
    options.restart_rows = rows;
    options.restart_mcus = mcus;
    return encode_jpeg(make_photo(kWidth, kHeight, layout.channels, seed).data, kWidth, kHeight, layout.channels,
                       options);
}

struct Crop {
    uint32_t x0, x1, y0, y1;
};

// Odd offsets, one pixel, and every edge.
const Crop kCrops[] = {{13, 150, 9, 120}, {201, 202, 133, 134}, {0, 7, 0, 5},  {393, 400, 100, 170},
                       {120, 260, 265, 272}, {0, 400, 0, 272},  {37, 399, 250, 271}};

std::vector<size_t> rst_offsets(const std::vector<uint8_t>& jpeg) {
    std::vector<size_t> offsets;
    for (size_t i = 0; i + 1 < jpeg.size(); ++i) {
        if (jpeg[i] == 0xFF && jpeg[i + 1] >= 0xD0 && jpeg[i + 1] <= 0xD7) offsets.push_back(i);
    }
    return offsets;
}

}  // namespace

TEST_CASE("restart markers are indexed when intervals tile the MCU rows", "[restart]") {
    for (const Layout& layout : kLayouts) {
        INFO(layout.name);
        const uint32_t mcus_per_row = (kWidth + layout.mcu_w - 1) / layout.mcu_w;
        parcrop::RestartIndex index;
        const std::vector<uint8_t> per_row = encode_with_restarts(layout, 1, 0);
        REQUIRE(parcrop::index_restart_markers({per_row.data(), per_row.size()}, &index));
        CHECK(index.mcu_width == layout.mcu_w);
        CHECK(index.mcu_height == layout.mcu_h);
        CHECK(index.mcus_per_row == mcus_per_row);
        CHECK(index.interval == mcus_per_row);
        CHECK(index.interval_begins.size() == (kHeight + layout.mcu_h - 1) / layout.mcu_h);

        const std::vector<uint8_t> few = encode_with_restarts(layout, 0, 5);
        REQUIRE(parcrop::index_restart_markers({few.data(), few.size()}, &index));
        CHECK(index.interval == 5);
        CHECK(index.interval_begins.size() == mcus_per_row / 5 * index.mcu_rows);

        // Intervals that straddle row ends, no markers at all, progressive: not indexed.
        const std::vector<uint8_t> straddling = encode_with_restarts(layout, 0, 7);
        CHECK_FALSE(parcrop::index_restart_markers({straddling.data(), straddling.size()}, &index));
        const std::vector<uint8_t> plain = encode_with_restarts(layout, 0, 0);
        CHECK_FALSE(parcrop::index_restart_markers({plain.data(), plain.size()}, &index));
    }
}

TEST_CASE("a random-access crop equals the same region of a full decode", "[restart]") {
    for (const Layout& layout : kLayouts) {
        for (const auto& [rows, mcus] : {std::pair<unsigned, unsigned>{1, 0}, {0, 5}, {2, 0}}) {
            const std::vector<uint8_t> jpeg = encode_with_restarts(layout, rows, mcus);
            for (const uint32_t denom : {1u, 2u, 8u}) {
                const Pixels full = libjpeg_full_decode(jpeg, layout.channels, denom);
                for (const Crop& c : kCrops) {
                    const uint32_t x0 = c.x0 / denom, y0 = c.y0 / denom;
                    const uint32_t x1 = std::max(x0 + 1, std::min(full.width, (c.x1 + denom - 1) / denom));
                    const uint32_t y1 = std::max(y0 + 1, std::min(full.height, (c.y1 + denom - 1) / denom));
                    INFO(layout.name << ", restart rows " << rows << " mcus " << mcus << ", 1/" << denom << ", x "
                                     << x0 << ".." << x1 << " y " << y0 << ".." << y1);
                    const std::vector<uint32_t> wanted = row_range(y0, y1);
                    RecordingSink sink(size_t{x1 - x0} * layout.channels);
                    REQUIRE(decode_region(jpeg, x0, x1, wanted, layout.channels, denom, &sink).message() == "");
                    CHECK(sink.rows == wanted);
                    CHECK(describe_difference(sink.bytes, crop_reference(full, x0, x1, wanted), x1 - x0,
                                              layout.channels) == "");
                }
            }
        }
    }
}

TEST_CASE("intervals outside the crop are never decoded", "[restart]") {
    // Damage every interval of the first 8 MCU rows with bytes that are no valid
    // Huffman code (stuffed 0xFF, so the marker layout is intact): a decoder that
    // reads them fails; one that jumps to the crop's intervals does not.
    for (const Layout& layout : kLayouts) {
        INFO(layout.name);
        const std::vector<uint8_t> jpeg = encode_with_restarts(layout, 0, 5);
        const Pixels full = libjpeg_full_decode(jpeg, layout.channels);
        parcrop::RestartIndex index;
        REQUIRE(parcrop::index_restart_markers({jpeg.data(), jpeg.size()}, &index));
        std::vector<uint8_t> damaged = jpeg;
        const size_t damaged_intervals = size_t{8} * index.mcus_per_row / index.interval;
        for (size_t i = 0; i < damaged_intervals; ++i) {
            for (size_t b = index.interval_begins[i]; b + 1 < index.interval_ends[i]; b += 2) {
                damaged[b] = 0xFF;
                damaged[b + 1] = 0x00;
            }
        }
        const uint32_t y0 = 8 * index.mcu_height + 2 * index.mcu_height, y1 = y0 + 40;
        const std::vector<uint32_t> wanted = row_range(y0, y1);
        RecordingSink sink(size_t{100} * layout.channels);
        REQUIRE(decode_region(damaged, 50, 150, wanted, layout.channels, 1, &sink).message() == "");
        CHECK(describe_difference(sink.bytes, crop_reference(full, 50, 150, wanted), 100, layout.channels) == "");
        // The damage is real: rows inside the damaged band fail.
        RecordingSink top(size_t{100} * layout.channels);
        CHECK(decode_region(damaged, 50, 150, row_range(4, 20), layout.channels, 1, &top).code() == PARCROP_E_CORRUPT);
    }
}

TEST_CASE("malformed restart-marker layouts are refused by the index and decode safely", "[restart][bad-input]") {
    const Layout& layout = kLayouts[2];
    const std::vector<uint8_t> jpeg = encode_with_restarts(layout, 0, 5);
    const std::vector<size_t> markers = rst_offsets(jpeg);
    REQUIRE(markers.size() > 20);
    std::vector<std::pair<const char*, std::vector<uint8_t>>> cases;
    std::vector<uint8_t> duplicated = jpeg;
    duplicated[markers[10] + 1] = duplicated[markers[9] + 1];
    cases.push_back({"duplicated RSTn", duplicated});
    std::vector<uint8_t> missing = jpeg;
    missing.erase(missing.begin() + static_cast<long>(markers[10]), missing.begin() + static_cast<long>(markers[10]) + 2);
    cases.push_back({"missing RSTn", missing});
    std::vector<uint8_t> swapped = jpeg;
    std::swap(swapped[markers[4] + 1], swapped[markers[5] + 1]);
    cases.push_back({"out-of-order RSTn", swapped});
    std::vector<uint8_t> extra = jpeg;
    const uint8_t rst[] = {0xFF, 0xD3};
    extra.insert(extra.begin() + static_cast<long>(markers[12]), rst, rst + 2);
    cases.push_back({"an extra RSTn", extra});
    for (const auto& [why, bytes] : cases) {
        INFO(why);
        parcrop::RestartIndex index;
        CHECK_FALSE(parcrop::index_restart_markers({bytes.data(), bytes.size()}, &index));
        // The region path takes over: a status or libjpeg's own pixels, never a crash.
        RecordingSink sink(size_t{kWidth} * 3);
        const parcrop::Status status = decode_region(bytes, 0, kWidth, row_range(0, kHeight), 3, 1, &sink);
        CHECK((status.is_ok() || status.code() == PARCROP_E_CORRUPT));
    }
    // An interval of the wrong length: the count of markers adds up, the data does not.
    std::vector<uint8_t> short_interval = jpeg;
    short_interval.erase(short_interval.begin() + static_cast<long>(markers[6]) - 30,
                         short_interval.begin() + static_cast<long>(markers[6]));
    RecordingSink sink(size_t{200} * 3);
    const parcrop::Status status = decode_region(short_interval, 0, 200, row_range(0, 40), 3, 1, &sink);
    CHECK(status.code() == PARCROP_E_CORRUPT);
}

TEST_CASE("files given restart markers by jpegtran are used", "[restart]") {
    if (std::system("command -v jpegtran > /dev/null 2>&1") != 0) {
        WARN("jpegtran (libjpeg-turbo-progs) is not installed; skipped");
        return;
    }
    TempDir dir;
    const std::vector<uint8_t> plain = encode_with_restarts(kLayouts[2], 0, 0);
    const std::string in = dir.write("plain.jpg", plain), out = dir.path("restart.jpg");
    REQUIRE(std::system(("jpegtran -restart 1 -outfile " + out + " " + in).c_str()) == 0);
    std::ifstream file(out, std::ios::binary);
    const std::vector<uint8_t> jpeg((std::istreambuf_iterator<char>(file)), {});
    parcrop::RestartIndex index;
    REQUIRE(parcrop::index_restart_markers({jpeg.data(), jpeg.size()}, &index));
    CHECK(index.interval == index.mcus_per_row);
    const Pixels reference = libjpeg_full_decode(plain, 3);
    const std::vector<uint32_t> wanted = row_range(100, 180);
    RecordingSink sink(size_t{160} * 3);
    REQUIRE(decode_region(jpeg, 33, 193, wanted, 3, 1, &sink).is_ok());
    CHECK(describe_difference(sink.bytes, crop_reference(reference, 33, 193, wanted), 160, 3) == "");
}
