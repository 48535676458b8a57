// parcrop's own Radiance HDR decoder against stb_image 2.27's stbi_load (the tone mapping
// it must reproduce bit for bit), on flat and run-length files; then the malformed run
// lengths that hang stb, truncation, and headers claiming far more than the file holds.
#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <numeric>
#include <set>
#include <string>

#include "decode/hdr/hdr_decoder.h"
#include "decode_outcome.h"
#include "image_fixtures.h"
#include "stb_reference.h"

using namespace parcrop;
using namespace parcrop_test;

namespace {

using Outcome = DecodeOutcome;

Outcome decode_hdr(const std::vector<uint8_t>& bytes, uint32_t x0, uint32_t x1, const std::vector<uint32_t>& rows,
                   uint32_t channels, const Limits& limits = Limits()) {
    return decode_with(make_hdr_decoder, bytes, x0, x1, rows, channels, limits);
}

parcrop_status status_of(const std::vector<uint8_t>& bytes, uint32_t row = 0) {
    return decode_hdr(bytes, 0, 1, {row}, 3).status.code();
}

void check_decodes_to(const std::vector<uint8_t>& bytes, const Pixels& expected, int tolerance = 0) {
    REQUIRE(hdr_recognizes({bytes.data(), bytes.size()}));
    check_crops_decode_to(make_hdr_decoder, bytes, expected, tolerance);
}

// Bit-exact agreement with stbi_load, which must itself read the file.
void check_matches_stb(const std::vector<uint8_t>& bytes) {
    const Pixels stb = stb_reference_decode(bytes);
    REQUIRE(stb.width > 0);
    REQUIRE(stb.channels == 3);
    check_decodes_to(bytes, stb);
}

uint32_t hash(uint32_t a, uint32_t b, uint32_t c) {
    uint32_t v = a * 0x9E3779B1u ^ (b + 0x7F4A7C15u) * 0x85EBCA77u ^ (c + 0x165667B1u) * 0xC2B2AE3Du;
    v ^= v >> 15;
    v *= 0x2C1B3C6Du;
    v ^= v >> 12;
    return v;
}

std::vector<uint8_t> header_of(uint32_t width, uint32_t height, const std::string& signature = "#?RADIANCE") {
    const std::string text = signature + "\n# made by parcrop's tests\nFORMAT=32-bit_rle_rgbe\nEXPOSURE=1.0\n\n-Y " +
                             std::to_string(height) + " +X " + std::to_string(width) + "\n";
    return std::vector<uint8_t>(text.begin(), text.end());
}

// RGBE pixels with repeats in every component (runs) and noise (literals); exponents
// around 128, some 0 (black), so tone mapping both clips and rounds.
std::vector<uint8_t> random_rgbe(uint32_t width, uint32_t height, uint32_t seed) {
    std::vector<uint8_t> rgbe(size_t{width} * height * 4);
    for (size_t i = 0; i < size_t{width} * height; ++i) {
        for (uint32_t c = 0; c < 4; ++c) {
            uint8_t& v = rgbe[i * 4 + c];
            const uint32_t h = hash(static_cast<uint32_t>(i), seed, c);
            if (i % width != 0 && h % 4 != 0) {
                v = rgbe[(i - 1) * 4 + c];
            } else if (c == 3) {
                v = static_cast<uint8_t>(h % 16 == 1 ? 0 : 120 + h % 14);
            } else {
                v = static_cast<uint8_t>(h >> 8);
            }
        }
    }
    // A flat file must not start like a run-length row (2, 2, n < 128).
    if (rgbe[0] == 2) rgbe[0] = 3;
    return rgbe;
}

std::vector<uint8_t> flat_file(uint32_t width, uint32_t height, const std::vector<uint8_t>& rgbe) {
    std::vector<uint8_t> out = header_of(width, height);
    out.insert(out.end(), rgbe.begin(), rgbe.end());
    return out;
}

// Where the encoder put things: each row's start, and each run's count byte by row.
struct RunLengthMap {
    std::vector<size_t> row_starts;
    std::vector<std::vector<size_t>> run_counts;
};

// New-style run-length rows: 2, 2, width, then each component as runs of 3 to 127 equal
// bytes and literals of up to 128 bytes.
std::vector<uint8_t> run_length_file(uint32_t width, uint32_t height, const std::vector<uint8_t>& rgbe,
                                     RunLengthMap* map = nullptr) {
    std::vector<uint8_t> out = header_of(width, height);
    RunLengthMap ignored;
    if (map == nullptr) map = &ignored;
    map->run_counts.resize(height);
    for (uint32_t y = 0; y < height; ++y) {
        map->row_starts.push_back(out.size());
        out.insert(out.end(), {2, 2, static_cast<uint8_t>(width >> 8), static_cast<uint8_t>(width)});
        for (uint32_t c = 0; c < 4; ++c) {
            const auto at = [&](uint32_t x) { return rgbe[(size_t{y} * width + x) * 4 + c]; };
            const auto run_at = [&](uint32_t x) {
                uint32_t n = 1;
                while (x + n < width && n < 127 && at(x + n) == at(x)) ++n;
                return n;
            };
            for (uint32_t x = 0; x < width;) {
                const uint32_t run = run_at(x);
                if (run >= 3) {
                    map->run_counts[y].push_back(out.size());
                    out.push_back(static_cast<uint8_t>(128 + run));
                    out.push_back(at(x));
                    x += run;
                    continue;
                }
                uint32_t n = 0;
                while (x + n < width && n < 128 && (n == 0 || run_at(x + n) < 3)) ++n;
                out.push_back(static_cast<uint8_t>(n));
                for (uint32_t i = 0; i < n; ++i) out.push_back(at(x + i));
                x += n;
            }
        }
    }
    return out;
}

}  // namespace

