// The vectorised passes against the scalar ones, byte for byte, on every instruction
// set compiled in that this CPU runs: random sizes, boxes, filters and pixels. Inputs
// and outputs are exactly as long as the taps need, so that AddressSanitizer sees any
// read or write past them.
#include <catch2/catch.hpp>

#include <algorithm>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "resample/resample.h"

using parcrop::Filter;

namespace {

const Filter kSmoothing[] = {Filter::bilinear, Filter::bicubic, Filter::area, Filter::lanczos3};

struct ForcedTarget {
    explicit ForcedTarget(int64_t target) { parcrop::resample_force_simd_target(target); }
    ~ForcedTarget() { parcrop::resample_force_simd_target(0); }
};

// Extremes often, so that overshooting filters clamp at both ends.
std::vector<uint8_t> random_pixels(std::mt19937& rng, size_t size) {
    std::vector<uint8_t> pixels(size);
    std::uniform_int_distribution<int> pick(0, 7);
    std::uniform_int_distribution<int> value(0, 255);
    for (uint8_t& p : pixels) {
        const int kind = pick(rng);
        p = static_cast<uint8_t>(kind == 0 ? 0 : kind == 1 ? 255 : value(rng));
    }
    return pixels;
}

// As crop_plan does for flipped crops.
void reverse_taps(parcrop::ResampleTaps* taps) {
    std::reverse(taps->first.begin(), taps->first.end());
    std::reverse(taps->count.begin(), taps->count.end());
    const size_t outputs = taps->first.size(), stride = taps->max_count;
    for (size_t o = 0; o < outputs / 2; ++o) {
        std::swap_ranges(taps->weights.begin() + static_cast<long>(o * stride),
                         taps->weights.begin() + static_cast<long>((o + 1) * stride),
                         taps->weights.begin() + static_cast<long>((outputs - 1 - o) * stride));
    }
}

// A box [in0, in1) inside [0, in_size): whole pixels, or fractional ends.
parcrop::ResampleTaps random_taps(std::mt19937& rng, uint32_t in_size, uint32_t out_size, Filter filter) {
    std::uniform_real_distribution<double> unit(0.0, 1.0);
    double in0 = 0.0, in1 = in_size;
    if (unit(rng) < 0.5) {
        in0 = unit(rng) * in_size * 0.5;
        in1 = std::max(in0 + 0.01, in_size - unit(rng) * (in_size - in0) * 0.5);
    }
    parcrop::ResampleTaps taps = parcrop::compute_taps(in0, in1, in_size, out_size, filter);
    if (unit(rng) < 0.25) reverse_taps(&taps);
    return taps;
}

uint32_t random_size(std::mt19937& rng) {
    // Small sizes as often as large: the edges and the vector tails live there.
    std::uniform_int_distribution<uint32_t> small(1, 20), large(1, 600), which(0, 1);
    return which(rng) ? small(rng) : large(rng);
}

}  // namespace

TEST_CASE("SIMD passes match the scalar passes byte for byte on every target", "[resample][simd]") {
    const std::vector<int64_t> targets = parcrop::resample_simd_targets();
    REQUIRE(!targets.empty());
    for (const int64_t target : targets) {
        const std::string name = parcrop::resample_simd_target_name(target);
        INFO("target " << name);
        const ForcedTarget forced(target);
        CHECK(name == parcrop::resample_simd_target());
        std::mt19937 rng(20240601);
        for (int iteration = 0; iteration < 120; ++iteration) {
            for (const Filter filter : kSmoothing) {
                for (const uint32_t channels : {1u, 3u, 4u}) {
                    const uint32_t in_w = random_size(rng), out_w = random_size(rng);
                    const uint32_t in_h = random_size(rng), out_h = random_size(rng);
                    INFO("filter " << static_cast<int>(filter) << ", " << channels << " channels, " << in_w
                                   << "x" << in_h << " -> " << out_w << "x" << out_h);
                    const parcrop::ResampleTaps tx = random_taps(rng, in_w, out_w, filter);
                    const parcrop::ResampleTaps ty = random_taps(rng, in_h, out_h, filter);

                    // The row holds only the pixels the taps reach, on a heap block of
                    // its own.
                    uint32_t extent = 0;
                    for (size_t o = 0; o < tx.first.size(); ++o) extent = std::max(extent, tx.first[o] + tx.count[o]);
                    const std::vector<uint8_t> row = random_pixels(rng, size_t{extent} * channels);
                    std::vector<uint8_t> simd(size_t{out_w} * channels), scalar(simd.size());
                    parcrop::resample_row(row.data(), channels, tx, simd.data());
                    parcrop::resample_row_scalar(row.data(), channels, tx, scalar.data());
                    REQUIRE(simd == scalar);

                    const uint32_t width_bytes = out_w * channels;
                    std::vector<std::vector<uint8_t>> rows(in_h);
                    for (auto& r : rows) r = random_pixels(rng, width_bytes);
                    std::vector<const uint8_t*> taps_rows(ty.max_count);
                    for (uint32_t o = 0; o < out_h; ++o) {
                        for (uint32_t k = 0; k < ty.count[o]; ++k) taps_rows[k] = rows[ty.first[o] + k].data();
                        std::vector<uint8_t> simd_out(width_bytes), scalar_out(width_bytes);
                        parcrop::resample_column(taps_rows.data(), width_bytes, ty, o, simd_out.data());
                        parcrop::resample_column_scalar(taps_rows.data(), width_bytes, ty, o, scalar_out.data());
                        INFO("output row " << o);
                        REQUIRE(simd_out == scalar_out);
                    }
                }
            }
        }
    }
}

