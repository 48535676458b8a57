// Random access through an index of entropy-decoder checkpoints: the index pass, its
// serialised form, and crops through it against libjpeg's full decode and parcrop's
// region path of the same file.
#include <catch2/catch.hpp>

#include <algorithm>
#include <random>
#include <string>

#include "decode/jpeg/jpeg_index.h"
#include "image_fixtures.h"
#include "jpeg_fixtures.h"
#include "region_capture.h"

using namespace parcrop_test;

namespace {

struct Layout {
    const char* name;
    uint32_t channels;
    int h_samp, v_samp;
};

const Layout kLayouts[] = {
    {"4:4:4", 3, 1, 1}, {"4:2:2", 3, 2, 1}, {"4:2:0", 3, 2, 2}, {"4:4:0", 3, 1, 2}, {"gray", 1, 1, 1}};

// Neither side a multiple of any MCU: the last MCU column and row are partial.
constexpr uint32_t kWidth = 403, kHeight = 277;

parcrop::ByteSpan span(const std::vector<uint8_t>& bytes) { return {bytes.data(), bytes.size()}; }

std::vector<uint8_t> encode(const Layout& layout, uint32_t width, uint32_t height, bool optimize = false,
                            uint32_t seed = 5) {
    JpegOptions options;
    options.h_samp = layout.h_samp;
    options.v_samp = layout.v_samp;
    options.optimize = optimize;
    return encode_jpeg(make_photo(width, height, layout.channels, seed).data, width, height, layout.channels, options);
}

struct Box {
    uint32_t x0, x1, y0, y1;
};

// Every edge, corners, one-pixel boxes, the whole image, and seeded random boxes.
std::vector<Box> boxes(uint32_t width, uint32_t height, uint32_t seed, int random_count) {
    const uint32_t w = width, h = height;
    const std::vector<Box> fixed = {{0, w, 0, h},
                                    {0, 1, 0, 1},
                                    {w - 1, w, h - 1, h},
                                    {0, w, h - 1, h},
                                    {w - 1, w, 0, h},
                                    {0, std::min(w, 9u), 0, h},
                                    {w / 2, w / 2 + 1, h / 2, h / 2 + 1},
                                    {17, 18, 33, 34},
                                    {w - std::min(w, 40u), w, std::min(h - 1, 5u), std::min(h, 60u)},
                                    {std::min(w - 1, 3u), std::min(w, 70u), h - std::min(h, 30u), h}};
    std::vector<Box> out;
    for (const Box& b : fixed) {
        if (b.x0 < b.x1 && b.x1 <= w && b.y0 < b.y1 && b.y1 <= h) out.push_back(b);
    }
    std::mt19937 random(seed);
    for (int i = 0; i < random_count; ++i) {
        const uint32_t w = 1 + random() % width, h = 1 + random() % height;
        const uint32_t x0 = random() % (width - w + 1), y0 = random() % (height - h + 1);
        out.push_back({x0, x0 + w, y0, y0 + h});
    }
    return out;
}

// A box in full-resolution pixels, at 1/denom, never empty.
Box scaled(const Box& b, uint32_t denom, uint32_t width, uint32_t height) {
    const uint32_t x0 = b.x0 / denom, y0 = b.y0 / denom;
    const uint32_t x1 = std::max(x0 + 1, std::min(width, (b.x1 + denom - 1) / denom));
    const uint32_t y1 = std::max(y0 + 1, std::min(height, (b.y1 + denom - 1) / denom));
    return {x0, x1, y0, y1};
}

parcrop::Status decode_indexed(const std::vector<uint8_t>& jpeg, const parcrop::JpegEntropyIndex& index,
                               const Box& b, uint32_t channels, uint32_t denom, RecordingSink* sink) {
    const std::vector<uint32_t> rows = row_range(b.y0, b.y1);
    parcrop::DecodeRequest request;
    request.scale_denom = denom;
    request.x0 = b.x0;
    request.x1 = b.x1;
    request.rows = &rows;
    request.channels = channels;
    return parcrop::decode_region_through_index(span(jpeg), index, request, *sink, parcrop::Limits{});
}

// Crops of `jpeg` through `index` at every scale against a full decode (and, scaled,
// against the region path too). Returns how many crops fell back (tables without a code).
int check_crops(const std::vector<uint8_t>& jpeg, const parcrop::JpegEntropyIndex& index, uint32_t channels,
                int random_count, uint32_t seed) {
    int fallbacks = 0;
    for (const uint32_t denom : {1u, 2u, 4u, 8u}) {
        const Pixels full = libjpeg_full_decode(jpeg, channels, denom);
        for (const Box& box : boxes(index.width, index.height, seed + denom, random_count)) {
            const Box b = scaled(box, denom, full.width, full.height);
            INFO("1/" << denom << ", x " << b.x0 << ".." << b.x1 << " y " << b.y0 << ".." << b.y1 << ", K "
                      << index.mcus_per_checkpoint);
            const std::vector<uint32_t> rows = row_range(b.y0, b.y1);
            RecordingSink sink(size_t{b.x1 - b.x0} * channels);
            const parcrop::Status status = decode_indexed(jpeg, index, b, channels, denom, &sink);
            if (status.code() == PARCROP_E_UNSUPPORTED) {
                ++fallbacks;
                CHECK(sink.rows.empty());
                continue;
            }
            REQUIRE(status.message() == "");
            CHECK(sink.rows == rows);
            CHECK(describe_difference(sink.bytes, crop_reference(full, b.x0, b.x1, rows), b.x1 - b.x0, channels) ==
                  "");
            if (denom > 1) {
                RecordingSink region(size_t{b.x1 - b.x0} * channels);
                REQUIRE(decode_region(jpeg, b.x0, b.x1, rows, channels, denom, &region).is_ok());
                CHECK(sink.bytes == region.bytes);
            }
        }
    }
    return fallbacks;
}

void check_same(const parcrop::JpegEntropyIndex& a, const parcrop::JpegEntropyIndex& b) {
    CHECK(a.file_size == b.file_size);
    CHECK(a.scan_data_offset == b.scan_data_offset);
    CHECK(a.fingerprint == b.fingerprint);
    CHECK(a.width == b.width);
    CHECK(a.height == b.height);
    CHECK(a.components == b.components);
    CHECK(std::equal(a.sampling, a.sampling + 4, b.sampling));
    CHECK(std::equal(a.component_ids, a.component_ids + 4, b.component_ids));
    CHECK(a.mcu_width == b.mcu_width);
    CHECK(a.mcu_height == b.mcu_height);
    CHECK(a.mcus_per_checkpoint == b.mcus_per_checkpoint);
    CHECK(a.checkpoints_per_row == b.checkpoints_per_row);
    CHECK(a.positions == b.positions);
    CHECK(a.predictors == b.predictors);
    CHECK(a.end_position == b.end_position);
}

}  // namespace

