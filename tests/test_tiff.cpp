// TIFF and BigTIFF: the directory parser on files written by tests/tiff_fixtures.cpp
// (levels, resolution, tile locations), then crops through the public C API checked
// against the source pixels (lossless) or libjpeg's own decode of the tile streams
// (JPEG): tile edges, partial tiles, short last strips, both byte orders, BigTIFF, the
// pyramid level fast mode reads, the tiled limits, hostile directories and tiles, and
// tiles shared by several items of a batch.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdlib>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "decode/tiff/tiff_decoder.h"
#include "decode/tiff/tiff_directory.h"
#include "decode/tiff/tiff_input.h"
#include "image_fixtures.h"
#include "parcrop.h"
#include "temp_dir.h"
#include "tiff_fixtures.h"

using namespace parcrop_test;

namespace {

using ContextPtr = std::unique_ptr<parcrop_context, decltype(&parcrop_context_destroy)>;

ContextPtr context_with(uint32_t threads, parcrop_options* options = nullptr) {
    parcrop_options defaults;
    parcrop_options_init(&defaults);
    if (options == nullptr) options = &defaults;
    options->num_threads = threads;
    parcrop_context* context = nullptr;
    REQUIRE(parcrop_context_create(options, &context) == PARCROP_OK);
    return ContextPtr(context, parcrop_context_destroy);
}

struct Batch {
    parcrop_status status = PARCROP_OK;
    std::vector<uint8_t> out;
    std::vector<parcrop_status> items;
    std::vector<std::string> messages;
    size_t item_bytes = 0;
    std::vector<uint8_t> slot(size_t i) const {
        return std::vector<uint8_t>(out.begin() + i * item_bytes, out.begin() + (i + 1) * item_bytes);
    }
};

Batch crop(parcrop_context* context, const std::vector<parcrop_source>& sources, const std::vector<parcrop_box>& boxes,
           uint32_t out_w, uint32_t out_h, uint32_t channels, parcrop_filter filter = PARCROP_FILTER_NEAREST,
           parcrop_decode_mode mode = PARCROP_DECODE_EXACT) {
    parcrop_crop_params params;
    parcrop_crop_params_init(&params);
    params.out_width = out_w;
    params.out_height = out_h;
    params.out_channels = channels;
    params.filter = filter;
    params.mode = mode;
    Batch b;
    b.item_bytes = size_t{out_w} * out_h * channels;
    b.out.assign(sources.size() * b.item_bytes, 0xAB);
    b.items.assign(sources.size(), PARCROP_E_INTERNAL);
    b.status = parcrop_crop_batch(context, sources.data(), boxes.data(), sources.size(), &params, b.out.data(),
                                  b.items.data());
    for (size_t i = 0; i < sources.size(); ++i) b.messages.push_back(parcrop_last_item_message(context, i));
    return b;
}

parcrop_source memory(const std::vector<uint8_t>& bytes, size_t size = SIZE_MAX) {
    parcrop_source s{};
    s.data = bytes.data();
    s.size = std::min(size, bytes.size());
    return s;
}

parcrop_source file(const std::string& path) {
    parcrop_source s{};
    s.path = path.c_str();
    return s;
}

// "" when equal, else where the first difference lies (vectors print badly).
std::string difference(const std::vector<uint8_t>& got, const std::vector<uint8_t>& expected) {
    if (got.size() != expected.size()) {
        return std::to_string(got.size()) + " bytes where " + std::to_string(expected.size()) + " were expected";
    }
    size_t count = 0, first = got.size();
    int worst = 0;
    for (size_t i = 0; i < got.size(); ++i) {
        if (got[i] == expected[i]) continue;
        first = std::min(first, i);
        ++count;
        worst = std::max(worst, std::abs(int{got[i]} - int{expected[i]}));
    }
    if (count == 0) return "";
    return std::to_string(count) + " bytes differ, the first at " + std::to_string(first) + " (" +
           std::to_string(got[first]) + " for " + std::to_string(expected[first]) + "), by up to " +
           std::to_string(worst);
}

// Columns [x0, x1) and rows [y0, y1) of `image`, in `channels` channels.
std::vector<uint8_t> cut(const Pixels& image, uint32_t x0, uint32_t y0, uint32_t x1, uint32_t y1, uint32_t channels) {
    const Pixels converted = channels == image.channels ? image : convert_reference(image, channels);
    std::vector<uint32_t> rows;
    for (uint32_t y = y0; y < y1; ++y) rows.push_back(y);
    return crop_reference(converted, x0, x1, rows);
}

uint32_t out_channels_for(uint32_t samples) { return samples == 2 ? 4 : samples; }

TiffLevelSpec level_of(Pixels pixels, uint16_t compression = 1, uint32_t tile = 32) {
    TiffLevelSpec level;
    level.pixels = std::move(pixels);
    level.compression = compression;
    level.tile_width = level.tile_height = tile;
    return level;
}

// A lossless pyramid of `count` levels, each the 2x box average of the one before.
TiffSpec pyramid(uint32_t width, uint32_t height, uint32_t samples, size_t count, uint16_t compression = 8,
                 uint32_t tile = 32) {
    TiffSpec spec;
    Pixels pixels = make_photo(width, height, samples, 5);
    for (size_t i = 0; i < count; ++i) {
        spec.levels.push_back(level_of(pixels, compression, tile));
        spec.levels.back().predictor = compression == 8 && i % 2 == 0;
        pixels = half_size(pixels);
    }
    return spec;
}

parcrop::Status parse(const std::vector<uint8_t>& bytes, parcrop::TiffImage* image) {
    const parcrop::MemoryTiffInput input(parcrop::ByteSpan{bytes.data(), bytes.size()});
    return parcrop::parse_tiff(input, parcrop::TiffLimits{}, image);
}

std::string describe(const TiffSpec& spec) {
    const TiffLevelSpec& l = spec.levels[0];
    return std::string(spec.big_endian ? "MM" : "II") + (spec.bigtiff ? " BigTIFF" : " TIFF") +
           (l.tiled ? " tiled " : " stripped ") + std::to_string(l.pixels.width) + "x" +
           std::to_string(l.pixels.height) + "x" + std::to_string(l.pixels.channels) + " compression " +
           std::to_string(l.compression) + (l.predictor ? " predictor" : "");
}

}  // namespace