TEST_CASE("hdr: tone-mapped like stbi_load", "[hdr]") {
    const EncodedFixture hdr = make_hdr(21, 13, 50);
    check_decodes_to(hdr.bytes, hdr.expected, 1);  // the fixture's own double-precision mapping
    check_matches_stb(hdr.bytes);
}

TEST_CASE("hdr: every mantissa and exponent maps exactly as stb maps it", "[hdr]") {
    // Pixel (m, e) holds mantissa m in red, others in green and blue, exponent e.
    std::vector<uint8_t> rgbe(256 * 256 * 4);
    for (uint32_t e = 0; e < 256; ++e) {
        for (uint32_t m = 0; m < 256; ++m) {
            uint8_t* p = rgbe.data() + (size_t{e} * 256 + m) * 4;
            p[0] = static_cast<uint8_t>(m);
            p[1] = static_cast<uint8_t>(255 - m);
            p[2] = static_cast<uint8_t>(m * 7 + 3);
            p[3] = static_cast<uint8_t>(e);
        }
    }
    const std::vector<uint8_t> bytes = flat_file(256, 256, rgbe);
    const Pixels stb = stb_reference_decode(bytes);
    REQUIRE(stb.width == 256);
    const Outcome outcome = decode_hdr(bytes, 0, 256, row_range(0, 256), 3);
    REQUIRE(outcome.status.is_ok());
    CHECK(outcome.sink.bytes == stb.data);
}

TEST_CASE("hdr: flat and run-length scanlines, every width class", "[hdr]") {
    struct Size {
        uint32_t width, height;
    };
    // 7 and 40000 are always flat; 8 and 200 may be either.
    for (const Size size : {Size{7, 9}, Size{8, 11}, Size{200, 6}, Size{40000, 3}}) {
        const std::vector<uint8_t> rgbe = random_rgbe(size.width, size.height, size.width);
        INFO(size.width << "x" << size.height << " flat");
        check_matches_stb(flat_file(size.width, size.height, rgbe));
        if (size.width < 8 || size.width >= 32768) continue;
        INFO("run-length");
        RunLengthMap map;
        const std::vector<uint8_t> rle = run_length_file(size.width, size.height, rgbe, &map);
        CHECK(map.run_counts[0].size() > 0);
        check_matches_stb(rle);
        // Both forms of the same pixels decode alike.
        const Outcome a = decode_hdr(rle, 0, size.width, row_range(0, size.height), 3);
        const Outcome b = decode_hdr(flat_file(size.width, size.height, rgbe), 0, size.width,
                                     row_range(0, size.height), 3);
        CHECK(a.sink.bytes == b.sink.bytes);
    }
}

TEST_CASE("hdr: the first scanline decides; in a flat file a later 2, 2 is a pixel", "[hdr]") {
    std::vector<uint8_t> rgbe = random_rgbe(20, 5, 3);
    const uint8_t looks_encoded[4] = {2, 2, 0, 20};
    std::copy(looks_encoded, looks_encoded + 4, rgbe.begin() + 20 * 4);      // row 1 starts 2, 2, 0, 20
    std::copy(looks_encoded, looks_encoded + 4, rgbe.begin() + 20 * 4 + 8);  // and again inside it
    check_matches_stb(flat_file(20, 5, rgbe));
    // A first pixel of 2, 2, hi >= 128 is a pixel too (stb's rule), not a row header.
    rgbe[0] = 2;
    rgbe[1] = 2;
    rgbe[2] = 200;
    check_matches_stb(flat_file(20, 5, rgbe));
}

