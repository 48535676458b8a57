// The PNG unfilter kernels against a per-byte transcription of the spec (clause 9), on
// lengths around every vector width and tail, with guard bytes after the output.
#include <catch2/catch.hpp>

#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <initializer_list>
#include <random>
#include <vector>

#include "decode/png/png_unfilter.h"

namespace {

const unsigned kBpps[] = {1, 2, 3, 4, 6, 8};
const uint8_t kFilters[] = {0, 1, 2, 3, 4};
constexpr size_t kGuard = 32;

// Clause 9.4, with the spec's names: x the byte, a left, b above, c above-left.
int paeth_reference(int a, int b, int c) {
    const int p = a + b - c;
    const int pa = std::abs(p - a);
    const int pb = std::abs(p - b);
    const int pc = std::abs(p - c);
    if (pa <= pb && pa <= pc) return a;
    if (pb <= pc) return b;
    return c;
}

int predictor(uint8_t filter, int a, int b, int c) {
    switch (filter) {
        case 0: return 0;
        case 1: return a;
        case 2: return b;
        case 3: return (a + b) / 2;
        default: return paeth_reference(a, b, c);
    }
}

std::vector<uint8_t> reference_unfilter(uint8_t filter, const std::vector<uint8_t>& filtered,
                                        const std::vector<uint8_t>& above, unsigned bpp) {
    std::vector<uint8_t> raw(filtered.size());
    for (size_t i = 0; i < filtered.size(); ++i) {
        const int a = i >= bpp ? raw[i - bpp] : 0;
        const int b = above[i];
        const int c = i >= bpp ? above[i - bpp] : 0;
        raw[i] = static_cast<uint8_t>((filtered[i] + predictor(filter, a, b, c)) % 256);
    }
    return raw;
}

std::vector<uint8_t> reference_filter(uint8_t filter, const std::vector<uint8_t>& raw,
                                      const std::vector<uint8_t>& above, unsigned bpp) {
    std::vector<uint8_t> filtered(raw.size());
    for (size_t i = 0; i < raw.size(); ++i) {
        const int a = i >= bpp ? raw[i - bpp] : 0;
        const int b = above[i];
        const int c = i >= bpp ? above[i - bpp] : 0;
        filtered[i] = static_cast<uint8_t>((raw[i] - predictor(filter, a, b, c) + 256) % 256);
    }
    return filtered;
}

std::vector<uint8_t> random_bytes(std::mt19937& rng, size_t n) {
    std::vector<uint8_t> bytes(n);
    for (uint8_t& v : bytes) v = static_cast<uint8_t>(rng());
    return bytes;
}

// Runs unfilter_row into a buffer with a canary tail, twice with different canaries so
// that a stray write cannot hide by writing the canary's own value. `filtered` and
// `above` are exact-size heap blocks, so an over-read shows under AddressSanitizer.
std::vector<uint8_t> run_unfilter(uint8_t filter, const std::vector<uint8_t>& filtered,
                                  const std::vector<uint8_t>& above, unsigned bpp) {
    std::vector<uint8_t> result;
    for (const uint8_t canary : {uint8_t{0xa5}, uint8_t{0x5a}}) {
        std::vector<uint8_t> out(filtered.size() + kGuard, canary);
        REQUIRE(parcrop::unfilter_row(filter, filtered.data(), above.data(), out.data(),
                                      filtered.size(), bpp));
        for (size_t i = filtered.size(); i < out.size(); ++i) REQUIRE(int{out[i]} == int{canary});
        result.assign(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(filtered.size()));
    }
    return result;
}

std::vector<size_t> lengths_for(unsigned bpp) {
    std::vector<size_t> lengths = {0, 1, 2, 3, bpp - 1, bpp, bpp + 1, 15, 16, 17, 31, 33,
                                   64, 255, 1000, 4099};
    // Non-multiples of bpp around the vector loop bounds: a partial pixel after
    // several whole ones.
    for (const size_t pixels : {2u, 5u, 9u, 100u}) {
        for (size_t extra = 1; extra < bpp; ++extra) lengths.push_back(pixels * bpp + extra);
    }
    return lengths;
}

enum class Fill { random, zero_above, all_zero, all_255, random_above_255 };

}  // namespace

