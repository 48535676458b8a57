// Times parcrop::unfilter_row for each filter and pixel size on one 4000-byte row of
// random data (about a 1000-pixel RGBA row), repeated until the timing is stable, and
// prints nanoseconds per byte: the best of several trials, since interference only ever
// adds time.
//
//   unfilter_bench [--repeats N]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <vector>

#include "decode/png/png_unfilter.h"

using Clock = std::chrono::steady_clock;

namespace {

constexpr size_t kRowBytes = 4000;
constexpr int kTrials = 7;

double ns_per_byte(uint8_t filter, unsigned bpp, int repeats) {
    std::mt19937 rng(1);
    std::vector<uint8_t> filtered(kRowBytes), above(kRowBytes), out(kRowBytes);
    for (uint8_t& v : filtered) v = static_cast<uint8_t>(rng());
    for (uint8_t& v : above) v = static_cast<uint8_t>(rng());
    double best = 1e300;
    for (int trial = 0; trial < kTrials; ++trial) {
        const Clock::time_point start = Clock::now();
        for (int r = 0; r < repeats; ++r) {
            parcrop::unfilter_row(filter, filtered.data(), above.data(), out.data(), kRowBytes,
                                  bpp);
            // Each row becomes the next one's above, as in a real image, and the work
            // cannot be hoisted out of the loop.
            std::swap(above, out);
        }
        const double ns = std::chrono::duration<double, std::nano>(Clock::now() - start).count();
        best = std::min(best, ns / (double(repeats) * kRowBytes));
    }
    return best;
}

}  // namespace

int main(int argc, char** argv) {
    int repeats = 20000;
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--repeats") == 0 && i + 1 < argc) {
            repeats = std::max(1, std::atoi(argv[++i]));
        } else {
            std::fprintf(stderr, "usage: %s [--repeats N]\n", argv[0]);
            return 2;
        }
    }
    const char* const names[] = {"None", "Sub", "Up", "Average", "Paeth"};
    const unsigned bpps[] = {1, 2, 3, 4, 6, 8};
    std::printf("ns/byte over a %zu-byte row, best of %d trials of %d rows\n", kRowBytes, kTrials,
                repeats);
    std::printf("%-8s", "filter");
    for (const unsigned bpp : bpps) std::printf("   bpp %u", bpp);
    std::printf("\n");
    for (uint8_t filter = 0; filter <= 4; ++filter) {
        std::printf("%-8s", names[filter]);
        for (const unsigned bpp : bpps) std::printf("  %6.3f", ns_per_byte(filter, bpp, repeats));
        std::printf("\n");
    }
    return 0;
}