TEST_CASE("hdr: #?RGBE signature and header details", "[hdr]") {
    const std::vector<uint8_t> rgbe = random_rgbe(9, 4, 2);
    std::vector<uint8_t> bytes = header_of(9, 4, "#?RGBE");
    bytes.insert(bytes.end(), rgbe.begin(), rgbe.end());
    check_matches_stb(bytes);

    const auto with_header = [&](const std::string& text) {
        std::vector<uint8_t> out(text.begin(), text.end());
        out.insert(out.end(), rgbe.begin(), rgbe.end());
        return out;
    };
    // Extra spaces: strtol skips them before a number, stb skips them after.
    check_matches_stb(with_header("#?RADIANCE\nFORMAT=32-bit_rle_rgbe\n\n-Y  4   +X 9\n"));
    CHECK(status_of(with_header("#?RADIANCE\nFORMAT=32-bit_rle_xyze\n\n-Y 4 +X 9\n")) == PARCROP_E_UNSUPPORTED);
    CHECK(status_of(with_header("#?RADIANCE\nGAMMA=1\n\n-Y 4 +X 9\n")) == PARCROP_E_UNSUPPORTED);
    CHECK(status_of(with_header("#?RADIANCE\nFORMAT=32-bit_rle_rgbe\n\n+Y 4 +X 9\n")) == PARCROP_E_UNSUPPORTED);
    CHECK(status_of(with_header("#?RADIANCE\nFORMAT=32-bit_rle_rgbe\n\n-Y 4 -X 9\n")) == PARCROP_E_UNSUPPORTED);
    CHECK(status_of(with_header("#?RADIANCE\nFORMAT=32-bit_rle_rgbe\n\n+X 9 -Y 4\n")) == PARCROP_E_UNSUPPORTED);
    CHECK(status_of(with_header("#?RADIANCE\nFORMAT=32-bit_rle_rgbe\n\n-Y 0 +X 9\n")) == PARCROP_E_CORRUPT);
    CHECK(status_of(with_header("#?RADIANCE\nFORMAT=32-bit_rle_rgbe\n\n-Y -4 +X 9\n")) == PARCROP_E_CORRUPT);
    CHECK(status_of(with_header("#?RADIANCE\nFORMAT=32-bit_rle_rgbe\n\n-Y 4 +X 99999999999\n")) ==
          PARCROP_E_IMAGE_TOO_LARGE);
    const std::string cut = "#?RADIANCE\nFORMAT=32-bit_rle_rgbe\n\n-Y 4 +X";
    CHECK(status_of(std::vector<uint8_t>(cut.begin(), cut.end())) == PARCROP_E_TRUNCATED);
    CHECK(status_of({}) == PARCROP_E_EMPTY_INPUT);

    const std::string text = "#?RADIANCE_NOT\n";
    CHECK_FALSE(hdr_recognizes({reinterpret_cast<const uint8_t*>(text.data()), text.size()}));
    CHECK(hdr_recognizes({bytes.data(), bytes.size()}));
    std::unique_ptr<Decoder> decoder;
    REQUIRE(make_decoder({bytes.data(), bytes.size()}, Limits(), &decoder).is_ok());
    ImageHeader header;
    REQUIRE(decoder->read_header(&header).is_ok());
    CHECK(header.width == 9);
}

TEST_CASE("hdr: a run-length count of 0 is corrupt, promptly (stb loops forever)", "[hdr][bad]") {
    // 46 bytes of header, a row header, then a count of 0 for red.
    std::vector<uint8_t> bytes;
    const std::string header = "#?RADIANCE\nFORMAT=32-bit_rle_rgbe\n\n-Y 1 +X 8\n";
    bytes.assign(header.begin(), header.end());
    bytes.insert(bytes.end(), {2, 2, 0, 8, 0, 1, 2, 3});
    const auto start = std::chrono::steady_clock::now();
    CHECK(status_of(bytes) == PARCROP_E_CORRUPT);
    CHECK(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() < 1.0);
    // A count of 0 at the start of row 3, after valid rows: those rows still decode.
    const std::vector<uint8_t> rgbe = random_rgbe(30, 4, 9);
    RunLengthMap map;
    std::vector<uint8_t> zero = run_length_file(30, 4, rgbe, &map);
    zero.resize(map.row_starts[3]);
    zero.insert(zero.end(), {2, 2, 0, 30, 0, 0, 0, 0, 0, 0, 0, 0});
    CHECK(status_of(zero, 3) == PARCROP_E_CORRUPT);
    CHECK(status_of(zero, 2) == PARCROP_OK);
}