// ----- the directory parser -----

TEST_CASE("parse_tiff finds the levels in the IFD chain or in SubIFDs, largest first, label left out", "[tiff]") {
    for (const bool sub_ifds : {false, true}) {
        for (const bool big_endian : {false, true}) {
            for (const bool bigtiff : {false, true}) {
                TiffSpec spec = pyramid(128, 96, 3, 3);
                spec.reduced_as_sub_ifds = sub_ifds;
                spec.big_endian = big_endian;
                spec.bigtiff = bigtiff;
                spec.label = true;
                INFO(describe(spec) << (sub_ifds ? " SubIFDs" : " chain"));
                const TiffFixture tiff = write_tiff(spec);
                parcrop::TiffImage image;
                REQUIRE(parse(tiff.bytes, &image).is_ok());
                CHECK(image.big_endian == big_endian);
                CHECK(image.bigtiff == bigtiff);
                REQUIRE(image.levels.size() == 3);
                const uint32_t widths[] = {128, 64, 32}, heights[] = {96, 48, 24};
                for (size_t i = 0; i < 3; ++i) {
                    CHECK(image.levels[i].width == widths[i]);
                    CHECK(image.levels[i].height == heights[i]);
                    CHECK(image.levels[i].tiled);
                    CHECK(image.levels[i].tile_width == 32);
                    CHECK(image.levels[i].samples == 3);
                    CHECK(image.levels[i].compression == 8);
                    CHECK(image.levels[i].predictor == (i % 2 == 0));
                    CHECK(parcrop::tiff_level_downsample(image.levels[0], image.levels[i]) == Approx(1 << i));
                }
                CHECK(image.levels[0].tiles_across == 4);
                CHECK(image.levels[0].tiles_down == 3);
            }
        }
    }
}

TEST_CASE("parse_tiff sorts reduced levels and drops those of another aspect ratio", "[tiff]") {
    TiffSpec spec;
    const Pixels base = make_photo(128, 96, 1, 3);
    spec.levels.push_back(level_of(base));
    spec.levels.push_back(level_of(half_size(half_size(base))));  // 32x24, before 64x48
    spec.levels.push_back(level_of(make_photo(64, 10, 1, 4)));    // another aspect
    spec.levels.push_back(level_of(half_size(base)));             // 64x48
    const TiffFixture tiff = write_tiff(spec);
    parcrop::TiffImage image;
    REQUIRE(parse(tiff.bytes, &image).is_ok());
    REQUIRE(image.levels.size() == 3);
    CHECK(image.levels[1].width == 64);
    CHECK(image.levels[1].height == 48);
    CHECK(image.levels[2].width == 32);
}

TEST_CASE("parse_tiff reads strips: one column of strips, the last one short", "[tiff]") {
    TiffSpec spec;
    spec.levels.push_back(level_of(make_photo(50, 45, 3, 8), 8));
    spec.levels[0].tiled = false;
    spec.levels[0].rows_per_strip = 7;
    const TiffFixture tiff = write_tiff(spec);
    parcrop::TiffImage image;
    REQUIRE(parse(tiff.bytes, &image).is_ok());
    REQUIRE(image.levels.size() == 1);
    const parcrop::TiffLevel& level = image.levels[0];
    CHECK_FALSE(level.tiled);
    CHECK(level.tile_width == 50);
    CHECK(level.tile_height == 7);
    CHECK(level.tiles_across == 1);
    CHECK(level.tiles_down == 7);
    CHECK(level.stored_rows(0) == 7);
    CHECK(level.stored_rows(6) == 3);
}