TEST_CASE("the index describes the scan's geometry and checkpoints", "[jpeg-index]") {
    for (const Layout& layout : kLayouts) {
        INFO(layout.name);
        const std::vector<uint8_t> jpeg = encode(layout, kWidth, kHeight);
        parcrop::JpegEntropyIndex index;
        REQUIRE(parcrop::build_jpeg_entropy_index(span(jpeg), 3, &index).message() == "");
        const uint32_t mcu_w = layout.channels == 1 ? 8 : 8 * layout.h_samp;
        const uint32_t mcu_h = layout.channels == 1 ? 8 : 8 * layout.v_samp;
        CHECK(index.mcu_width == mcu_w);
        CHECK(index.mcu_height == mcu_h);
        CHECK(index.mcus_per_row == (kWidth + mcu_w - 1) / mcu_w);
        CHECK(index.mcu_rows == (kHeight + mcu_h - 1) / mcu_h);
        CHECK(index.checkpoints_per_row == (index.mcus_per_row + 2) / 3);
        CHECK(index.positions.size() == size_t{index.checkpoints_per_row} * index.mcu_rows);
        CHECK(index.positions.front() == index.scan_data_offset * 8);
        CHECK(std::is_sorted(index.positions.begin(), index.positions.end()));
        // The last MCU ends in the last data byte, before EOI.
        CHECK((index.end_position + 7) / 8 == jpeg.size() - 2);
        for (size_t i = 0; i < layout.channels; ++i) CHECK(index.predictors[i] == 0);
    }
}

