// What a batch promises about damaged input, for every format, through the public API:
// an item's status and pixels depend only on its own source and box (not on the other
// items of the batch, not on what was decoded before, not on the thread count).
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "image_fixtures.h"
#include "jpeg_fixtures.h"
#include "parcrop.h"

using namespace parcrop_test;

namespace {

constexpr uint32_t kWidth = 96, kHeight = 80;
constexpr uint8_t kPngRgb = 2, kPngRgba = 6;  // PNG colour types

struct NamedImage {
    std::string name;
    std::vector<uint8_t> bytes;
};

// One valid file of every format and layout parcrop reads, kWidth x kHeight.
std::vector<NamedImage> every_format() {
    const Pixels rgb = make_photo(kWidth, kHeight, 3, 21);
    const Pixels rgba = make_photo(kWidth, kHeight, 4, 22);
    JpegOptions progressive;
    progressive.progressive = true;
    JpegOptions restarts;
    restarts.restart_mcus = 2;
    return {
        {"jpeg", encode_jpeg(rgb.data, kWidth, kHeight, 3, JpegOptions{})},
        {"jpeg-progressive", encode_jpeg(rgb.data, kWidth, kHeight, 3, progressive)},
        {"jpeg-restart-markers", encode_jpeg(rgb.data, kWidth, kHeight, 3, restarts)},
        {"png", make_png(PngVariant{kPngRgb, 8}, kWidth, kHeight, 23).bytes},
        {"png-interlaced", make_png(PngVariant{kPngRgba, 8, false, true}, kWidth, kHeight, 24).bytes},
        {"bmp", encode_bmp(rgb)},
        {"bmp-32", encode_bmp(rgba)},
        {"tga", encode_tga_raw(rgba)},
        {"tga-rle", encode_tga_rle(rgb)},
        {"pnm", encode_pnm(rgb, false)},
        {"psd", encode_psd(rgb, true)},
        {"gif", make_gif(kWidth, kHeight, 25, -1).bytes},
        {"hdr", make_hdr(kWidth, kHeight, 26).bytes},
        {"webp", encode_webp(rgb, false)},
        {"webp-lossless-alpha", encode_webp(rgba, true)},
    };
}

using ContextPtr = std::unique_ptr<parcrop_context, decltype(&parcrop_context_destroy)>;

ContextPtr make_context(uint32_t threads) {
    parcrop_options options;
    parcrop_options_init(&options);
    options.num_threads = threads;
    parcrop_context* context = nullptr;
    REQUIRE(parcrop_context_create(&options, &context) == PARCROP_OK);
    return ContextPtr(context, parcrop_context_destroy);
}

struct Item {
    const std::vector<uint8_t>* bytes;
    parcrop_box box;
};

struct Outcome {
    std::vector<parcrop_status> status;
    std::vector<std::vector<uint8_t>> crops;
};

constexpr uint32_t kOut = 16;

Outcome crop(parcrop_context* context, const std::vector<Item>& items, parcrop_filter filter = PARCROP_FILTER_BILINEAR) {
    std::vector<parcrop_source> sources(items.size());
    std::vector<parcrop_box> boxes(items.size());
    for (size_t i = 0; i < items.size(); ++i) {
        sources[i].data = items[i].bytes->data();
        sources[i].size = items[i].bytes->size();
        boxes[i] = items[i].box;
    }
    parcrop_crop_params params;
    parcrop_crop_params_init(&params);
    params.out_height = kOut;
    params.out_width = kOut;
    params.out_channels = 4;
    params.filter = filter;
    const size_t slot = size_t{kOut} * kOut * 4;
    std::vector<uint8_t> out(items.size() * slot, 0xAB);
    Outcome outcome;
    outcome.status.assign(items.size(), PARCROP_E_INTERNAL);
    parcrop_crop_batch(context, sources.data(), boxes.data(), items.size(), &params, out.data(), outcome.status.data());
    for (size_t i = 0; i < items.size(); ++i) {
        outcome.crops.emplace_back(out.begin() + static_cast<long>(i * slot), out.begin() + static_cast<long>((i + 1) * slot));
    }
    return outcome;
}

// A strip at the top, one at the bottom, and the whole image: whichever end of the file
// a format stores first, one strip lies before the damage of a cut file.
const std::vector<parcrop_box> kBoxes = {
    {3, 0, 90, 12}, {0, 68, 96, 80}, {0, 0, 96, 80}};

}  // namespace