TEST_CASE("parse_tiff reads the resolution: centimetres, inches, Aperio's MPP", "[tiff]") {
    TiffSpec spec = pyramid(64, 48, 3, 1);
    spec.x_resolution = 40000;  // pixels per cm: 0.25 um
    spec.y_resolution = 20000;  // 0.5 um
    spec.resolution_unit = 3;
    parcrop::TiffImage image;
    REQUIRE(parse(write_tiff(spec).bytes, &image).is_ok());
    CHECK(image.microns_per_pixel_x == Approx(0.25));
    CHECK(image.microns_per_pixel_y == Approx(0.5));

    spec.resolution_unit = 2;  // pixels per inch
    spec.x_resolution = spec.y_resolution = 101600;
    spec.big_endian = true;
    REQUIRE(parse(write_tiff(spec).bytes, &image).is_ok());
    CHECK(image.microns_per_pixel_x == Approx(0.25));
    CHECK(image.microns_per_pixel_y == Approx(0.25));

    spec.resolution_unit = 1;  // no absolute unit
    image = parcrop::TiffImage{};
    REQUIRE(parse(write_tiff(spec).bytes, &image).is_ok());
    CHECK(image.microns_per_pixel_x == 0);

    spec.description = "Aperio Image Library v12.0.15\r\n64x48 [0,0 64x48] (32x32) JPEG/RGB Q=70|AppMag = 20|MPP = 0.4990|Left = 1";
    spec.bigtiff = true;
    REQUIRE(parse(write_tiff(spec).bytes, &image).is_ok());
    CHECK(image.microns_per_pixel_x == Approx(0.499));
    CHECK(image.microns_per_pixel_y == Approx(0.499));

    // And through parcrop_probe, with the levels.
    spec = pyramid(128, 96, 4, 3);
    spec.x_resolution = spec.y_resolution = 20000;
    spec.resolution_unit = 3;
    const TiffFixture tiff = write_tiff(spec);
    auto context = context_with(1);
    parcrop_image_info info;
    parcrop_image_info_init(&info);
    parcrop_status status = PARCROP_E_INTERNAL;
    const parcrop_source source = memory(tiff.bytes);
    REQUIRE(parcrop_probe(context.get(), &source, 1, &info, &status) == PARCROP_OK);
    CHECK(info.format == PARCROP_FORMAT_TIFF);
    CHECK(info.width == 128);
    CHECK(info.channels == 4);
    CHECK(info.level_count == 3);
    CHECK(info.levels[2].width == 32);
    CHECK(info.levels[2].downsample == Approx(4));
    CHECK(info.tile_width == 32);
    CHECK(info.compression == 8);
    CHECK(info.microns_per_pixel_x == Approx(0.5));
}

TEST_CASE("tiff_tile_location reads one entry and checks it against the file", "[tiff]") {
    for (const bool bigtiff : {false, true}) {
        TiffSpec spec = pyramid(100, 70, 3, 1, 8);
        spec.bigtiff = bigtiff;
        spec.big_endian = bigtiff;
        TiffFixture tiff = write_tiff(spec);
        parcrop::TiffImage image;
        REQUIRE(parse(tiff.bytes, &image).is_ok());
        const parcrop::TiffLevel& level = image.levels[0];
        REQUIRE(level.tile_count() == 12);
        {
            const parcrop::MemoryTiffInput input(parcrop::ByteSpan{tiff.bytes.data(), tiff.bytes.size()});
            for (uint64_t t = 0; t < level.tile_count(); ++t) {
                uint64_t offset = 0, size = 0;
                REQUIRE(parcrop::tiff_tile_location(input, image, level, t, &offset, &size).is_ok());
                CHECK(offset == tiff.layout.tile_offsets[0][t]);
                CHECK(size == tiff.layout.tile_sizes[0][t]);
            }
            uint64_t offset = 0, size = 0;
            CHECK(parcrop::tiff_tile_location(input, image, level, 12, &offset, &size).code() == PARCROP_E_CORRUPT);
        }
        // Tile 3 reaching one byte past the end; tile 4 empty.
        const uint32_t value = bigtiff ? 8 : 4;
        const uint64_t counts = tiff.layout.counts_array[0], offsets = tiff.layout.offsets_array[0];
        tiff_patch(&tiff.bytes, spec.big_endian, offsets + 3 * value, tiff.bytes.size() - 10, value);
        tiff_patch(&tiff.bytes, spec.big_endian, counts + 3 * value, 11, value);
        tiff_patch(&tiff.bytes, spec.big_endian, counts + 4 * value, 0, value);
        const parcrop::MemoryTiffInput input(parcrop::ByteSpan{tiff.bytes.data(), tiff.bytes.size()});
        uint64_t offset = 0, size = 0;
        CHECK(parcrop::tiff_tile_location(input, image, level, 3, &offset, &size).code() == PARCROP_E_CORRUPT);
        CHECK(parcrop::tiff_tile_location(input, image, level, 4, &offset, &size).code() == PARCROP_E_CORRUPT);
        tiff_patch(&tiff.bytes, spec.big_endian, counts + 3 * value, 10, value);
        CHECK(parcrop::tiff_tile_location(input, image, level, 3, &offset, &size).is_ok());
    }
}

// ----- crops through the C API -----

