// Resampling kernels on cases whose answer is known analytically, and against a
// direct double-precision evaluation of the same filters.
#include <catch2/catch.hpp>

#include <cmath>
#include <vector>

#include "resample/resample.h"

using parcrop::Filter;

namespace {

const Filter kSmoothing[] = {Filter::bilinear, Filter::bicubic, Filter::area, Filter::lanczos3};

std::vector<uint8_t> resize_row(const std::vector<uint8_t>& in, double in0, double in1, uint32_t out_size,
                                Filter filter) {
    const parcrop::ResampleTaps taps =
        parcrop::compute_taps(in0, in1, static_cast<uint32_t>(in.size()), out_size, filter);
    std::vector<uint8_t> out(out_size);
    parcrop::resample_row(in.data(), 1, taps, out.data());
    return out;
}

}  // namespace

TEST_CASE("a constant row stays constant under every filter and scale", "[resample]") {
    for (const Filter filter : kSmoothing) {
        for (const uint32_t in_size : {1u, 7u, 64u, 1000u}) {
            for (const uint32_t out_size : {1u, 5u, 32u, 300u}) {
                const std::vector<uint8_t> out =
                    resize_row(std::vector<uint8_t>(in_size, 173), 0, in_size, out_size, filter);
                for (const uint8_t v : out) REQUIRE(int{v} == 173);
            }
        }
    }
}

TEST_CASE("taps are normalised to exactly one", "[resample]") {
    for (const Filter filter : kSmoothing) {
        const parcrop::ResampleTaps taps = parcrop::compute_taps(0.3, 97.6, 98, 13, filter);
        for (size_t o = 0; o < taps.first.size(); ++o) {
            int64_t sum = 0;
            for (uint32_t k = 0; k < taps.count[o]; ++k) sum += taps.weights[o * taps.max_count + k];
            CHECK(std::llabs(sum - (int64_t{1} << parcrop::kWeightBits)) <= int64_t{taps.count[o]});
        }
    }
}

TEST_CASE("a linear ramp stays a ramp within rounding", "[resample]") {
    // in[x] = 2x: the symmetric kernels centred at c = (o + 0.5) * scale give 2 (c - 0.5),
    // away from the edges where the kernel is clipped.
    std::vector<uint8_t> ramp(128);
    for (uint32_t x = 0; x < 128; ++x) ramp[x] = static_cast<uint8_t>(2 * x);
    for (const Filter filter : kSmoothing) {
        for (const uint32_t out_size : {32u, 50u, 200u}) {
            const std::vector<uint8_t> out = resize_row(ramp, 0, 128, out_size, filter);
            const double scale = 128.0 / out_size;
            for (uint32_t o = 0; o < out_size; ++o) {
                const double centre = (o + 0.5) * scale;
                const double reach = std::max(scale, 1.0) * 3 + 1;
                if (centre < reach || centre > 128 - reach) continue;
                INFO("filter " << static_cast<int>(filter) << " out " << out_size << " o " << o);
                CHECK(std::fabs(out[o] - 2 * (centre - 0.5)) <= 1.0);
            }
        }
    }
}

TEST_CASE("area filter averages whole blocks", "[resample]") {
    const std::vector<uint8_t> in = {0, 10, 20, 30, 100, 100, 200, 0};
    const std::vector<uint8_t> out = resize_row(in, 0, 8, 2, Filter::area);
    CHECK(int{out[0]} == 15);   // (0 + 10 + 20 + 30) / 4
    CHECK(int{out[1]} == 100);  // (100 + 100 + 200 + 0) / 4
}

TEST_CASE("nearest picks floor(x0 + (o + 0.5) * scale)", "[resample]") {
    CHECK(parcrop::nearest_indices(0, 10, 10, 4) == std::vector<uint32_t>{1, 3, 6, 8});
    CHECK(parcrop::nearest_indices(0, 2, 2, 5) == std::vector<uint32_t>{0, 0, 1, 1, 1});
    // A fractional box origin shifts the picks; indices stay inside the region.
    CHECK(parcrop::nearest_indices(0.75f, 4.75f, 5, 4) == std::vector<uint32_t>{1, 2, 3, 4});
    CHECK(parcrop::nearest_indices(0, 3, 3, 1) == std::vector<uint32_t>{1});
}

TEST_CASE("separable passes match a double-precision evaluation within one level", "[resample]") {
    // A textured 40x30 gray image, shrunk to 13x9 and enlarged to 57x41.
    constexpr uint32_t w = 40, h = 30;
    std::vector<uint8_t> image(w * h);
    for (uint32_t y = 0; y < h; ++y) {
        for (uint32_t x = 0; x < w; ++x) {
            image[y * w + x] = static_cast<uint8_t>(128 + 60 * std::sin(x * 0.7) * std::cos(y * 0.4) + 30 * std::sin(x * y * 0.05));
        }
    }
    for (const Filter filter : kSmoothing) {
        for (const auto& [ow, oh] : {std::pair<uint32_t, uint32_t>{13, 9}, {57, 41}}) {
            const parcrop::ResampleTaps tx = parcrop::compute_taps(0, w, w, ow, filter);
            const parcrop::ResampleTaps ty = parcrop::compute_taps(0, h, h, oh, filter);
            std::vector<uint8_t> rows(size_t{h} * ow);
            for (uint32_t y = 0; y < h; ++y) parcrop::resample_row(&image[y * w], 1, tx, &rows[y * ow]);
            std::vector<uint8_t> out(size_t{oh} * ow);
            for (uint32_t o = 0; o < oh; ++o) {
                std::vector<const uint8_t*> ptrs;
                for (uint32_t k = 0; k < ty.count[o]; ++k) ptrs.push_back(&rows[(ty.first[o] + k) * ow]);
                parcrop::resample_column(ptrs.data(), ow, ty, o, &out[o * ow]);
            }
            // Reference: the same weights in double, without intermediate rounding.
            for (uint32_t oy = 0; oy < oh; ++oy) {
                for (uint32_t ox = 0; ox < ow; ++ox) {
                    double sum = 0;
                    for (uint32_t ky = 0; ky < ty.count[oy]; ++ky) {
                        const double wy = ty.weights[oy * ty.max_count + ky] / double(1 << parcrop::kWeightBits);
                        for (uint32_t kx = 0; kx < tx.count[ox]; ++kx) {
                            const double wx = tx.weights[ox * tx.max_count + kx] / double(1 << parcrop::kWeightBits);
                            sum += wy * wx * image[(ty.first[oy] + ky) * w + tx.first[ox] + kx];
                        }
                    }
                    const double expected = std::min(255.0, std::max(0.0, sum));
                    INFO("filter " << static_cast<int>(filter) << " at " << ox << "," << oy);
                    REQUIRE(std::fabs(out[oy * ow + ox] - expected) <= 1.5);
                }
            }
        }
    }
}
