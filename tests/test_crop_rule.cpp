// The glimpse rule of parallel_image_crop, checked against boxes worked out by hand.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>

#include "batch/crop_plan.h"

namespace {

struct Case {
    const char* why;
    uint32_t width, height;
    float x, y, scale, max_img_percent;
    float x0, y0, x1, y1;
};

}  // namespace

TEST_CASE("glimpse boxes follow the Rust crop rule", "[crop-rule]") {
    const Case cases[] = {
        {"centre, quarter", 100, 100, 0.5f, 0.5f, 0.25f, 0.25f, 50, 50, 75, 75},
        {"x and y 1.0 clamp to the far edge", 100, 100, 1.0f, 1.0f, 0.1f, 0.25f, 90, 90, 100, 100},
        {"scale above max_img_percent is capped", 100, 100, 0.0f, 0.0f, 0.9f, 0.25f, 0, 0, 25, 25},
        {"scale 0 gives the 2-pixel minimum", 100, 100, 0.3f, 0.3f, 0.0f, 0.25f, 30, 30, 32, 32},
        {"1x1 image: crop clamped to the image", 1, 1, 0.5f, 0.5f, 0.25f, 0.25f, 0, 0, 1, 1},
        {"2x3 image, far corner", 2, 3, 1.0f, 1.0f, 0.25f, 0.25f, 0, 1, 2, 3},
        {"1-pixel-wide image", 1, 40, 0.9f, 0.5f, 0.25f, 0.25f, 0, 20, 1, 30},
        // 640 * 0.2f = 128.0000019 in float32 rounds to 128; 0.33f * 640 = 211.2 -> 211.
        {"non-square, truncating casts", 640, 480, 0.33f, 0.77f, 0.2f, 0.25f, 211, 369, 339, 465},
        {"crop larger than the image is the image", 100, 100, 0.5f, 0.5f, 2.0f, 1.5f, 0, 0, 100, 100},
    };
    for (const Case& c : cases) {
        INFO(c.why);
        parcrop_box box{};
        REQUIRE(parcrop::glimpse_box(c.width, c.height, {c.x, c.y, c.scale}, c.max_img_percent, &box).is_ok());
        CHECK(box.x0 == c.x0);
        CHECK(box.y0 == c.y0);
        CHECK(box.x1 == c.x1);
        CHECK(box.y1 == c.y1);
    }
}

TEST_CASE("invalid glimpses are refused with PARCROP_E_INVALID_BOX", "[crop-rule]") {
    const float nan = std::numeric_limits<float>::quiet_NaN();
    const float inf = std::numeric_limits<float>::infinity();
    const parcrop_glimpse bad[] = {{nan, 0.5f, 0.2f}, {0.5f, nan, 0.2f}, {0.5f, 0.5f, nan}, {-0.1f, 0.5f, 0.2f},
                                   {1.1f, 0.5f, 0.2f}, {0.5f, inf, 0.2f}, {0.5f, 0.5f, inf}, {0.5f, 0.5f, -1.0f}};
    for (const parcrop_glimpse& g : bad) {
        parcrop_box box{};
        CHECK(parcrop::glimpse_box(100, 100, g, 0.25f, &box).code() == PARCROP_E_INVALID_BOX);
    }
    parcrop_box box{};
    CHECK(parcrop::glimpse_box(100, 100, {0.5f, 0.5f, 0.2f}, nan, &box).code() == PARCROP_E_INVALID_BOX);
}

TEST_CASE("pixel boxes must be finite, non-empty and inside the image", "[crop-rule]") {
    CHECK(parcrop::check_box({0, 0, 10, 10}, 10, 10).is_ok());
    CHECK(parcrop::check_box({0.5f, 0.25f, 9.5f, 3.75f}, 10, 10).is_ok());
    CHECK(parcrop::check_box({5, 0, 5, 10}, 10, 10).code() == PARCROP_E_INVALID_BOX);
    CHECK(parcrop::check_box({-1, 0, 5, 10}, 10, 10).code() == PARCROP_E_INVALID_BOX);
    CHECK(parcrop::check_box({0, 0, 10.5f, 10}, 10, 10).code() == PARCROP_E_INVALID_BOX);
    CHECK(parcrop::check_box({0, 0, std::nanf(""), 10}, 10, 10).code() == PARCROP_E_INVALID_BOX);
}

TEST_CASE("DCT reduction keeps at least twice the output size", "[crop-rule]") {
    parcrop::OutputShape shape;
    shape.height = shape.width = 32;
    CHECK(parcrop::choose_scale_denom({0, 0, 1000, 1000}, shape, 8) == 8);  // 125 >= 64
    CHECK(parcrop::choose_scale_denom({0, 0, 500, 500}, shape, 8) == 4);    // 125 >= 64, 62.5 < 64
    CHECK(parcrop::choose_scale_denom({0, 0, 127, 127}, shape, 8) == 1);
    CHECK(parcrop::choose_scale_denom({0, 0, 1000, 130}, shape, 8) == 2);   // the short side decides
    CHECK(parcrop::choose_scale_denom({0, 0, 1000, 1000}, shape, 1) == 1);  // codec cannot scale
}