TEST_CASE("TIFF crops equal the source pixels: tiles, strips, byte orders, BigTIFF, memory and files",
          "[api][tiff]") {
    struct Variant {
        bool big_endian, bigtiff, tiled;
        uint16_t compression;
        bool predictor;
        uint32_t samples;
    };
    const Variant variants[] = {
        {false, false, true, 1, false, 3},  {false, false, true, 8, false, 1}, {false, false, true, 8, true, 4},
        {true, false, true, 8, true, 3},    {false, true, true, 8, false, 2},  {true, true, true, 1, false, 3},
        {false, false, false, 8, true, 3},  {true, true, false, 1, false, 1},  {false, false, false, 1, false, 4},
    };
    // 100x75 with 32x32 tiles: a partial last column and row of tiles; strips of 7 rows
    // leave a last strip of 5.
    const std::vector<parcrop_box> boxes = {{0, 0, 100, 75}, {10, 5, 50, 40},  {30, 30, 35, 34}, {90, 70, 100, 75},
                                            {63, 0, 65, 75}, {0, 63, 100, 65}, {99, 74, 100, 75}, {31, 31, 33, 33}};
    TempDir dir;
    auto context = context_with(2);
    for (const Variant& v : variants) {
        TiffSpec spec;
        spec.big_endian = v.big_endian;
        spec.bigtiff = v.bigtiff;
        spec.levels.push_back(level_of(make_photo(100, 75, v.samples, 9), v.compression));
        spec.levels[0].tiled = v.tiled;
        spec.levels[0].rows_per_strip = 7;
        spec.levels[0].predictor = v.predictor;
        INFO(describe(spec));
        const TiffFixture tiff = write_tiff(spec);
        const std::string path = dir.write("v.tif", tiff.bytes);
        const uint32_t channels = out_channels_for(v.samples);
        for (const parcrop_box& box : boxes) {
            const uint32_t w = static_cast<uint32_t>(box.x1 - box.x0), h = static_cast<uint32_t>(box.y1 - box.y0);
            INFO("box " << box.x0 << "," << box.y0 << " " << w << "x" << h);
            const Batch b = crop(context.get(), {memory(tiff.bytes), file(path), memory(tiff.bytes)},
                                 {box, box, box}, w, h, channels);
            REQUIRE(b.status == PARCROP_OK);
            const std::vector<uint8_t> expected =
                cut(spec.levels[0].pixels, static_cast<uint32_t>(box.x0), static_cast<uint32_t>(box.y0),
                    static_cast<uint32_t>(box.x1), static_cast<uint32_t>(box.y1), channels);
            for (size_t i = 0; i < 3; ++i) CHECK(difference(b.slot(i), expected) == "");
        }
    }
}

TEST_CASE("JPEG tiles give libjpeg's own decode of their streams, with and without JPEGTables", "[api][tiff]") {
    struct Variant {
        bool tables, ycbcr;
        uint32_t samples;
        bool tiled;
    };
    const Variant variants[] = {{true, true, 3, true}, {false, true, 3, true}, {true, false, 3, true},
                                {true, true, 1, true}, {true, true, 3, false}, {false, false, 1, false}};
    auto context = context_with(2);
    const std::vector<parcrop_box> boxes = {{0, 0, 90, 70}, {10, 5, 50, 40}, {80, 60, 90, 70}, {31, 15, 33, 17}};
    for (const Variant& v : variants) {
        TiffSpec spec;
        spec.levels.push_back(level_of(make_photo(90, 70, v.samples, 12), 7));
        spec.levels[0].jpeg_tables = v.tables;
        spec.levels[0].jpeg_ycbcr = v.ycbcr;
        spec.levels[0].tiled = v.tiled;
        spec.levels[0].rows_per_strip = 16;
        INFO(describe(spec) << (v.tables ? " tables" : " whole streams") << (v.ycbcr ? " YCbCr" : " RGB"));
        const TiffFixture tiff = write_tiff(spec);
        const Pixels reference = jpeg_reference(tiff, spec, 0);
        for (const parcrop_box& box : boxes) {
            const uint32_t w = static_cast<uint32_t>(box.x1 - box.x0), h = static_cast<uint32_t>(box.y1 - box.y0);
            INFO("box " << box.x0 << "," << box.y0 << " " << w << "x" << h);
            const Batch b = crop(context.get(), {memory(tiff.bytes)}, {box}, w, h, v.samples);
            REQUIRE(b.status == PARCROP_OK);
            CHECK(difference(b.slot(0), cut(reference, static_cast<uint32_t>(box.x0), static_cast<uint32_t>(box.y0),
                                             static_cast<uint32_t>(box.x1), static_cast<uint32_t>(box.y1),
                                             v.samples)) == "");
        }
    }
}

