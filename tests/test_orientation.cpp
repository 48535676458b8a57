// The dihedral math of EXIF orientation and the oriented crop plan, against brute force:
// images turned pixel by pixel, and plans evaluated by a plain two-pass reference.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <memory>
#include <vector>

#include "batch/orientation.h"
#include "decode/png/png_chunks.h"
#include "image_fixtures.h"
#include "parcrop.h"

namespace parcrop {
namespace {

struct Gray {
    uint32_t width = 0, height = 0;
    std::vector<uint8_t> pixels;
    uint8_t at(int64_t x, int64_t y) const { return pixels[static_cast<size_t>(y * width + x)]; }
    uint8_t& at(int64_t x, int64_t y) { return pixels[static_cast<size_t>(y * width + x)]; }
};

Gray make_image(uint32_t width, uint32_t height, uint32_t seed) {
    Gray g{width, height, std::vector<uint8_t>(size_t{width} * height)};
    uint32_t s = seed * 2654435761u + 1;
    for (auto& p : g.pixels) {
        s = s * 1664525u + 1013904223u;
        p = static_cast<uint8_t>(s >> 24);
    }
    return g;
}

// The displayed image of EXIF orientation o, built from the tag's definition, one
// pixel at a time: 2 mirror, 3 rotate 180, 4 flip, 5 mirror then rotate 270 CW,
// 6 rotate 90 CW, 7 mirror then rotate 90 CW, 8 rotate 270 CW.
Gray display_image(const Gray& s, uint32_t o) {
    const bool swap = o >= 5;
    Gray d{swap ? s.height : s.width, swap ? s.width : s.height, std::vector<uint8_t>(s.pixels.size())};
    const int64_t W = s.width, H = s.height;
    for (int64_t y = 0; y < H; ++y) {
        for (int64_t x = 0; x < W; ++x) {
            const uint8_t v = s.at(x, y);
            switch (o) {
                case 1: d.at(x, y) = v; break;
                case 2: d.at(W - 1 - x, y) = v; break;
                case 3: d.at(W - 1 - x, H - 1 - y) = v; break;
                case 4: d.at(x, H - 1 - y) = v; break;
                case 5: d.at(y, x) = v; break;                   // mirror, then 270 CW
                case 6: d.at(H - 1 - y, x) = v; break;           // 90 CW: the left column becomes the top row
                case 7: d.at(H - 1 - y, W - 1 - x) = v; break;   // mirror, then 90 CW
                case 8: d.at(y, W - 1 - x) = v; break;           // 270 CW: the right column becomes the top row
            }
        }
    }
    return d;
}

std::vector<Dihedral> all_dihedrals() {
    std::vector<Dihedral> all;
    for (int i = 0; i < 8; ++i) all.push_back({(i & 4) != 0, (i & 1) != 0, (i & 2) != 0});
    return all;
}

uint8_t clip(int32_t sum) { return static_cast<uint8_t>(std::clamp<int32_t>(sum >> kWeightBits, 0, 255)); }

int32_t tap_sum(const ResampleTaps& taps, uint32_t o, const std::function<uint8_t(uint32_t)>& pixel) {
    int32_t sum = int32_t{1} << (kWeightBits - 1);
    for (uint32_t k = 0; k < taps.count[o]; ++k) sum += pixel(taps.first[o] + k) * taps.weights[o * taps.max_count + k];
    return sum;
}

// What a plan's writer must produce from image s: the region (fill outside the image),
// the two passes in the plan's order with 8-bit clipping between them, then the
// output's placement (flip_rows, transpose). Plain loops, no streaming.
Gray evaluate(const CropPlan& plan, const Gray& s, uint32_t out_h, uint32_t out_w, uint8_t fill) {
    const auto region = [&](uint32_t c, uint32_t r) -> uint8_t {
        const int64_t x = plan.region_x0 + c, y = plan.region_y0 + r;
        const bool inside = plan.x0 != plan.x1 && x >= plan.x0 && x < plan.x1 && y >= plan.y0 && y < plan.y1;
        return inside ? s.at(x, y) : fill;
    };
    const bool nearest = plan.filter == Filter::nearest;
    const uint32_t rows = static_cast<uint32_t>(nearest ? plan.nearest_rows.size() : plan.taps_y.first.size());
    const uint32_t cols = static_cast<uint32_t>(nearest ? plan.nearest_columns.size() : plan.taps_x.first.size());
    Gray q{cols, rows, std::vector<uint8_t>(size_t{rows} * cols)};
    if (nearest) {
        for (uint32_t k = 0; k < rows; ++k)
            for (uint32_t j = 0; j < cols; ++j) q.at(j, k) = region(plan.nearest_columns[j], plan.nearest_rows[k]);
    } else if (!plan.transpose) {
        Gray mid{cols, plan.region_height, std::vector<uint8_t>(size_t{cols} * plan.region_height)};
        for (uint32_t r = 0; r < plan.region_height; ++r)
            for (uint32_t j = 0; j < cols; ++j)
                mid.at(j, r) = clip(tap_sum(plan.taps_x, j, [&](uint32_t c) { return region(c, r); }));
        for (uint32_t k = 0; k < rows; ++k)
            for (uint32_t j = 0; j < cols; ++j)
                q.at(j, k) = clip(tap_sum(plan.taps_y, k, [&](uint32_t r) { return mid.at(j, r); }));
    } else {
        Gray mid{plan.region_width, rows, std::vector<uint8_t>(size_t{rows} * plan.region_width)};
        for (uint32_t k = 0; k < rows; ++k)
            for (uint32_t c = 0; c < plan.region_width; ++c)
                mid.at(c, k) = clip(tap_sum(plan.taps_y, k, [&](uint32_t r) { return region(c, r); }));
        for (uint32_t k = 0; k < rows; ++k)
            for (uint32_t j = 0; j < cols; ++j)
                q.at(j, k) = clip(tap_sum(plan.taps_x, j, [&](uint32_t c) { return mid.at(c, k); }));
    }
    Gray out{out_w, out_h, std::vector<uint8_t>(size_t{out_w} * out_h)};
    REQUIRE(size_t{rows} * cols == out.pixels.size());
    for (uint32_t k = 0; k < rows; ++k) {
        const uint32_t kf = plan.flip_rows ? rows - 1 - k : k;
        for (uint32_t j = 0; j < cols; ++j) {
            if (plan.transpose) {
                out.at(kf, j) = q.at(j, k);
            } else {
                out.at(j, kf) = q.at(j, k);
            }
        }
    }
    return out;
}

}  // namespace

TEST_CASE("display_to_stored names the pixel each orientation shows", "[exif]") {
    const Gray stored = make_image(7, 4, 1);
    for (uint32_t o = 1; o <= 8; ++o) {
        const Gray display = display_image(stored, o);
        const Dihedral d = display_to_stored(o);
        CHECK(d.transpose == (o >= 5));
        for (int64_t y = 0; y < display.height; ++y) {
            for (int64_t x = 0; x < display.width; ++x) {
                const Point p = apply(d, {x, y}, stored.width, stored.height);
                INFO("orientation " << o << " at " << x << "," << y);
                REQUIRE(display.at(x, y) == stored.at(p.x, p.y));
            }
        }
    }
    CHECK(display_to_stored(0).identity());
    CHECK(display_to_stored(9).identity());
}

TEST_CASE("compose is applying one transform after the other", "[exif]") {
    const uint32_t w0 = 5, h0 = 3;
    for (const Dihedral& a : all_dihedrals()) {
        for (const Dihedral& b : all_dihedrals()) {
            const uint32_t w1 = b.transpose ? h0 : w0, h1 = b.transpose ? w0 : h0;
            const uint32_t w2 = a.transpose ? h1 : w1, h2 = a.transpose ? w1 : h1;
            const Dihedral c = compose(a, b);
            for (int64_t y = 0; y < h0; ++y) {
                for (int64_t x = 0; x < w0; ++x) {
                    const Point two = apply(a, apply(b, {x, y}, w1, h1), w2, h2);
                    const Point one = apply(c, {x, y}, w2, h2);
                    REQUIRE(one.x == two.x);
                    REQUIRE(one.y == two.y);
                }
            }
        }
    }
    // The group: the orientations and flips are all eight, and each has an inverse.
    for (const Dihedral& a : all_dihedrals()) {
        int inverses = 0;
        for (const Dihedral& b : all_dihedrals()) inverses += compose(a, b).identity() ? 1 : 0;
        CHECK(inverses == 1);
    }
    CHECK(compose(flip_dihedral(PARCROP_FLIP_HORIZONTAL), flip_dihedral(PARCROP_FLIP_VERTICAL)) ==
          display_to_stored(3));
}

TEST_CASE("stored_box covers the pixels the displayed box covers", "[exif]") {
    const uint32_t W = 9, H = 6;
    const std::vector<parcrop_box> boxes = {{0, 0, 1, 1}, {2, 1, 5, 3}, {0, 0, 6, 9}, {3, 4, 6, 9}};
    for (uint32_t o = 1; o <= 8; ++o) {
        const Dihedral d = display_to_stored(o);
        const uint32_t dw = d.transpose ? H : W, dh = d.transpose ? W : H;
        for (const parcrop_box& box : boxes) {
            if (box.x1 > dw || box.y1 > dh) continue;
            const parcrop_box s = stored_box(d, box, W, H);
            std::vector<int> covered(W * H, 0), expected(W * H, 0);
            for (int64_t y = static_cast<int64_t>(box.y0); y < box.y1; ++y)
                for (int64_t x = static_cast<int64_t>(box.x0); x < box.x1; ++x) {
                    const Point p = apply(d, {x, y}, W, H);
                    covered[p.y * W + p.x] = 1;
                }
            for (int64_t y = static_cast<int64_t>(s.y0); y < s.y1; ++y)
                for (int64_t x = static_cast<int64_t>(s.x0); x < s.x1; ++x) expected[y * W + x] = 1;
            INFO("orientation " << o);
            REQUIRE(covered == expected);
        }
    }
}

TEST_CASE("an oriented plan over the stored image gives the crop of the displayed image", "[exif]") {
    const Gray stored = make_image(23, 14, 7);
    const std::vector<parcrop_box> boxes = {{2, 3, 12, 19}, {0, 0, 14, 23}, {1.5f, 0.25f, 13.75f, 9.5f},
                                            {-3, 5, 8, 27}, {10, -4, 20, 2}};
    const std::vector<std::pair<uint32_t, uint32_t>> sizes = {{5, 7}, {9, 3}, {31, 20}};
    for (const Filter filter : {Filter::nearest, Filter::bilinear, Filter::bicubic, Filter::area, Filter::lanczos3}) {
        for (uint32_t o = 1; o <= 8; ++o) {
            const Dihedral d = display_to_stored(o);
            const Gray display = display_image(stored, o);
            for (uint32_t flip = 0; flip < 4; ++flip) {
                for (const parcrop_box& box : boxes) {
                    const bool pad = box.x0 < 0 || box.y0 < 0 || box.x1 > display.width || box.y1 > display.height;
                    for (const auto& [h, w] : sizes) {
                        OutputShape shape;
                        shape.height = h;
                        shape.width = w;
                        shape.channels = 1;
                        const CropPlan want_plan =
                            plan_crop(box, display.width, display.height, 1, shape, filter, flip, pad);
                        const CropPlan plan =
                            plan_oriented_crop(box, stored.width, stored.height, d, 1, shape, filter, flip, pad);
                        CHECK(plan.transpose == d.transpose);
                        const Gray want = evaluate(want_plan, display, h, w, 77);
                        const Gray got = evaluate(plan, stored, h, w, 77);
                        INFO("filter " << static_cast<int>(filter) << " orientation " << o << " flip " << flip
                                       << " box " << box.x0 << "," << box.y0 << "," << box.x1 << "," << box.y1
                                       << " size " << h << "x" << w);
                        REQUIRE(got.pixels == want.pixels);
                        // The stored region is the displayed one's pixels, and rows stream in order.
                        if (!pad) {
                            const parcrop_box s = stored_box(d, box, stored.width, stored.height);
                            CHECK(plan.region_x0 == static_cast<int64_t>(std::floor(s.x0)));
                            CHECK(plan.region_y0 == static_cast<int64_t>(std::floor(s.y0)));
                        }
                        const std::vector<uint32_t> rows = plan.needed_rows();
                        CHECK(std::is_sorted(rows.begin(), rows.end()));
                        if (plan.transpose && filter != Filter::nearest) {
                            const uint32_t open = transposed_open_rows(plan);
                            CHECK(open >= 1);
                            CHECK(open <= plan.taps_y.first.size());
                        }
                    }
                }
            }
        }
    }
}

TEST_CASE("orientation 1 plans exactly as plan_crop does", "[exif]") {
    const parcrop_box box{1.5f, 2, 17, 9.25f};
    OutputShape shape;
    shape.height = 6;
    shape.width = 11;
    shape.channels = 3;
    const CropPlan a = plan_crop(box, 20, 12, 2, shape, Filter::lanczos3, PARCROP_FLIP_HORIZONTAL, false);
    const CropPlan b = plan_oriented_crop(box, 20, 12, display_to_stored(1), 2, shape, Filter::lanczos3,
                                          PARCROP_FLIP_HORIZONTAL, false);
    CHECK(a.taps_x.weights == b.taps_x.weights);
    CHECK(a.taps_y.first == b.taps_y.first);
    CHECK(a.region_x0 == b.region_x0);
    CHECK(!b.transpose);
}

TEST_CASE("read_orientation finds nothing in other formats and in no bytes", "[exif]") {
    const uint8_t bmp[] = {'B', 'M', 0, 0, 0, 0};
    CHECK(read_orientation(ByteSpan{bmp, sizeof bmp}) == 1);
    CHECK(read_orientation(ByteSpan{}) == 1);
}

namespace {

void put_be32(std::vector<uint8_t>* out, uint32_t v) {
    for (int shift = 24; shift >= 0; shift -= 8) out->push_back(static_cast<uint8_t>(v >> shift));
}

// The PNG with an eXIf chunk after IHDR whose IFD0 holds only `orientation`.
std::vector<uint8_t> with_orientation(const std::vector<uint8_t>& png, uint8_t orientation) {
    const std::vector<uint8_t> tiff = {'M', 'M', 0, 42, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1,
                                       0, orientation, 0, 0, 0, 0, 0, 0};
    std::vector<uint8_t> chunk;
    put_be32(&chunk, static_cast<uint32_t>(tiff.size()));
    for (const char c : {'e', 'X', 'I', 'f'}) chunk.push_back(static_cast<uint8_t>(c));
    chunk.insert(chunk.end(), tiff.begin(), tiff.end());
    put_be32(&chunk, png_crc32(0, chunk.data() + 4, chunk.size() - 4));
    // Signature and IHDR, the chunk, the rest (push_back: gcc 12 misreads range inserts).
    std::vector<uint8_t> out;
    out.reserve(png.size() + chunk.size());
    for (size_t i = 0; i < 33; ++i) out.push_back(png[i]);
    for (const uint8_t b : chunk) out.push_back(b);
    for (size_t i = 33; i < png.size(); ++i) out.push_back(png[i]);
    return out;
}

}  // namespace

TEST_CASE("parcrop_crop_batch with exif: the displayed pixels, checked options", "[exif][api]") {
    const parcrop_test::PngFixture png = parcrop_test::make_png(parcrop_test::PngVariant{2 /* RGB */, 8}, 7, 4, 3);
    parcrop_context* raw = nullptr;
    REQUIRE(parcrop_context_create(nullptr, &raw) == PARCROP_OK);
    std::unique_ptr<parcrop_context, void (*)(parcrop_context*)> context(raw, parcrop_context_destroy);
    for (uint8_t o = 1; o <= 8; ++o) {
        const std::vector<uint8_t> bytes = with_orientation(png.bytes, o);
        const parcrop_source source{nullptr, bytes.data(), bytes.size()};
        const bool swap = o >= 5;
        const uint32_t dw = swap ? 4 : 7, dh = swap ? 7 : 4;
        parcrop_crop_params params;
        parcrop_crop_params_init(&params);
        CHECK(params.exif == PARCROP_EXIF_IGNORE);
        params.out_height = dh;
        params.out_width = dw;
        params.filter = PARCROP_FILTER_NEAREST;
        params.exif = PARCROP_EXIF_APPLY;
        const parcrop_box box{0, 0, static_cast<float>(dw), static_cast<float>(dh)};
        std::vector<uint8_t> out(size_t{dw} * dh * 3);
        parcrop_status status = PARCROP_E_INTERNAL;
        REQUIRE(parcrop_crop_batch(context.get(), &source, &box, 1, &params, out.data(), &status) == PARCROP_OK);
        const Dihedral d = display_to_stored(o);
        for (uint32_t y = 0; y < dh; ++y) {
            for (uint32_t x = 0; x < dw; ++x) {
                const Point p = apply(d, {x, y}, 7, 4);
                INFO("orientation " << int{o} << " at " << x << "," << y);
                REQUIRE(std::equal(out.begin() + (size_t{y} * dw + x) * 3, out.begin() + (size_t{y} * dw + x + 1) * 3,
                                   png.expected.at(static_cast<uint32_t>(p.x), static_cast<uint32_t>(p.y))));
            }
        }
        // A caller of 0.1's struct gets the stored image, whatever the field would say.
        if (swap) {
            params.struct_size = offsetof(parcrop_crop_params, flip);
            REQUIRE(parcrop_crop_batch(context.get(), &source, &box, 1, &params, out.data(), &status) ==
                    PARCROP_ITEMS_FAILED);
            CHECK(status == PARCROP_E_INVALID_BOX);  // 4 x 7 does not fit the stored 7 x 4
        }
    }
    parcrop_crop_params params;
    parcrop_crop_params_init(&params);
    const int bad = 2;
    std::memcpy(&params.exif, &bad, sizeof bad);
    const parcrop_source source{nullptr, png.bytes.data(), png.bytes.size()};
    const parcrop_box box{0, 0, 2, 2};
    std::vector<uint8_t> out(32 * 32 * 3, 0x11);
    parcrop_status status = PARCROP_E_INTERNAL;
    CHECK(parcrop_crop_batch(context.get(), &source, &box, 1, &params, out.data(), &status) ==
          PARCROP_E_INVALID_OPTION);
    CHECK(status == PARCROP_E_INTERNAL);
    CHECK(std::all_of(out.begin(), out.end(), [](uint8_t v) { return v == 0x11; }));
}

}  // namespace parcrop
