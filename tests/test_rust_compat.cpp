// initialize / parallel_crop_and_resize / destroy, as the Rust library's callers use
// them: the glimpse rule and nearest sampling on lossless files are checked against
// an independent computation from the known source pixels.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "image_fixtures.h"
#include "parcrop.h"
#include "reference_resize.h"
#include "temp_dir.h"

using namespace parcrop_test;

namespace {

// The rule in parcrop.h, written out once more in the test's own words.
void expected_box(uint32_t w, uint32_t h, float x, float y, float scale, float max_pct, uint32_t* x0, uint32_t* y0,
                  uint32_t* cw, uint32_t* ch) {
    const float s = std::min(scale, max_pct);
    *cw = std::min<uint32_t>(w, static_cast<uint32_t>(std::max(2.0f, std::floor(w * s))));
    *ch = std::min<uint32_t>(h, static_cast<uint32_t>(std::max(2.0f, std::floor(h * s))));
    *x0 = std::min(static_cast<uint32_t>(x * static_cast<float>(w)), w - *cw);
    *y0 = std::min(static_cast<uint32_t>(y * static_cast<float>(h)), h - *ch);
}

struct Call {
    std::vector<std::string> paths;
    std::vector<float> scale, x, y;
};

std::vector<uint8_t> call(void* handle, Call& c, uint32_t window, uint32_t chans, float max_pct) {
    std::vector<char*> paths;
    for (std::string& p : c.paths) paths.push_back(p.data());
    // Never empty, so that a zero window still passes a valid pointer.
    std::vector<uint8_t> out(std::max<size_t>(1, c.paths.size() * window * window * chans), 0xCD);
    parallel_crop_and_resize(handle, paths.data(), out.data(), c.scale.data(), c.x.data(), c.y.data(), window, chans,
                             max_pct, paths.size());
    return out;
}

}  // namespace

TEST_CASE("parallel_crop_and_resize reproduces the glimpse rule with nearest sampling", "[rust]") {
    TempDir dir;
    struct Image {
        uint32_t w, h;
        uint8_t color_type;
        uint32_t channels;
    };
    const Image images[] = {{512, 512, 2, 3}, {203, 117, 2, 3}, {4, 3, 2, 3}, {2, 2, 2, 3}, {640, 480, 0, 1}, {1, 9, 0, 1}};
    void* handle = initialize(2, false);
    REQUIRE(handle != nullptr);
    const float xs[] = {0.0f, 0.5f, 1.0f, 0.333f, 0.9f};
    const float scales[] = {0.25f, 0.1f, 0.9f, 0.0f, 0.05f};
    for (const Image& image : images) {
        const PngFixture png = make_png(PngVariant{image.color_type, 8}, image.w, image.h, image.w);
        Call c;
        for (size_t i = 0; i < 5; ++i) {
            c.paths.push_back(dir.write("img" + std::to_string(image.w) + "x" + std::to_string(image.h) + ".png", png.bytes));
            c.x.push_back(xs[i]);
            c.y.push_back(xs[4 - i]);
            c.scale.push_back(scales[i]);
        }
        for (const uint32_t window : {32u, 7u}) {
            const std::vector<uint8_t> out = call(handle, c, window, image.channels, 0.25f);
            const size_t slot = size_t{window} * window * image.channels;
            for (size_t i = 0; i < 5; ++i) {
                INFO(image.w << "x" << image.h << " window " << window << " item " << i);
                uint32_t x0, y0, cw, ch;
                expected_box(image.w, image.h, c.x[i], c.y[i], c.scale[i], 0.25f, &x0, &y0, &cw, &ch);
                CHECK(parcrop_last_item_status(static_cast<parcrop_context*>(handle), i) == PARCROP_OK);
                CHECK(std::vector<uint8_t>(out.begin() + i * slot, out.begin() + (i + 1) * slot) ==
                      reference_nearest(png.expected, x0, y0, cw, ch, window));
            }
        }
    }
    destroy(handle);
}

TEST_CASE("parallel_crop_and_resize converts channels where the original panicked", "[rust]") {
    TempDir dir;
    const PngFixture gray = make_png(PngVariant{0, 8}, 64, 64, 3);
    Call c;
    c.paths = {dir.write("gray.png", gray.bytes)};
    c.x = {0.2f};
    c.y = {0.3f};
    c.scale = {0.25f};
    void* handle = initialize(1, false);
    const std::vector<uint8_t> one = call(handle, c, 16, 1, 0.25f);
    const std::vector<uint8_t> three = call(handle, c, 16, 3, 0.25f);
    for (size_t i = 0; i < one.size(); ++i) {
        REQUIRE(three[3 * i] == one[i]);
        REQUIRE(three[3 * i + 1] == one[i]);
        REQUIRE(three[3 * i + 2] == one[i]);
    }
    destroy(handle);
}