TEST_CASE("fast mode reads the most reduced level within the crop's scale", "[api][tiff][fast]") {
    TiffSpec spec = pyramid(256, 192, 3, 4);  // 256x192, 128x96, 64x48, 32x24
    const TiffFixture tiff = write_tiff(spec);
    auto context = context_with(2);
    const parcrop_source source = memory(tiff.bytes);
    // A box 4 times the output: level 2, whose pixels it equals under nearest at scale 1.
    {
        const Batch b = crop(context.get(), {source}, {{32, 16, 160, 144}}, 32, 32, 3, PARCROP_FILTER_NEAREST,
                             PARCROP_DECODE_FAST);
        REQUIRE(b.status == PARCROP_OK);
        CHECK(difference(b.slot(0), cut(spec.levels[2].pixels, 8, 4, 40, 36, 3)) == "");
    }
    // 2 times: level 1.
    {
        const Batch b = crop(context.get(), {source}, {{64, 32, 128, 96}}, 32, 32, 3, PARCROP_FILTER_NEAREST,
                             PARCROP_DECODE_FAST);
        REQUIRE(b.status == PARCROP_OK);
        CHECK(difference(b.slot(0), cut(spec.levels[1].pixels, 32, 16, 64, 48, 3)) == "");
    }
    // 3 times: still level 1 (its downsample 2 <= 3 < 4), resampled by 1.5 there.
    {
        const Batch b = crop(context.get(), {source}, {{0, 0, 96, 96}}, 32, 32, 3, PARCROP_FILTER_NEAREST,
                             PARCROP_DECODE_FAST);
        REQUIRE(b.status == PARCROP_OK);
        std::vector<uint8_t> expected;
        for (uint32_t o = 0; o < 32; ++o) {
            for (uint32_t p = 0; p < 32; ++p) {
                const uint8_t* px = spec.levels[1].pixels.at(static_cast<uint32_t>((p + 0.5) * 1.5),
                                                             static_cast<uint32_t>((o + 0.5) * 1.5));
                expected.insert(expected.end(), px, px + 3);
            }
        }
        CHECK(difference(b.slot(0), expected) == "");
    }
    // Exact mode reads level 0 for the same 4x box: every 4th pixel.
    {
        const Batch b = crop(context.get(), {source}, {{32, 16, 160, 144}}, 32, 32, 3, PARCROP_FILTER_NEAREST,
                             PARCROP_DECODE_EXACT);
        REQUIRE(b.status == PARCROP_OK);
        std::vector<uint8_t> expected;
        for (uint32_t o = 0; o < 32; ++o) {
            for (uint32_t p = 0; p < 32; ++p) {
                const uint8_t* px = spec.levels[0].pixels.at(32 + 4 * p + 2, 16 + 4 * o + 2);
                expected.insert(expected.end(), px, px + 3);
            }
        }
        CHECK(difference(b.slot(0), expected) == "");
    }
    // A box 8 times: the smallest level (downsample 8).
    {
        const Batch b = crop(context.get(), {source}, {{0, 0, 256, 192}}, 32, 24, 3, PARCROP_FILTER_NEAREST,
                             PARCROP_DECODE_FAST);
        REQUIRE(b.status == PARCROP_OK);
        CHECK(difference(b.slot(0), spec.levels[3].pixels.data) == "");
    }
}

TEST_CASE("tiled limits: pixels of the tiles an item covers, and the side of a level", "[api][tiff][limits]") {
    TiffSpec spec = pyramid(256, 192, 3, 1);  // tiles of 32x32 = 1024 pixels
    const TiffFixture tiff = write_tiff(spec);
    parcrop_options options;
    parcrop_options_init(&options);
    options.max_item_decoded_pixels = 2048;
    auto context = context_with(2, &options);
    const parcrop_source source = memory(tiff.bytes);
    const Batch b = crop(context.get(), {source, source, source}, {{0, 0, 32, 32}, {16, 0, 48, 32}, {16, 16, 48, 48}},
                         32, 32, 3);
    CHECK(b.status == PARCROP_ITEMS_FAILED);
    CHECK(b.items[0] == PARCROP_OK);  // one tile
    CHECK(b.items[1] == PARCROP_OK);  // two
    CHECK(b.items[2] == PARCROP_E_TOO_MANY_PIXELS);  // four
    CHECK(b.messages[2].find("max_item_decoded_pixels") != std::string::npos);
    CHECK(difference(b.slot(2), std::vector<uint8_t>(b.item_bytes, 0)) == "");
    CHECK(difference(b.slot(1), cut(spec.levels[0].pixels, 16, 0, 48, 32, 3)) == "");

    parcrop_options_init(&options);
    options.max_tiled_image_side = 255;
    auto narrow = context_with(1, &options);
    const Batch side = crop(narrow.get(), {source}, {{0, 0, 32, 32}}, 32, 32, 3);
    CHECK(side.items[0] == PARCROP_E_IMAGE_TOO_LARGE);
    CHECK(side.messages[0].find("max_tiled_image_side") != std::string::npos);
    parcrop_image_info info;
    parcrop_image_info_init(&info);
    parcrop_status status = PARCROP_OK;
    CHECK(parcrop_probe(narrow.get(), &source, 1, &info, &status) == PARCROP_ITEMS_FAILED);
    CHECK(status == PARCROP_E_IMAGE_TOO_LARGE);

    // max_width and max_pixels, made for whole-image formats, do not bound a TIFF.
    parcrop_options_init(&options);
    options.max_width = options.max_height = 64;
    options.max_pixels = 100;
    options.max_file_size = 100;
    auto small = context_with(1, &options);
    const Batch ok = crop(small.get(), {source}, {{200, 100, 232, 132}}, 32, 32, 3);
    CHECK(ok.items[0] == PARCROP_OK);
}