TEST_CASE("SIMD passes clamp the extreme sums as the scalar passes do", "[resample][simd]") {
    // Alternating black and white under Lanczos' negative lobes overshoots both ends.
    for (const int64_t target : parcrop::resample_simd_targets()) {
        INFO("target " << parcrop::resample_simd_target_name(target));
        const ForcedTarget forced(target);
        for (const uint32_t channels : {1u, 3u, 4u}) {
            for (const uint32_t in_size : {2u, 9u, 64u, 333u}) {
                for (const uint32_t out_size : {1u, 3u, 17u, 100u, 700u}) {
                    const parcrop::ResampleTaps taps = parcrop::compute_taps(0, in_size, in_size, out_size,
                                                                             Filter::lanczos3);
                    std::vector<uint8_t> row(size_t{in_size} * channels);
                    for (size_t i = 0; i < row.size(); ++i) row[i] = (i / channels) % 2 ? 255 : 0;
                    std::vector<uint8_t> simd(size_t{out_size} * channels), scalar(simd.size());
                    parcrop::resample_row(row.data(), channels, taps, simd.data());
                    parcrop::resample_row_scalar(row.data(), channels, taps, scalar.data());
                    REQUIRE(simd == scalar);

                    std::vector<const uint8_t*> rows(taps.max_count);
                    std::vector<uint8_t> black(row.size(), 0), white(row.size(), 255);
                    for (uint32_t o = 0; o < out_size; ++o) {
                        for (uint32_t k = 0; k < taps.count[o]; ++k) {
                            rows[k] = (taps.first[o] + k) % 2 ? white.data() : black.data();
                        }
                        std::vector<uint8_t> simd_out(row.size()), scalar_out(row.size());
                        parcrop::resample_column(rows.data(), static_cast<uint32_t>(row.size()), taps, o,
                                                 simd_out.data());
                        parcrop::resample_column_scalar(rows.data(), static_cast<uint32_t>(row.size()), taps, o,
                                                        scalar_out.data());
                        REQUIRE(simd_out == scalar_out);
                    }
                }
            }
        }
    }
}

TEST_CASE("SIMD row pass matches the scalar pass on arbitrary taps", "[resample][simd]") {
    // Taps compute_taps never makes: strides 1..24 with counts differing within a
    // group of outputs, first[] in any order, outputs reading the row's last pixel,
    // and weights up to 2^22 in magnitude of either sign (their absolute sum kept
    // within 2^23 so that the scalar sums stay within int32).
    std::mt19937 rng(20240602);
    std::uniform_int_distribution<int> coin(0, 3);
    for (const int64_t target : parcrop::resample_simd_targets()) {
        INFO("target " << parcrop::resample_simd_target_name(target));
        const ForcedTarget forced(target);
        for (int iteration = 0; iteration < 400; ++iteration) {
            const uint32_t stride = 1 + static_cast<uint32_t>(iteration % 24);
            const uint32_t in_size = stride + std::uniform_int_distribution<uint32_t>(0, 80)(rng);
            const uint32_t out_size = std::uniform_int_distribution<uint32_t>(1, 70)(rng);
            parcrop::ResampleTaps taps;
            taps.max_count = stride;
            taps.first.resize(out_size);
            taps.count.resize(out_size);
            taps.weights.assign(size_t{out_size} * stride, 0);
            const int32_t limit = std::min<int32_t>(int32_t{1} << 22, (int32_t{1} << 23) / static_cast<int32_t>(stride));
            std::uniform_int_distribution<int32_t> weight(-limit + 1, limit - 1);
            for (uint32_t o = 0; o < out_size; ++o) {
                const uint32_t n = coin(rng) == 0 ? stride : std::uniform_int_distribution<uint32_t>(1, stride)(rng);
                const int kind = coin(rng);
                const uint32_t f = kind == 0 ? in_size - n
                                   : kind == 1 ? std::min(in_size - n, o * in_size / out_size)
                                               : std::uniform_int_distribution<uint32_t>(0, in_size - n)(rng);
                taps.first[o] = f;
                taps.count[o] = n;
                for (uint32_t k = 0; k < n; ++k) {
                    const int pick = coin(rng);
                    taps.weights[size_t{o} * stride + k] =
                        pick == 0 ? limit - 1 : pick == 1 ? -(limit - 1) : weight(rng);
                }
            }
            if (coin(rng) == 0) reverse_taps(&taps);
            for (const uint32_t channels : {3u, 4u}) {
                INFO(channels << " channels, stride " << stride << ", " << in_size << " -> " << out_size);
                uint32_t extent = 0;
                for (uint32_t o = 0; o < out_size; ++o) extent = std::max(extent, taps.first[o] + taps.count[o]);
                const std::vector<uint8_t> row = random_pixels(rng, size_t{extent} * channels);
                std::vector<uint8_t> simd(size_t{out_size} * channels), scalar(simd.size());
                parcrop::resample_row(row.data(), channels, taps, simd.data());
                parcrop::resample_row_scalar(row.data(), channels, taps, scalar.data());
                REQUIRE(simd == scalar);
            }
        }
    }
}