TEST_CASE("crops through the index equal a full decode and the region path", "[jpeg-index]") {
    for (const Layout& layout : kLayouts) {
        const std::vector<uint8_t> jpeg = encode(layout, kWidth, kHeight);
        for (const uint32_t k : {1u, 3u, 0u}) {
            INFO(layout.name << ", K " << k);
            parcrop::JpegEntropyIndex index;
            REQUIRE(parcrop::build_jpeg_entropy_index(span(jpeg), k, &index).message() == "");
            // The library's standard tables hold every DC category: nothing falls back.
            CHECK(check_crops(jpeg, index, layout.channels, 12, 100 + k) == 0);
        }
    }
}

TEST_CASE("files narrower than a checkpoint and a single MCU", "[jpeg-index]") {
    for (const Layout& layout : kLayouts) {
        for (const auto& [w, h] : {std::pair<uint32_t, uint32_t>{1, 1}, {7, 300}, {300, 5}, {16, 16}, {17, 17}}) {
            INFO(layout.name << " " << w << "x" << h);
            const std::vector<uint8_t> jpeg = encode(layout, w, h);
            parcrop::JpegEntropyIndex index;
            REQUIRE(parcrop::build_jpeg_entropy_index(span(jpeg), 0, &index).message() == "");
            CHECK(check_crops(jpeg, index, layout.channels, 4, 7) == 0);
        }
    }
}

TEST_CASE("optimised tables: crops that need a missing DC code fall back, the rest are exact", "[jpeg-index]") {
    // A horizontal ramp: neighbouring blocks differ little, so the optimised DC table
    // lacks the middle categories that a row's first MCU needs when it starts mid-image.
    int fallbacks = 0, total = 0;
    for (const Layout& layout : kLayouts) {
        INFO(layout.name);
        Pixels ramp;
        ramp.width = kWidth;
        ramp.height = kHeight;
        ramp.channels = layout.channels;
        ramp.data.resize(size_t{kWidth} * kHeight * layout.channels);
        for (uint32_t y = 0; y < kHeight; ++y) {
            for (uint32_t x = 0; x < kWidth; ++x) {
                for (uint32_t c = 0; c < layout.channels; ++c) {
                    ramp.data[(size_t{y} * kWidth + x) * layout.channels + c] =
                        static_cast<uint8_t>(x * 255 / (kWidth - 1) / (c + 1) + (y & 1));
                }
            }
        }
        JpegOptions options;
        options.h_samp = layout.h_samp;
        options.v_samp = layout.v_samp;
        options.optimize = true;
        for (const std::vector<uint8_t>& jpeg :
             {encode_jpeg(ramp.data, kWidth, kHeight, layout.channels, options), encode(layout, kWidth, kHeight, true)}) {
            parcrop::JpegEntropyIndex index;
            REQUIRE(parcrop::build_jpeg_entropy_index(span(jpeg), 2, &index).message() == "");
            fallbacks += check_crops(jpeg, index, layout.channels, 10, 9);
            total += 4 * 20;
            // A fallback is a status before any pixel: the region path then serves the crop.
        }
    }
    INFO(fallbacks << " of " << total << " crops fell back");
    CHECK(fallbacks > 0);
    CHECK(fallbacks < total / 2);
}