TEST_CASE("parallel_crop_and_resize isolates bad items and records their status", "[rust][bad-input]") {
    TempDir dir;
    const PngFixture png = make_png(PngVariant{2, 8}, 100, 80, 4);
    const std::string good = dir.write("good.png", png.bytes);
    void* handle = initialize(0, false);
    auto* context = static_cast<parcrop_context*>(handle);
    Call c;
    c.paths = {good, dir.path("missing.png"), good, good};
    c.x = {0.1f, 0.1f, std::numeric_limits<float>::quiet_NaN(), 0.5f};
    c.y = {0.1f, 0.1f, 0.5f, 1.5f};
    c.scale = {0.2f, 0.2f, 0.2f, 0.2f};
    const std::vector<uint8_t> out = call(handle, c, 8, 3, 0.25f);
    const size_t slot = 8 * 8 * 3;
    CHECK(parcrop_last_batch_size(context) == 4);
    CHECK(parcrop_last_item_status(context, 0) == PARCROP_OK);
    CHECK(parcrop_last_item_status(context, 1) == PARCROP_E_FILE_NOT_FOUND);
    CHECK(parcrop_last_item_status(context, 2) == PARCROP_E_INVALID_BOX);
    CHECK(parcrop_last_item_status(context, 3) == PARCROP_E_INVALID_BOX);
    for (size_t i = 1; i < 4; ++i) {
        CHECK(std::vector<uint8_t>(out.begin() + i * slot, out.begin() + (i + 1) * slot) == std::vector<uint8_t>(slot, 0));
    }
    uint32_t x0, y0, cw, ch;
    expected_box(100, 80, 0.1f, 0.1f, 0.2f, 0.25f, &x0, &y0, &cw, &ch);
    CHECK(std::vector<uint8_t>(out.begin(), out.begin() + slot) == reference_nearest(png.expected, x0, y0, cw, ch, 8));

    // Whole-call errors: recorded per item, nothing crashes.
    std::vector<uint8_t> sink = call(handle, c, 0, 3, 0.25f);
    CHECK(parcrop_last_item_status(context, 0) == PARCROP_E_INVALID_SIZE);
    sink = call(handle, c, 8, 2, 0.25f);
    CHECK(parcrop_last_item_status(context, 0) == PARCROP_E_INVALID_CHANNELS);
    CHECK(sink == std::vector<uint8_t>(sink.size(), 0));
    parallel_crop_and_resize(handle, nullptr, sink.data(), c.scale.data(), c.x.data(), c.y.data(), 8, 3, 0.25f, 4);
    CHECK(parcrop_last_item_status(context, 0) == PARCROP_E_NULL_ARGUMENT);
    parallel_crop_and_resize(nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, 8, 3, 0.25f, 4);
    parallel_crop_and_resize(handle, nullptr, nullptr, nullptr, nullptr, nullptr, 8, 3, 0.25f, 0);
    destroy(handle);
    destroy(nullptr);
}

TEST_CASE("use_vips selects Lanczos-3, as the namespaced API gives it", "[rust]") {
    TempDir dir;
    const PngFixture png = make_png(PngVariant{2, 8}, 300, 200, 6);
    const std::string path = dir.write("a.png", png.bytes);
    void* handle = initialize(2, true);
    Call c;
    c.paths = {path, path};
    c.x = {0.1f, 0.6f};
    c.y = {0.2f, 0.7f};
    c.scale = {0.25f, 0.2f};
    const std::vector<uint8_t> out = call(handle, c, 32, 3, 0.25f);
    parcrop_crop_params params;
    parcrop_crop_params_init(&params);
    params.filter = PARCROP_FILTER_LANCZOS3;
    std::vector<parcrop_source> sources(2);
    sources[0].path = sources[1].path = path.c_str();
    const std::vector<parcrop_glimpse> glimpses = {{0.1f, 0.2f, 0.25f}, {0.6f, 0.7f, 0.2f}};
    std::vector<uint8_t> expected(out.size());
    std::vector<parcrop_status> items(2);
    REQUIRE(parcrop_crop_glimpses(static_cast<parcrop_context*>(handle), sources.data(), glimpses.data(), 2, 0.25f,
                                  &params, expected.data(), items.data()) == PARCROP_OK);
    CHECK(out == expected);
    destroy(handle);
}