TEST_CASE("SIMD row pass matches the scalar pass on downscales that end at the row's end",
          "[resample][simd]") {
    // Whole rows and boxes flush with the right edge, so that the last outputs read
    // the last pixel, at the scales of batch resizes.
    for (const int64_t target : parcrop::resample_simd_targets()) {
        INFO("target " << parcrop::resample_simd_target_name(target));
        const ForcedTarget forced(target);
        std::mt19937 rng(20240603);
        for (const Filter filter : kSmoothing) {
            for (const uint32_t in_size : {224u, 333u, 375u, 500u, 640u, 1000u}) {
                for (const uint32_t out_size : {4u, 5u, 8u, 99u, 112u, 224u, 256u}) {
                    for (const double in0 : {0.0, 0.5, 17.25}) {
                        parcrop::ResampleTaps taps = parcrop::compute_taps(in0, in_size, in_size, out_size, filter);
                        if (in0 == 0.5) reverse_taps(&taps);
                        for (const uint32_t channels : {3u, 4u}) {
                            INFO("filter " << static_cast<int>(filter) << ", " << channels << " channels, "
                                           << in_size << " -> " << out_size << " from " << in0);
                            uint32_t extent = 0;
                            for (size_t o = 0; o < taps.first.size(); ++o) {
                                extent = std::max(extent, taps.first[o] + taps.count[o]);
                            }
                            const std::vector<uint8_t> row = random_pixels(rng, size_t{extent} * channels);
                            std::vector<uint8_t> simd(size_t{out_size} * channels), scalar(simd.size());
                            parcrop::resample_row(row.data(), channels, taps, simd.data());
                            parcrop::resample_row_scalar(row.data(), channels, taps, scalar.data());
                            REQUIRE(simd == scalar);
                        }
                    }
                }
            }
        }
    }
}

TEST_CASE("A RowResampler keeps the taps it was built from", "[resample][simd]") {
    // crop_plan and orientation reverse taps in place; a resampler built before that
    // must go on giving the unreversed taps' bytes, row after row, on every target.
    for (const int64_t target : parcrop::resample_simd_targets()) {
        INFO("target " << parcrop::resample_simd_target_name(target));
        const ForcedTarget forced(target);
        std::mt19937 rng(20240604);
        for (const uint32_t channels : {1u, 3u, 4u}) {
            for (const uint32_t in_size : {150u, 320u, 500u, 2000u}) {
                parcrop::ResampleTaps taps = parcrop::compute_taps(3.5, in_size - 2.25, in_size, 224, Filter::bilinear);
                const parcrop::ResampleTaps original = taps;
                const parcrop::RowResampler horizontal(taps, channels);
                reverse_taps(&taps);
                for (int row_index = 0; row_index < 3; ++row_index) {
                    INFO(channels << " channels, " << in_size << " -> 224, row " << row_index);
                    const std::vector<uint8_t> row = random_pixels(rng, size_t{in_size} * channels);
                    std::vector<uint8_t> simd(size_t{224} * channels), scalar(simd.size());
                    horizontal(row.data(), simd.data());
                    parcrop::resample_row_scalar(row.data(), channels, original, scalar.data());
                    REQUIRE(simd == scalar);
                }
            }
        }
    }
}