// ----- hostile files -----

namespace {

struct Damaged {
    std::string name;
    std::vector<uint8_t> bytes;
};

parcrop_status first_status(const std::vector<uint8_t>& bytes) {
    auto context = context_with(1);
    return crop(context.get(), {memory(bytes)}, {{0, 0, 8, 8}}, 8, 8, 3).items[0];
}

}  // namespace

TEST_CASE("hostile directories fail their items with CORRUPT or TRUNCATED", "[api][tiff][untrusted]") {
    for (const bool bigtiff : {false, true}) {
        TiffSpec spec = pyramid(128, 96, 3, 3);
        spec.bigtiff = bigtiff;
        spec.big_endian = !bigtiff;
        const TiffFixture tiff = write_tiff(spec);
        const bool be = spec.big_endian;
        const uint32_t value = bigtiff ? 8 : 4, count_size = bigtiff ? 8 : 2;
        const TiffLayout& layout = tiff.layout;
        INFO(describe(spec));
        REQUIRE(first_status(tiff.bytes) == PARCROP_OK);
        {  // IFD0 chained to itself
            std::vector<uint8_t> bytes = tiff.bytes;
            tiff_patch(&bytes, be, layout.directories[0].next_field, layout.directories[0].offset, value);
            CHECK(first_status(bytes) == PARCROP_E_CORRUPT);
        }
        {  // the last level chained back to the second
            std::vector<uint8_t> bytes = tiff.bytes;
            tiff_patch(&bytes, be, layout.directories[2].next_field, layout.directories[1].offset, value);
            CHECK(first_status(bytes) == PARCROP_E_CORRUPT);
        }
        for (const uint64_t entries : {uint64_t{0}, uint64_t{0xFFFF}, uint64_t{4000}}) {
            INFO(entries << " entries");
            std::vector<uint8_t> bytes = tiff.bytes;
            tiff_patch(&bytes, be, layout.directories[0].offset, entries, count_size);
            const parcrop_status s = first_status(bytes);
            CHECK((s == PARCROP_E_CORRUPT || s == PARCROP_E_TRUNCATED));
        }
        if (bigtiff) {  // a count no 16-bit field could hold
            std::vector<uint8_t> bytes = tiff.bytes;
            tiff_patch(&bytes, be, layout.directories[0].offset, uint64_t{1} << 40, 8);
            CHECK(first_status(bytes) == PARCROP_E_CORRUPT);
        }
        for (const uint16_t tag : {tiff_tag::tile_offsets, tiff_tag::tile_byte_counts}) {
            INFO("array of tag " << tag << " past the end");
            std::vector<uint8_t> bytes = tiff.bytes;
            const uint64_t entry = layout.directories[0].entries.at(tag);
            tiff_patch(&bytes, be, entry + 4 + value, bytes.size() - 8, value);
            CHECK(first_status(bytes) == PARCROP_E_CORRUPT);
            bytes = tiff.bytes;  // fewer entries than tiles
            tiff_patch(&bytes, be, entry + 4, 11, value);
            CHECK(first_status(bytes) == PARCROP_E_CORRUPT);
            bytes = tiff.bytes;  // an offset far past the end, count and offset overflowing
            tiff_patch(&bytes, be, entry + 4 + value, bigtiff ? ~uint64_t{0} - 4 : 0xFFFFFFF0u, value);
            CHECK(first_status(bytes) == PARCROP_E_CORRUPT);
        }
        {  // a broken reduced level loses only itself and those after it
            std::vector<uint8_t> bytes = tiff.bytes;
            tiff_patch(&bytes, be, layout.directories[1].next_field, bytes.size() + 1000, value);
            parcrop::TiffImage image;
            REQUIRE(parse(bytes, &image).is_ok());
            CHECK(image.levels.size() == 2);
        }
        {  // not a TIFF after all
            std::vector<uint8_t> bytes = tiff.bytes;
            tiff_patch(&bytes, be, bigtiff ? 8 : 4, 0, value);
            CHECK(first_status(bytes) == PARCROP_E_CORRUPT);
        }
    }
}

