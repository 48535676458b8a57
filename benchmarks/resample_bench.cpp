// Nanoseconds per output pixel of the two resampling passes, scalar against each SIMD
// target this CPU runs, for whole images resized to 224x224 with the bilinear filter
// as a batch does it: every source row through the horizontal pass (one RowResampler
// per image, as per item in a batch) into an 8-bit intermediate, then the vertical
// pass once per output row. Median of several runs. Besides whole 500x375 and
// 2560x1600 images, two box sizes that RandomResizedCrop draws from a 500x375 image
// (an upscale and a mild downscale).
//
//   resample_bench [runs]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <vector>

#include "resample/resample.h"

namespace {

using Clock = std::chrono::steady_clock;

struct Case {
    uint32_t in_w, in_h, out_w, out_h;
};

struct Timing {
    double row_ns, column_ns;  // per output pixel
};

template <typename RowFn, typename ColumnFn>
Timing time_once(const Case& c, uint32_t channels, const parcrop::ResampleTaps& tx, const parcrop::ResampleTaps& ty,
                 const std::vector<uint8_t>& image, std::vector<uint8_t>& intermediate, std::vector<uint8_t>& out,
                 RowFn row, ColumnFn column) {
    const size_t in_row = size_t{c.in_w} * channels, mid_row = size_t{c.out_w} * channels;
    const auto t0 = Clock::now();
    for (uint32_t y = 0; y < c.in_h; ++y) row(image.data() + y * in_row, channels, tx, intermediate.data() + y * mid_row);
    const auto t1 = Clock::now();
    std::vector<const uint8_t*> rows(ty.max_count);
    for (uint32_t o = 0; o < c.out_h; ++o) {
        for (uint32_t k = 0; k < ty.count[o]; ++k) rows[k] = intermediate.data() + (ty.first[o] + k) * mid_row;
        column(rows.data(), static_cast<uint32_t>(mid_row), ty, o, out.data() + o * mid_row);
    }
    const auto t2 = Clock::now();
    const double pixels = double(c.out_w) * c.out_h;
    return {std::chrono::duration<double, std::nano>(t1 - t0).count() / pixels,
            std::chrono::duration<double, std::nano>(t2 - t1).count() / pixels};
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
    const int runs = argc > 1 ? std::max(1, std::atoi(argv[1])) : 31;
    std::printf("dispatch chooses %s; median of %d runs; ns per output pixel (row + column = total)\n",
                parcrop::resample_simd_target(), runs);
    const Case cases[] = {{500, 375, 224, 224}, {160, 140, 224, 224}, {320, 280, 224, 224}, {2560, 1600, 224, 224}};
    const std::vector<int64_t> targets = parcrop::resample_simd_targets();
    std::mt19937 rng(7);
    for (const Case& c : cases) {
        for (const uint32_t channels : {1u, 3u, 4u}) {
            const auto tx = parcrop::compute_taps(0, c.in_w, c.in_w, c.out_w, parcrop::Filter::bilinear);
            const auto ty = parcrop::compute_taps(0, c.in_h, c.in_h, c.out_h, parcrop::Filter::bilinear);
            std::vector<uint8_t> image(size_t{c.in_w} * c.in_h * channels);
            for (uint8_t& p : image) p = static_cast<uint8_t>(rng());
            std::vector<uint8_t> intermediate(size_t{c.out_w} * c.in_h * channels);
            std::vector<uint8_t> out(size_t{c.out_w} * c.out_h * channels), reference(out.size());

            const auto report = [&](const char* name, auto row, auto column, double* total) {
                std::vector<double> rows_ns, columns_ns, totals;
                for (int r = 0; r < runs; ++r) {
                    const Timing t = time_once(c, channels, tx, ty, image, intermediate, out, row, column);
                    rows_ns.push_back(t.row_ns);
                    columns_ns.push_back(t.column_ns);
                    totals.push_back(t.row_ns + t.column_ns);
                }
                *total = median(totals);
                std::printf("  %-8s %7.2f + %6.2f = %7.2f", name, median(rows_ns), median(columns_ns), *total);
            };
            std::printf("%ux%u -> %ux%u, %u channel%s, %u x taps, %u y taps\n", c.in_w, c.in_h, c.out_w, c.out_h,
                        channels, channels == 1 ? "" : "s", tx.max_count, ty.max_count);
            double scalar_total = 0;
            report("scalar", parcrop::resample_row_scalar, parcrop::resample_column_scalar, &scalar_total);
            std::printf("\n");
            reference = out;
            for (const int64_t target : targets) {
                parcrop::resample_force_simd_target(target);
                const parcrop::RowResampler horizontal(tx, channels);
                const auto row = [&](const uint8_t* in, uint32_t, const parcrop::ResampleTaps&, uint8_t* row_out) {
                    horizontal(in, row_out);
                };
                double total = 0;
                report(parcrop::resample_simd_target_name(target), row, parcrop::resample_column, &total);
                std::printf("  x%.2f%s\n", scalar_total / total, out == reference ? "" : "  OUTPUT DIFFERS");
            }
            parcrop::resample_force_simd_target(0);
        }
    }
    return 0;
}