TEST_CASE("an index survives serialisation, and damage to its bytes is detected", "[jpeg-index]") {
    for (const Layout& layout : kLayouts) {
        INFO(layout.name);
        const std::vector<uint8_t> jpeg = encode(layout, kWidth, kHeight);
        parcrop::JpegEntropyIndex index, loaded;
        REQUIRE(parcrop::build_jpeg_entropy_index(span(jpeg), 0, &index).is_ok());
        const std::vector<uint8_t> bytes = index.serialize();
        REQUIRE(parcrop::deserialize(span(bytes), &loaded).message() == "");
        check_same(index, loaded);
        CHECK(bytes == loaded.serialize());
        CHECK(check_crops(jpeg, loaded, layout.channels, 3, 1) == 0);

        for (size_t n = 0; n < bytes.size(); ++n) {
            CHECK(parcrop::deserialize({bytes.data(), n}, &loaded).code() == PARCROP_E_CORRUPT);
        }
        std::mt19937 random(11);
        for (size_t i = 0; i < bytes.size(); ++i) {
            std::vector<uint8_t> damaged = bytes;
            damaged[i] ^= static_cast<uint8_t>(1u << (random() % 8));
            CHECK(parcrop::deserialize(span(damaged), &loaded).code() == PARCROP_E_CORRUPT);
        }
        std::vector<uint8_t> longer = bytes;
        longer.push_back(0);
        CHECK(parcrop::deserialize(span(longer), &loaded).code() == PARCROP_E_CORRUPT);
    }
}

TEST_CASE("an index is refused for another file, and when its checkpoints do not add up", "[jpeg-index]") {
    const Layout& layout = kLayouts[2];
    const std::vector<uint8_t> jpeg = encode(layout, kWidth, kHeight);
    parcrop::JpegEntropyIndex index;
    REQUIRE(parcrop::build_jpeg_entropy_index(span(jpeg), 0, &index).is_ok());
    parcrop::SubImage sub;
    REQUIRE(parcrop::extract_indexed_sub_image(span(jpeg), index, 10, 100, 10, 100, &sub).is_ok());

    // Same geometry, other pixels; other geometry; the same file with bytes appended.
    const std::vector<uint8_t> other = encode(layout, kWidth, kHeight, false, 99);
    const std::vector<uint8_t> smaller = encode(layout, kWidth - 16, kHeight);
    const std::vector<uint8_t> gray = encode(kLayouts[4], kWidth, kHeight);
    std::vector<uint8_t> appended = jpeg;
    appended.push_back(0);
    for (const std::vector<uint8_t>* file : std::vector<const std::vector<uint8_t>*>{&other, &smaller, &gray, &appended}) {
        CHECK(parcrop::extract_indexed_sub_image(span(*file), index, 10, 100, 10, 100, &sub).code() ==
              PARCROP_E_CORRUPT);
    }
    // Checkpoints out of order, past the file, missing.
    parcrop::JpegEntropyIndex broken = index;
    std::swap(broken.positions[3], broken.positions[4]);
    CHECK(parcrop::extract_indexed_sub_image(span(jpeg), broken, 10, 100, 10, 100, &sub).code() == PARCROP_E_CORRUPT);
    broken = index;
    broken.end_position = jpeg.size() * 8 + 1;
    CHECK(parcrop::extract_indexed_sub_image(span(jpeg), broken, 10, 100, 10, 100, &sub).code() == PARCROP_E_CORRUPT);
    broken = index;
    broken.positions.pop_back();
    CHECK(parcrop::extract_indexed_sub_image(span(jpeg), broken, 10, 100, 10, 100, &sub).code() == PARCROP_E_CORRUPT);
    // Empty and outside boxes.
    CHECK(parcrop::extract_indexed_sub_image(span(jpeg), index, 10, 10, 0, 5, &sub).code() == PARCROP_E_INVALID_BOX);
    CHECK(parcrop::extract_indexed_sub_image(span(jpeg), index, 0, kWidth + 1, 0, 5, &sub).code() ==
          PARCROP_E_INVALID_BOX);
}