TEST_CASE("a tile past the end fails only the items that touch it", "[api][tiff][untrusted]") {
    for (const bool bigtiff : {false, true}) {
        TiffSpec spec = pyramid(128, 96, 3, 1);
        spec.bigtiff = bigtiff;
        TiffFixture tiff = write_tiff(spec);
        const uint32_t value = bigtiff ? 8 : 4;
        // Tile 5 is column 1, row 1: pixels [32, 64) x [32, 64).
        tiff_patch(&tiff.bytes, false, tiff.layout.offsets_array[0] + 5 * value, tiff.bytes.size() + 64, value);
        const std::vector<parcrop_box> good = {{0, 0, 32, 32}, {64, 0, 96, 32}, {70, 50, 102, 82}, {0, 64, 32, 96}};
        const std::vector<parcrop_box> bad = {{40, 40, 72, 72}, {20, 20, 52, 52}};
        std::vector<parcrop_box> mixed = {good[0], bad[0], good[1], good[2], bad[1], good[3]};
        const parcrop_source source = memory(tiff.bytes);
        auto context = context_with(2);
        const Batch all = crop(context.get(), std::vector<parcrop_source>(mixed.size(), source), mixed, 32, 32, 3,
                               PARCROP_FILTER_BILINEAR);
        const Batch clean = crop(context.get(), std::vector<parcrop_source>(good.size(), source), good, 32, 32, 3,
                                 PARCROP_FILTER_BILINEAR);
        REQUIRE(clean.status == PARCROP_OK);
        CHECK(all.status == PARCROP_ITEMS_FAILED);
        CHECK(all.items[1] == PARCROP_E_CORRUPT);
        CHECK(all.items[4] == PARCROP_E_CORRUPT);
        CHECK(all.messages[1].find("tile 5") != std::string::npos);
        CHECK(difference(all.slot(1), std::vector<uint8_t>(all.item_bytes, 0)) == "");
        const size_t good_at[] = {0, 2, 3, 5};
        for (size_t g = 0; g < 4; ++g) {
            CHECK(all.items[good_at[g]] == PARCROP_OK);
            CHECK(difference(all.slot(good_at[g]), clean.slot(g)) == "");
        }
    }
}

TEST_CASE("a tile damaged past the rows an item reads: that item gives what it gives alone", "[api][tiff][untrusted]") {
    TiffSpec spec = pyramid(64, 64, 3, 1, 8);
    spec.levels[0].predictor = false;
    TiffFixture tiff = write_tiff(spec);
    // Tile 0's Deflate stream cut to its first quarter: its top rows are still there.
    tiff_patch(&tiff.bytes, false, tiff.layout.counts_array[0], tiff.layout.tile_sizes[0][0] / 4, 4);
    const parcrop_source source = memory(tiff.bytes);
    auto context = context_with(2);
    const parcrop_box top = {0, 0, 8, 2}, whole = {0, 0, 32, 32};
    const Batch alone = crop(context.get(), {source}, {top}, 8, 2, 3);
    const Batch together = crop(context.get(), {source, source}, {top, whole}, 8, 2, 3);
    INFO(alone.messages[0] << " / " << together.messages[0]);
    CHECK(together.items[1] != PARCROP_OK);
    CHECK(together.items[0] == alone.items[0]);
    CHECK(difference(together.slot(0), alone.slot(0)) == "");
    if (alone.items[0] == PARCROP_OK) CHECK(alone.slot(0) == cut(spec.levels[0].pixels, 0, 0, 8, 2, 3));
}

TEST_CASE("JPEG tiles whose JPEGTables are gone are CORRUPT", "[api][tiff][untrusted]") {
    TiffSpec spec;
    spec.levels.push_back(level_of(make_photo(64, 64, 3, 2), 7));
    TiffFixture tiff = write_tiff(spec);
    REQUIRE(first_status(tiff.bytes) == PARCROP_OK);
    // The entry renamed to a tag nobody reads.
    tiff_patch(&tiff.bytes, false, tiff.layout.directories[0].entries.at(tiff_tag::jpeg_tables), 65000, 2);
    CHECK(first_status(tiff.bytes) == PARCROP_E_CORRUPT);
}

TEST_CASE("every 97th prefix of a TIFF fails with a status or gives the whole file's bytes", "[api][tiff][untrusted]") {
    auto context = context_with(2);
    for (const bool directories_first : {false, true}) {
        for (const uint16_t compression : {uint16_t{8}, uint16_t{7}}) {
            TiffSpec spec = pyramid(96, 64, 3, 2, compression);
            spec.directories_first = directories_first;
            spec.bigtiff = directories_first;
            const TiffFixture tiff = write_tiff(spec);
            const std::vector<parcrop_box> boxes = {{0, 0, 16, 16}, {40, 30, 96, 64}, {0, 0, 96, 64}};
            // Exact mode reads level 0 whatever the prefix keeps of the others: a success
            // must give the whole file's bytes. Fast mode may lose a level with the
            // directory that a prefix cuts, and read another: only statuses are checked.
            for (const parcrop_decode_mode mode : {PARCROP_DECODE_EXACT, PARCROP_DECODE_FAST}) {
                const Batch whole = crop(context.get(), std::vector<parcrop_source>(3, memory(tiff.bytes)), boxes, 16,
                                         16, 3, PARCROP_FILTER_BILINEAR, mode);
                REQUIRE(whole.status == PARCROP_OK);
                size_t succeeded = 0;
                for (size_t size = 1; size < tiff.bytes.size(); size += 97) {
                    INFO("prefix of " << size << " bytes, compression " << compression << ", mode " << mode);
                    const Batch b = crop(context.get(), std::vector<parcrop_source>(3, memory(tiff.bytes, size)),
                                         boxes, 16, 16, 3, PARCROP_FILTER_BILINEAR, mode);
                    for (size_t i = 0; i < 3; ++i) {
                        INFO("item " << i << ": " << b.messages[i]);
                        CHECK(b.items[i] != PARCROP_E_INTERNAL);
                        if (b.items[i] == PARCROP_OK) {
                            ++succeeded;
                            if (mode == PARCROP_DECODE_EXACT) CHECK(difference(b.slot(i), whole.slot(i)) == "");
                        } else {
                            CHECK(b.items[i] >= 200);
                            CHECK(b.items[i] < 400);
                            CHECK(difference(b.slot(i), std::vector<uint8_t>(b.item_bytes, 0)) == "");
                        }
                    }
                }
                if (directories_first) CHECK(succeeded > 0);
            }
        }
    }
}