TEST_CASE("unfilter_row matches the spec for every filter, pixel size and length",
          "[png][unfilter]") {
    std::mt19937 rng(20240521);
    const Fill fills[] = {Fill::random, Fill::zero_above, Fill::all_zero, Fill::all_255,
                          Fill::random_above_255};
    for (const uint8_t filter : kFilters) {
        for (const unsigned bpp : kBpps) {
            for (const size_t length : lengths_for(bpp)) {
                for (const Fill fill : fills) {
                    CAPTURE(int{filter}, bpp, length, static_cast<int>(fill));
                    std::vector<uint8_t> filtered = random_bytes(rng, length);
                    std::vector<uint8_t> above = random_bytes(rng, length);
                    switch (fill) {
                        case Fill::random: break;
                        case Fill::zero_above: above.assign(length, 0); break;
                        case Fill::all_zero:
                            filtered.assign(length, 0);
                            above.assign(length, 0);
                            break;
                        case Fill::all_255:
                            // Average's a + b reaches 510 here: an 8-bit sum would wrap.
                            filtered.assign(length, 255);
                            above.assign(length, 255);
                            break;
                        case Fill::random_above_255: above.assign(length, 255); break;
                    }
                    REQUIRE(run_unfilter(filter, filtered, above, bpp) ==
                            reference_unfilter(filter, filtered, above, bpp));
                }
            }
        }
    }
}

TEST_CASE("unfilter_row is exact on unaligned buffers", "[png][unfilter]") {
    std::mt19937 rng(7);
    for (const uint8_t filter : kFilters) {
        for (const unsigned bpp : kBpps) {
            for (size_t offset = 1; offset < 16; ++offset) {
                CAPTURE(int{filter}, bpp, offset);
                // Copied in at an offset so the input pointers are misaligned too.
                const size_t length = 200 + offset;
                const std::vector<uint8_t> filtered = random_bytes(rng, length);
                const std::vector<uint8_t> above = random_bytes(rng, length);
                std::vector<uint8_t> filtered_store(offset + length), above_store(offset + length);
                std::memcpy(filtered_store.data() + offset, filtered.data(), length);
                std::memcpy(above_store.data() + offset, above.data(), length);
                std::vector<uint8_t> out(offset + length + kGuard, 0xa5);
                REQUIRE(parcrop::unfilter_row(filter, filtered_store.data() + offset,
                                              above_store.data() + offset, out.data() + offset,
                                              length, bpp));
                const std::vector<uint8_t> got(out.begin() + offset, out.begin() + offset + length);
                REQUIRE(got == reference_unfilter(filter, filtered, above, bpp));
                for (size_t i = 0; i < kGuard; ++i) REQUIRE(int{out[offset + length + i]} == 0xa5);
            }
        }
    }
}

TEST_CASE("Paeth picks the spec's predictor for every a, b and c", "[png][unfilter]") {
    // Rows long enough to take the vector paths. Pixel pairs (2m, 2m + 1): the raw row is
    // a at pixel 2m, the row above is c there and b at pixel 2m + 1, so pixel 2m + 1 sees
    // left a, above b, above-left c; a row covers every a for one b and, since each channel
    // takes its own c, for bpp values of c. Filtering the raw row with the spec and
    // checking unfilter_row restores it checks the predictor at every byte.
    for (const unsigned bpp : kBpps) {
        const size_t row_bytes = 2 * 256 * size_t{bpp};
        std::vector<uint8_t> raw(row_bytes), above(row_bytes);
        for (int b = 0; b < 256; ++b) {
            for (int c = 0; c < 256; c += static_cast<int>(bpp)) {
                for (int a = 0; a < 256; ++a) {
                    for (unsigned k = 0; k < bpp; ++k) {
                        const size_t at = 2 * size_t(a) * bpp + k;
                        raw[at] = static_cast<uint8_t>(a);
                        raw[at + bpp] = static_cast<uint8_t>(a ^ b);  // anything
                        above[at] = static_cast<uint8_t>(c + static_cast<int>(k));  // wraps
                        above[at + bpp] = static_cast<uint8_t>(b);
                    }
                }
                const std::vector<uint8_t> filtered = reference_filter(4, raw, above, bpp);
                std::vector<uint8_t> out(row_bytes);
                REQUIRE(parcrop::unfilter_row(4, filtered.data(), above.data(), out.data(),
                                              row_bytes, bpp));
                if (out != raw) {
                    size_t at = 0;
                    while (out[at] == raw[at]) ++at;
                    const int left = at >= bpp ? raw[at - bpp] : 0;
                    const int above_left = at >= bpp ? above[at - bpp] : 0;
                    FAIL("bpp " << bpp << " byte " << at << ": a=" << left << " b="
                                << int{above[at]} << " c=" << above_left << " x="
                                << int{filtered[at]} << " gave " << int{out[at]}
                                << ", spec " << int{raw[at]});
                }
            }
        }
    }
}