TEST_CASE("hdr: runs past the row end, row headers of the wrong width, rows without one", "[hdr][bad]") {
    const std::string header = "#?RADIANCE\nFORMAT=32-bit_rle_rgbe\n\n-Y 2 +X 8\n";
    const auto file = [&](std::initializer_list<uint8_t> data) {
        std::vector<uint8_t> out(header.begin(), header.end());
        out.insert(out.end(), data);
        return out;
    };
    CHECK(status_of(file({2, 2, 0, 8, 128 + 9, 1})) == PARCROP_E_CORRUPT);           // run of 9 in 8
    CHECK(status_of(file({2, 2, 0, 8, 128 + 4, 1, 5, 1, 2, 3, 4, 5})) == PARCROP_E_CORRUPT);  // literal past end
    CHECK(status_of(file({2, 2, 0, 9, 128 + 8, 1})) == PARCROP_E_CORRUPT);           // width 9, image 8
    // Row 0 run-length, row 1 flat: stb restarts the image; parcrop says corrupt.
    std::vector<uint8_t> mixed = file({2, 2, 0, 8, 128 + 8, 1, 128 + 8, 2, 128 + 8, 3, 128 + 8, 130});
    for (int i = 0; i < 8; ++i) mixed.insert(mixed.end(), {9, 9, 9, 130});
    CHECK(status_of(mixed, 0) == PARCROP_OK);
    CHECK(status_of(mixed, 1) == PARCROP_E_CORRUPT);
}

TEST_CASE("hdr: cut inside a run is truncated; rows before the cut decode as in the whole file", "[hdr][bad]") {
    const uint32_t width = 50, height = 12;
    const std::vector<uint8_t> rgbe = random_rgbe(width, height, 21);
    const std::vector<uint8_t> whole = run_length_file(width, height, rgbe);
    const Outcome full = decode_hdr(whole, 0, width, row_range(0, height), 3);
    REQUIRE(full.status.is_ok());
    // Rows 0..6 whole, then row 7 up to a run's count, without the run's value.
    RunLengthMap map;
    REQUIRE(run_length_file(width, height, rgbe, &map) == whole);
    REQUIRE(map.run_counts[7].size() > 1);
    const size_t cut = map.run_counts[7][1] + 1;
    const std::vector<uint8_t> bytes(whole.begin(), whole.begin() + static_cast<long>(cut));
    const Outcome top = decode_hdr(bytes, 3, 40, row_range(0, 7), 3);
    REQUIRE(top.status.is_ok());
    const Outcome reference = decode_hdr(whole, 3, 40, row_range(0, 7), 3);
    CHECK(top.sink.bytes == reference.sink.bytes);
    const Outcome all = decode_hdr(bytes, 0, width, row_range(0, height), 3);
    CHECK(all.status.code() == PARCROP_E_TRUNCATED);
    CHECK(all.sink.rows == row_range(0, 7));
    CHECK(all.status.message().rfind("hdr: ", 0) == 0);
    // The former stb cases: a flat file cut anywhere in its pixels.
    const EncodedFixture flat = make_hdr(37, 29, 3);
    for (const double fraction : {0.5, 0.9, 0.999}) {
        std::vector<uint8_t> short_flat = flat.bytes;
        short_flat.resize(static_cast<size_t>(short_flat.size() * fraction));
        CHECK(decode_hdr(short_flat, 0, 37, row_range(0, 29), 3).status.code() == PARCROP_E_TRUNCATED);
    }
}

TEST_CASE("hdr: a 152-byte flat file claiming 40000x4400 is truncated at once", "[hdr][bad]") {
    std::vector<uint8_t> bytes = header_of(40000, 4400);
    bytes.resize(152, 0x80);
    const auto start = std::chrono::steady_clock::now();
    CHECK(decode_hdr(bytes, 0, 300, row_range(0, 300), 3).status.code() == PARCROP_E_TRUNCATED);
    CHECK(decode_hdr(bytes, 39000, 40000, {4399}, 3).status.code() == PARCROP_E_TRUNCATED);
    CHECK(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() < 1.0);
    // The pixels the file does hold are fine.
    CHECK(decode_hdr(bytes, 0, 3, {0}, 3).status.is_ok());
}