// ----- tiles shared by the items of a batch -----

TEST_CASE("overlapping items share tiles: same bytes as one item per batch, and for 1 and 2 threads",
          "[api][tiff]") {
    for (const uint16_t compression : {uint16_t{8}, uint16_t{7}}) {
        TiffSpec spec = pyramid(160, 128, 3, 3, compression);
        const TiffFixture tiff = write_tiff(spec);
        std::vector<parcrop_box> boxes;
        for (uint32_t i = 0; i < 16; ++i) {
            const float x = static_cast<float>((i * 13) % 90), y = static_cast<float>((i * 7) % 60);
            const float side = 24.0f + static_cast<float>((i % 4) * 20);
            boxes.push_back({x, y, std::min(160.0f, x + side), std::min(128.0f, y + side)});
        }
        const std::vector<parcrop_source> sources(boxes.size(), memory(tiff.bytes));
        for (const parcrop_decode_mode mode : {PARCROP_DECODE_EXACT, PARCROP_DECODE_FAST}) {
            INFO("compression " << compression << ", mode " << mode);
            auto one = context_with(1), two = context_with(2);
            const Batch b1 = crop(one.get(), sources, boxes, 12, 12, 3, PARCROP_FILTER_BILINEAR, mode);
            const Batch b2 = crop(two.get(), sources, boxes, 12, 12, 3, PARCROP_FILTER_BILINEAR, mode);
            REQUIRE(b1.status == PARCROP_OK);
            REQUIRE(b2.status == PARCROP_OK);
            CHECK(difference(b1.out, b2.out) == "");
            for (size_t i = 0; i < boxes.size(); ++i) {
                const Batch alone = crop(two.get(), {sources[i]}, {boxes[i]}, 12, 12, 3, PARCROP_FILTER_BILINEAR, mode);
                REQUIRE(alone.status == PARCROP_OK);
                CHECK(difference(alone.slot(0), b2.slot(i)) == "");
            }
        }
    }
}

TEST_CASE("a shared tile cache serves two level decoders the bytes they decode alone", "[tiff]") {
    TiffSpec spec = pyramid(96, 96, 3, 1, 8);
    const TiffFixture tiff = write_tiff(spec);
    parcrop::TiffFile file;
    file.input = std::make_unique<parcrop::MemoryTiffInput>(parcrop::ByteSpan{tiff.bytes.data(), tiff.bytes.size()});
    REQUIRE(parcrop::parse_tiff(*file.input, parcrop::TiffLimits{}, &file.image).is_ok());
    const parcrop::Limits limits;
    std::vector<uint32_t> rows_a, rows_b;
    for (uint32_t y = 10; y < 50; ++y) rows_a.push_back(y);
    for (uint32_t y = 20; y < 90; y += 3) rows_b.push_back(y);
    parcrop::TiffTileCache cache;
    for (const uint64_t t : parcrop::tiff_tiles_read(file.image.levels[0], 1, 5, 60, rows_a)) cache.expect({0, 1, t});
    for (const uint64_t t : parcrop::tiff_tiles_read(file.image.levels[0], 1, 40, 96, rows_b)) cache.expect({0, 1, t});
    cache.keep_shared();
    CHECK(cache.shares({0, 1, 1}));       // tile (1, 0): both
    CHECK_FALSE(cache.shares({0, 1, 0})); // tile (0, 0): a only
    auto run = [&](parcrop::TiffTileCache* with, uint32_t x0, uint32_t x1, const std::vector<uint32_t>& rows) {
        const std::unique_ptr<parcrop::Decoder> decoder = parcrop::make_tiff_level_decoder(file, 0, with, limits);
        parcrop::ImageHeader header;
        REQUIRE(decoder->read_header(&header).is_ok());
        parcrop::DecodeRequest request;
        request.x0 = x0;
        request.x1 = x1;
        request.rows = &rows;
        request.channels = 3;
        RecordingSink sink(size_t{x1 - x0} * 3);
        REQUIRE(decoder->decode(request, sink).is_ok());
        CHECK(sink.rows == rows);
        return sink.bytes;
    };
    const std::vector<uint8_t> a = run(&cache, 5, 60, rows_a), b = run(&cache, 40, 96, rows_b);
    CHECK(difference(a, crop_reference(spec.levels[0].pixels, 5, 60, rows_a)) == "");
    CHECK(difference(b, crop_reference(spec.levels[0].pixels, 40, 96, rows_b)) == "");
    CHECK(difference(a, run(nullptr, 5, 60, rows_a)) == "");
}