TEST_CASE("unfilter_row inverts the spec's filters over a multi-row image",
          "[png][unfilter]") {
    std::mt19937 rng(99);
    for (const unsigned bpp : kBpps) {
        for (const size_t width : {1u, 7u, 33u, 400u}) {
            const size_t row_bytes = width * bpp;
            std::vector<uint8_t> previous_raw(row_bytes, 0);  // the first row sees zeros
            std::vector<uint8_t> previous_out(row_bytes, 0);
            for (int row = 0; row < 25; ++row) {
                const uint8_t filter = static_cast<uint8_t>(row % 5);
                CAPTURE(bpp, width, row, int{filter});
                // Smooth rows make every Paeth branch and small differences likely;
                // noisy ones exercise wrap-around.
                std::vector<uint8_t> raw = random_bytes(rng, row_bytes);
                if (row % 2 == 0) {
                    for (size_t i = 0; i < row_bytes; ++i)
                        raw[i] = static_cast<uint8_t>(previous_raw[i] + (rng() % 5) - 2);
                }
                const std::vector<uint8_t> filtered =
                    reference_filter(filter, raw, previous_raw, bpp);
                std::vector<uint8_t> out(row_bytes);
                REQUIRE(parcrop::unfilter_row(filter, filtered.data(), previous_out.data(),
                                              out.data(), row_bytes, bpp));
                REQUIRE(out == raw);
                previous_raw = raw;
                previous_out = out;
            }
        }
    }
}

TEST_CASE("unknown filter types are refused without writing", "[png][unfilter]") {
    const std::vector<uint8_t> filtered(64, 17), above(64, 200);
    for (const uint8_t filter : {uint8_t{5}, uint8_t{6}, uint8_t{128}, uint8_t{255}}) {
        for (const unsigned bpp : kBpps) {
            std::vector<uint8_t> out(64 + kGuard, 0xa5);
            CHECK_FALSE(parcrop::unfilter_row(filter, filtered.data(), above.data(), out.data(),
                                              64, bpp));
            CHECK(out == std::vector<uint8_t>(64 + kGuard, 0xa5));
        }
    }
}

TEST_CASE("a zero-length row succeeds and writes nothing", "[png][unfilter]") {
    for (const uint8_t filter : kFilters) {
        for (const unsigned bpp : kBpps) {
            uint8_t out[4] = {1, 2, 3, 4};
            const uint8_t in[4] = {9, 9, 9, 9};
            CHECK(parcrop::unfilter_row(filter, in, in, out, 0, bpp));
            CHECK((out[0] == 1 && out[1] == 2 && out[2] == 3 && out[3] == 4));
        }
    }
}

TEST_CASE("a prefix of a row unfilters to the prefix of the whole row", "[png][unfilter]") {
    std::mt19937 rng(3);
    const size_t length = 600;
    for (const uint8_t filter : kFilters) {
        for (const unsigned bpp : kBpps) {
            const std::vector<uint8_t> filtered = random_bytes(rng, length);
            const std::vector<uint8_t> above = random_bytes(rng, length);
            const std::vector<uint8_t> whole = run_unfilter(filter, filtered, above, bpp);
            for (size_t k = 0; k <= length; k += (k < 70 ? 1 : 37)) {
                CAPTURE(int{filter}, bpp, k);
                const std::vector<uint8_t> prefix_in(filtered.begin(), filtered.begin() + k);
                const std::vector<uint8_t> prefix_above(above.begin(), above.begin() + k);
                const std::vector<uint8_t> prefix =
                    run_unfilter(filter, prefix_in, prefix_above, bpp);
                REQUIRE(prefix == std::vector<uint8_t>(whole.begin(), whole.begin() + k));
            }
        }
    }
}