TEST_CASE("files the index does not serve are refused with a status", "[jpeg-index]") {
    const Layout& layout = kLayouts[2];
    const std::vector<uint8_t> pixels = make_photo(kWidth, kHeight, 3, 5).data;
    parcrop::JpegEntropyIndex index;
    JpegOptions options;
    options.progressive = true;
    CHECK(parcrop::build_jpeg_entropy_index(span(encode_jpeg(pixels, kWidth, kHeight, 3, options)), 0, &index).code() ==
          PARCROP_E_UNSUPPORTED);
    options = JpegOptions{};
    options.arithmetic = true;
    CHECK(parcrop::build_jpeg_entropy_index(span(encode_jpeg(pixels, kWidth, kHeight, 3, options)), 0, &index).code() ==
          PARCROP_E_UNSUPPORTED);
    options = JpegOptions{};
    options.restart_rows = 1;
    CHECK(parcrop::build_jpeg_entropy_index(span(encode_jpeg(pixels, kWidth, kHeight, 3, options)), 0, &index).code() ==
          PARCROP_E_UNSUPPORTED);

    // Truncated anywhere in the scan, or its data damaged: a status, never a crash.
    const std::vector<uint8_t> jpeg = encode(layout, kWidth, kHeight);
    REQUIRE(parcrop::build_jpeg_entropy_index(span(jpeg), 0, &index).is_ok());
    const size_t scan = index.scan_data_offset;
    for (size_t n = scan; n < jpeg.size() - 2; n += 97) {
        const parcrop::Status status = parcrop::build_jpeg_entropy_index({jpeg.data(), n}, 0, &index);
        CHECK((status.code() == PARCROP_E_TRUNCATED || status.code() == PARCROP_E_CORRUPT));
    }
    std::vector<uint8_t> marker = jpeg;
    marker[scan + 200] = 0xFF;
    marker[scan + 201] = 0xD9;
    CHECK(parcrop::build_jpeg_entropy_index(span(marker), 0, &index).code() == PARCROP_E_CORRUPT);
    std::vector<uint8_t> codes = jpeg;
    for (size_t i = scan + 100; i < scan + 140; i += 2) {
        codes[i] = 0xFF;
        codes[i + 1] = 0x00;
    }
    CHECK(parcrop::build_jpeg_entropy_index(span(codes), 0, &index).code() == PARCROP_E_CORRUPT);
}

TEST_CASE("CMYK files: four components, crops equal the region path's", "[jpeg-index]") {
    for (const int sampling : {1, 2}) {
        INFO("luma and K sampled " << sampling << "x" << sampling);
        JpegOptions options;
        options.cmyk = true;
        options.h_samp = options.v_samp = sampling;
        const std::vector<uint8_t> jpeg =
            encode_jpeg(make_photo(kWidth, kHeight, 4, 8).data, kWidth, kHeight, 4, options);
        parcrop::JpegEntropyIndex index;
        REQUIRE(parcrop::build_jpeg_entropy_index(span(jpeg), 2, &index).message() == "");
        CHECK(index.components == 4);
        for (const uint32_t denom : {1u, 4u}) {
            for (const Box& box : boxes(kWidth, kHeight, 21, 8)) {
                const Box b = scaled(box, denom, (kWidth + denom - 1) / denom, (kHeight + denom - 1) / denom);
                INFO("1/" << denom << ", x " << b.x0 << ".." << b.x1 << " y " << b.y0 << ".." << b.y1);
                RecordingSink indexed(size_t{b.x1 - b.x0} * 3), region(size_t{b.x1 - b.x0} * 3);
                REQUIRE(decode_indexed(jpeg, index, b, 3, denom, &indexed).message() == "");
                REQUIRE(decode_region(jpeg, b.x0, b.x1, row_range(b.y0, b.y1), 3, denom, &region).is_ok());
                CHECK(indexed.rows == region.rows);
                CHECK(indexed.bytes == region.bytes);
            }
        }
    }
}