TEST_CASE("a crop of a damaged file gives what it gives alone, whatever else the batch takes from it", "[untrusted]") {
    auto context = make_context(2);
    int formats_with_a_good_and_a_bad_crop = 0;
    for (const NamedImage& image : every_format()) {
        for (const double kept : {0.3, 0.6, 0.9}) {
            const std::vector<uint8_t> cut(image.bytes.begin(), image.bytes.begin() + static_cast<long>(image.bytes.size() * kept));
            std::vector<Outcome> alone;
            for (const parcrop_box& box : kBoxes) alone.push_back(crop(context.get(), {{&cut, box}}));
            bool good = false, bad = false;
            for (const Outcome& outcome : alone) (outcome.status[0] == PARCROP_OK ? good : bad) = true;
            if (good && bad && kept == 0.6) ++formats_with_a_good_and_a_bad_crop;
            for (size_t a = 0; a < kBoxes.size(); ++a) {
                for (size_t b = 0; b < kBoxes.size(); ++b) {
                    if (a == b) continue;
                    INFO(image.name << " cut to " << cut.size() << " bytes, boxes " << a << " and " << b);
                    const Outcome together = crop(context.get(), {{&cut, kBoxes[a]}, {&cut, kBoxes[b]}});
                    CHECK(together.status[0] == alone[a].status[0]);
                    CHECK(together.status[1] == alone[b].status[0]);
                    CHECK(together.crops[0] == alone[a].crops[0]);
                    CHECK(together.crops[1] == alone[b].crops[0]);
                }
            }
        }
    }
    // The property is only tested where a cut file has both kinds of crop: formats that
    // stream rows (JPEG, PNG, BMP, TGA, HDR, GIF) must give that.
    CHECK(formats_with_a_good_and_a_bad_crop >= 6);
}

TEST_CASE("every format gives the same bytes after other decodes and on 1 or 2 threads", "[untrusted]") {
    const std::vector<NamedImage> images = every_format();
    // Each file whole and cut short, each with every box: good and failing items mixed.
    std::vector<std::vector<uint8_t>> inputs;
    for (const NamedImage& image : images) {
        inputs.push_back(image.bytes);
        inputs.emplace_back(image.bytes.begin(), image.bytes.begin() + static_cast<long>(image.bytes.size() * 2 / 3));
    }
    std::vector<Item> items;
    for (const auto& input : inputs) {
        for (const parcrop_box& box : kBoxes) items.push_back({&input, box});
    }
    for (const parcrop_filter filter : {PARCROP_FILTER_NEAREST, PARCROP_FILTER_BILINEAR}) {
        auto one = make_context(1);
        auto two = make_context(2);
        const Outcome first = crop(one.get(), items, filter);
        std::vector<Item> reversed(items.rbegin(), items.rend());
        const Outcome in_between = crop(two.get(), reversed, filter);
        const Outcome again_one = crop(one.get(), items, filter);
        const Outcome again_two = crop(two.get(), items, filter);
        for (size_t i = 0; i < items.size(); ++i) {
            INFO(images[i / kBoxes.size() / 2].name << (i / kBoxes.size() % 2 ? " cut" : "") << ", box " << i % kBoxes.size()
                                                    << ", filter " << filter);
            CHECK(again_one.status[i] == first.status[i]);
            CHECK(again_two.status[i] == first.status[i]);
            CHECK(in_between.status[items.size() - 1 - i] == first.status[i]);
            CHECK(again_one.crops[i] == first.crops[i]);
            CHECK(again_two.crops[i] == first.crops[i]);
            CHECK(in_between.crops[items.size() - 1 - i] == first.crops[i]);
            if (i / kBoxes.size() % 2 == 0) CHECK(first.status[i] == PARCROP_OK);
        }
    }
}
