// parcrop's own TGA decoder against the pixels that were written (decoded here from the TGA
// specification) and against stb_image 2.27, the decoder it replaces, for every variant stb
// reads correctly; then the statuses of truncated, oversized and malformed files.
#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <numeric>
#include <set>
#include <string>

#include "decode/tga/tga_decoder.h"
#include "decode_outcome.h"
#include "image_fixtures.h"
#include "stb_reference.h"

using namespace parcrop;
using namespace parcrop_test;

namespace {

using Outcome = DecodeOutcome;

Outcome decode_tga(const std::vector<uint8_t>& bytes, uint32_t x0, uint32_t x1, const std::vector<uint32_t>& rows,
                   uint32_t channels, const Limits& limits = Limits()) {
    return decode_with(make_tga_decoder, bytes, x0, x1, rows, channels, limits);
}

void check_decodes_to(const std::vector<uint8_t>& bytes, const Pixels& expected) {
    REQUIRE(tga_recognizes({bytes.data(), bytes.size()}));
    check_crops_decode_to(make_tga_decoder, bytes, expected);
}

uint32_t hash(uint32_t a, uint32_t b, uint32_t c) {
    uint32_t v = a * 0x9E3779B1u ^ (b + 0x7F4A7C15u) * 0x85EBCA77u ^ (c + 0x165667B1u) * 0xC2B2AE3Du;
    v ^= v >> 15;
    v *= 0x2C1B3C6Du;
    v ^= v >> 12;
    return v;
}

// ----- an encoder of every variant, written from the TGA specification -----

struct TgaFile {
    uint8_t image_type = 2;
    uint8_t depth = 24;
    uint8_t map_bits = 0;  // colour-mapped images only
    uint16_t map_first = 0;
    std::vector<uint8_t> map;  // stored entries
    bool top_down = false;
    bool right_to_left = false;
    std::string id = "parcrop";
    uint32_t width = 0, height = 0;
    std::vector<uint8_t> pixels;  // stored bytes of each pixel, top row first, left to right

    bool indexed() const { return image_type == 1 || image_type == 9; }
    bool run_length() const { return image_type >= 9; }
    uint32_t pixel_bytes() const { return (depth + 7) / 8; }
    uint32_t entry_bytes() const { return (map_bits + 7) / 8; }
    uint32_t map_length() const { return indexed() ? static_cast<uint32_t>(map.size() / entry_bytes()) : 0; }
};

void put16(std::vector<uint8_t>* out, uint32_t v) {
    out->push_back(static_cast<uint8_t>(v));
    out->push_back(static_cast<uint8_t>(v >> 8));
}

// Packets run across row ends, as the specification's 2.0 revision allows and stb reads.
std::vector<uint8_t> pack_run_length(const std::vector<uint8_t>& stream, uint32_t bpp) {
    const size_t count = stream.size() / bpp;
    const auto same = [&](size_t a, size_t b) {
        return std::equal(stream.begin() + a * bpp, stream.begin() + (a + 1) * bpp, stream.begin() + b * bpp);
    };
    std::vector<uint8_t> out;
    size_t i = 0;
    while (i < count) {
        size_t run = 1;
        while (i + run < count && run < 128 && same(i, i + run)) ++run;
        if (run >= 2) {
            out.push_back(static_cast<uint8_t>(0x80 | (run - 1)));
            out.insert(out.end(), stream.begin() + i * bpp, stream.begin() + (i + 1) * bpp);
            i += run;
            continue;
        }
        size_t literal = 1;
        while (i + literal < count && literal < 128 && !(i + literal + 1 < count && same(i + literal, i + literal + 1))) {
            ++literal;
        }
        out.push_back(static_cast<uint8_t>(literal - 1));
        out.insert(out.end(), stream.begin() + i * bpp, stream.begin() + (i + literal) * bpp);
        i += literal;
    }
    return out;
}

std::vector<uint8_t> encode(const TgaFile& f) {
    std::vector<uint8_t> out = {static_cast<uint8_t>(f.id.size()), static_cast<uint8_t>(f.indexed() ? 1 : 0),
                                f.image_type};
    put16(&out, f.indexed() ? f.map_first : 0);
    put16(&out, f.map_length());
    out.push_back(f.indexed() ? f.map_bits : 0);
    put16(&out, 0);
    put16(&out, 0);
    put16(&out, f.width);
    put16(&out, f.height);
    out.push_back(f.depth);
    out.push_back(static_cast<uint8_t>((f.top_down ? 0x20 : 0) | (f.right_to_left ? 0x10 : 0) |
                                       (f.depth == 32 ? 8 : 0)));
    out.insert(out.end(), f.id.begin(), f.id.end());
    if (f.indexed()) out.insert(out.end(), f.map.begin(), f.map.end());
    const uint32_t bpp = f.pixel_bytes();
    std::vector<uint8_t> stream;
    for (uint32_t r = 0; r < f.height; ++r) {
        const uint32_t y = f.top_down ? r : f.height - 1 - r;
        for (uint32_t c = 0; c < f.width; ++c) {
            const uint32_t x = f.right_to_left ? f.width - 1 - c : c;
            const auto pixel = f.pixels.begin() + (size_t{y} * f.width + x) * bpp;
            stream.insert(stream.end(), pixel, pixel + bpp);
        }
    }
    if (f.run_length()) stream = pack_run_length(stream, bpp);
    out.insert(out.end(), stream.begin(), stream.end());
    return out;
}

// Stored bytes of every pixel: noise with frequent repeats (runs, some longer than a row).
std::vector<uint8_t> random_pixels(uint32_t width, uint32_t height, uint32_t bpp, uint32_t seed,
                                   uint32_t index_first = 0, uint32_t index_count = 0) {
    std::vector<uint8_t> pixels(size_t{width} * height * bpp);
    for (size_t i = 0; i < size_t{width} * height; ++i) {
        uint8_t* p = pixels.data() + i * bpp;
        const uint32_t h = hash(static_cast<uint32_t>(i), seed, bpp);
        const bool block = i / width == height / 2 || i / width == height / 2 + 1;  // two uniform rows
        if (i > 0 && (block || h % 8 < 5)) {
            std::copy(p - bpp, p, p);
            continue;
        }
        if (index_count != 0) {
            const uint32_t index = index_first + hash(static_cast<uint32_t>(i), seed, 77) % index_count;
            p[0] = static_cast<uint8_t>(index);
            if (bpp == 2) p[1] = static_cast<uint8_t>(index >> 8);
            continue;
        }
        for (uint32_t b = 0; b < bpp; ++b) p[b] = static_cast<uint8_t>(hash(static_cast<uint32_t>(i), seed, b + 1));
    }
    return pixels;
}

// ----- the expected pixels, from the specification and stb's choices -----

uint32_t channels_of(uint32_t bits, bool gray) {
    switch (bits) {
        case 8: return 1;
        case 16: return gray ? 2 : 3;
        case 15: return 3;
        default: return bits / 8;
    }
}

void color_of(const uint8_t* p, uint32_t bits, bool gray, uint8_t* out) {
    if (bits == 8) {
        out[0] = p[0];
    } else if (bits == 16 && gray) {
        out[0] = p[0];
        out[1] = p[1];
    } else if (bits == 15 || bits == 16) {
        const uint32_t v = p[0] | p[1] << 8;  // A RRRRR GGGGG BBBBB; stb ignores A
        out[0] = static_cast<uint8_t>((v >> 10 & 31) * 255 / 31);
        out[1] = static_cast<uint8_t>((v >> 5 & 31) * 255 / 31);
        out[2] = static_cast<uint8_t>((v & 31) * 255 / 31);
    } else {
        out[0] = p[2];
        out[1] = p[1];
        out[2] = p[0];
        if (bits == 32) out[3] = p[3];
    }
}

Pixels expected_pixels(const TgaFile& f) {
    const bool gray = (f.image_type & 7) == 3;
    const uint32_t channels = f.indexed() ? channels_of(f.map_bits, false) : channels_of(f.depth, gray);
    Pixels image{f.width, f.height, channels, std::vector<uint8_t>(size_t{f.width} * f.height * channels)};
    const uint32_t bpp = f.pixel_bytes();
    for (size_t i = 0; i < size_t{f.width} * f.height; ++i) {
        const uint8_t* p = f.pixels.data() + i * bpp;
        uint8_t* out = image.data.data() + i * channels;
        if (!f.indexed()) {
            color_of(p, f.depth, gray, out);
            continue;
        }
        const uint32_t index = bpp == 1 ? p[0] : p[0] | p[1] << 8;
        if (index >= f.map_first && index - f.map_first < f.map_length()) {
            color_of(f.map.data() + size_t{index - f.map_first} * f.entry_bytes(), f.map_bits, false, out);
        } else {
            const uint8_t black[4] = {0, 0, 0, 255};
            std::copy(black, black + channels, out);
        }
    }
    return image;
}

Pixels mirrored(const Pixels& image) {
    Pixels out = image;
    for (uint32_t y = 0; y < image.height; ++y) {
        for (uint32_t x = 0; x < image.width; ++x) {
            std::copy(image.at(image.width - 1 - x, y), image.at(image.width - 1 - x, y) + image.channels,
                      out.data.data() + (size_t{y} * image.width + x) * image.channels);
        }
    }
    return out;
}

TgaFile make_file(uint8_t type, uint8_t depth, uint32_t width, uint32_t height, bool top_down, uint32_t seed) {
    TgaFile f;
    f.image_type = type;
    f.depth = depth;
    f.width = width;
    f.height = height;
    f.top_down = top_down;
    f.pixels = random_pixels(width, height, f.pixel_bytes(), seed);
    return f;
}

TgaFile make_mapped(uint8_t type, uint8_t depth, uint8_t map_bits, uint16_t first, uint32_t length, uint32_t width,
                    uint32_t height, bool top_down, uint32_t seed) {
    TgaFile f;
    f.image_type = type;
    f.depth = depth;
    f.map_bits = map_bits;
    f.map_first = first;
    f.width = width;
    f.height = height;
    f.top_down = top_down;
    f.map.resize(size_t{length} * f.entry_bytes());
    for (size_t i = 0; i < f.map.size(); ++i) f.map[i] = static_cast<uint8_t>(hash(static_cast<uint32_t>(i), seed, 99));
    f.pixels = random_pixels(width, height, f.pixel_bytes(), seed, first, length);
    return f;
}

struct Size {
    uint32_t width, height;
};
// Odd sizes, one column (every packet crosses rows), rows longer than a packet.
constexpr Size kSizes[] = {{37, 23}, {1, 9}, {5, 40}, {130, 4}};

// Decodes like the specification says and, where stb reads the file correctly, like stb.
void check_file(const TgaFile& f, bool stb_agrees) {
    const std::vector<uint8_t> bytes = encode(f);
    const Pixels expected = expected_pixels(f);
    check_decodes_to(bytes, expected);
    CHECK(stb_reference_recognizes(bytes.data(), bytes.size()));
    if (!stb_agrees) return;
    const Pixels stb = stb_reference_decode(bytes);
    REQUIRE(stb.width == expected.width);
    REQUIRE(stb.channels == expected.channels);
    CHECK(stb.data == expected.data);
}

}  // namespace

TEST_CASE("tga: raw and RLE, gray to RGBA", "[tga]") {
    for (const uint32_t channels : {1u, 2u, 3u, 4u}) {
        INFO(channels << "-channel TGA");
        const Pixels image = make_photo(41, 23, channels, 10 + channels);
        check_decodes_to(encode_tga_raw(image), image);
        check_decodes_to(encode_tga_rle(image), image);
    }
}

TEST_CASE("tga: true-colour and gray, every depth, raw and run-length, both row orders", "[tga]") {
    for (const uint8_t type : {2, 3, 10, 11}) {
        for (const uint8_t depth : {8, 15, 16, 24, 32}) {
            for (const bool top_down : {false, true}) {
                for (const Size size : kSizes) {
                    INFO("type " << int{type} << ", " << int{depth} << " bits, top-down " << top_down << ", "
                                 << size.width << "x" << size.height);
                    check_file(make_file(type, depth, size.width, size.height, top_down, type * 100 + depth), true);
                }
            }
        }
    }
}

TEST_CASE("tga: colour-mapped, 8- and 16-bit indices, every entry size", "[tga]") {
    for (const uint8_t type : {1, 9}) {
        for (const uint8_t depth : {8, 16}) {
            for (const uint8_t map_bits : {8, 15, 16, 24, 32}) {
                for (const bool top_down : {false, true}) {
                    for (const Size size : kSizes) {
                        INFO("type " << int{type} << ", " << int{depth} << "-bit indices, " << int{map_bits}
                                     << "-bit entries, top-down " << top_down << ", " << size.width << "x"
                                     << size.height);
                        const uint32_t length = depth == 8 ? 200 : 300;
                        // A first index of 0 is where stb and the specification agree.
                        check_file(make_mapped(type, depth, map_bits, 0, length, size.width, size.height, top_down,
                                               type + depth + map_bits),
                                   true);
                        // stb skips first-index bytes instead; the specification maps
                        // stored entry 0 to that index.
                        check_file(make_mapped(type, depth, map_bits, 7, length, size.width, size.height, top_down,
                                               type + depth + map_bits + 1),
                                   false);
                    }
                }
            }
        }
    }
}

TEST_CASE("tga: an index outside the colour map is opaque black, not entry 0", "[tga]") {
    for (const uint8_t type : {1, 9}) {
        for (const uint8_t map_bits : {16, 24, 32}) {
            INFO("type " << int{type} << ", " << int{map_bits} << "-bit entries");
            // Entries for indices 10..19; the pixels use 0..39.
            TgaFile f = make_mapped(type, 8, map_bits, 10, 10, 23, 11, false, map_bits);
            f.pixels = random_pixels(f.width, f.height, 1, 5, 0, 40);
            f.pixels[0] = 3;  // below the first index
            f.pixels[1] = 35; // past the last
            f.pixels[2] = 12; // inside
            check_file(f, false);
            const std::vector<uint8_t> bytes = encode(f);
            const std::vector<uint32_t> rows = {0};
            const Outcome outcome = decode_tga(bytes, 0, 3, rows, 4);
            REQUIRE(outcome.status.is_ok());
            const std::vector<uint8_t> first_two(outcome.sink.bytes.begin(), outcome.sink.bytes.begin() + 8);
            CHECK(first_two == std::vector<uint8_t>{0, 0, 0, 255, 0, 0, 0, 255});
            CHECK(expected_pixels(f).at(2, 0)[0] == outcome.sink.bytes[8]);
        }
    }
}

TEST_CASE("tga: 15- and 16-bit pixels ignore the attribute bit, like stb", "[tga]") {
    TgaFile f = make_file(2, 16, 16, 3, true, 1);
    for (size_t i = 0; i < f.pixels.size(); i += 2) f.pixels[i + 1] |= 0x80;  // every attribute bit set
    check_file(f, true);
    const Pixels expected = expected_pixels(f);
    CHECK(expected.channels == 3);  // opaque RGB: no alpha from the attribute bit
}

TEST_CASE("tga: right-to-left rows are mirrored back (stb ignores descriptor bit 4)", "[tga]") {
    for (const uint8_t type : {2, 10, 1, 9}) {
        for (const bool top_down : {false, true}) {
            INFO("type " << int{type} << ", top-down " << top_down);
            TgaFile f = type == 1 || type == 9 ? make_mapped(type, 8, 24, 0, 256, 29, 13, top_down, 3)
                                               : make_file(type, 24, 29, 13, top_down, 4);
            f.right_to_left = true;
            check_file(f, false);
            // stb decodes the stored order, so its output is the mirror image of the file's.
            const Pixels stb = stb_reference_decode(encode(f));
            CHECK(mirrored(stb).data == expected_pixels(f).data);
        }
    }
}

TEST_CASE("tga: the image ID field is skipped", "[tga]") {
    for (const size_t id_length : {size_t{0}, size_t{1}, size_t{255}}) {
        TgaFile f = make_file(10, 24, 17, 6, false, 9);
        f.id = std::string(id_length, 'i');
        check_file(f, true);
    }
}

TEST_CASE("tga: cut files are truncated, and rows before the cut still decode", "[tga][bad]") {
    const Pixels rgb = make_photo(37, 29, 3, 1);
    const std::pair<const char*, std::vector<uint8_t>> files[] = {
        {"raw", encode_tga_raw(rgb)},
        {"rle", encode_tga_rle(rgb)},
    };
    for (const auto& file : files) {
        for (const double fraction : {0.5, 0.9, 0.999}) {
            INFO(file.first << " cut to " << fraction);
            std::vector<uint8_t> cut = file.second;
            cut.resize(static_cast<size_t>(cut.size() * fraction));
            const Outcome outcome = decode_tga(cut, 0, 37, row_range(0, 29), 3);
            CHECK(outcome.status.code() == PARCROP_E_TRUNCATED);
            CHECK(outcome.status.message().rfind("tga: ", 0) == 0);
        }
    }
    for (const uint8_t type : {2, 10}) {
        INFO("type " << int{type} << ", top-down, cut in row 20");
        const TgaFile f = make_file(type, 24, 37, 29, true, 8);
        const std::vector<uint8_t> bytes = encode(f);
        const Outcome full = decode_tga(bytes, 0, 37, row_range(0, 29), 3);
        REQUIRE(full.status.is_ok());
        // Find the shortest prefix that still holds rows 0..19 whole.
        size_t keep = bytes.size();
        while (keep > 0) {
            std::vector<uint8_t> shorter(bytes.begin(), bytes.begin() + static_cast<long>(keep - 1));
            if (!decode_tga(shorter, 0, 37, row_range(0, 20), 3).status.is_ok()) break;
            --keep;
        }
        const std::vector<uint8_t> cut(bytes.begin(), bytes.begin() + static_cast<long>(keep));
        const Outcome top = decode_tga(cut, 0, 37, row_range(0, 20), 3);
        REQUIRE(top.status.is_ok());
        CHECK(top.sink.bytes == std::vector<uint8_t>(full.sink.bytes.begin(), full.sink.bytes.begin() + 20 * 37 * 3));
        const Outcome all = decode_tga(cut, 0, 37, row_range(0, 29), 3);
        CHECK(all.status.code() == PARCROP_E_TRUNCATED);
        CHECK(all.sink.rows == row_range(0, 20));  // the rows before the damage were delivered
        CHECK(decode_tga(cut, 5, 9, {25}, 3).status.code() == PARCROP_E_TRUNCATED);
    }
    // Bottom-up, the top rows are the last ones stored.
    TgaFile f = make_file(10, 24, 37, 29, false, 8);
    std::vector<uint8_t> bytes = encode(f);
    bytes.resize(bytes.size() - 10);
    CHECK(decode_tga(bytes, 0, 37, {0}, 3).status.code() == PARCROP_E_TRUNCATED);
    CHECK(decode_tga(bytes, 0, 37, {28}, 3).status.is_ok());
}

TEST_CASE("tga: a tiny file claiming 13000x13000 costs nothing", "[tga][bad]") {
    for (const uint8_t type : {2, 10}) {
        for (const bool top_down : {false, true}) {
            INFO("type " << int{type} << ", top-down " << top_down);
            TgaFile f = make_file(type, 24, 2, 2, top_down, 1);
            std::vector<uint8_t> bytes = encode(f);
            bytes[12] = bytes[14] = 13000 & 0xFF;
            bytes[13] = bytes[15] = 13000 >> 8;
            bytes.resize(150, 0x81);  // run packets, if anyone looks
            Limits tight;
            tight.max_decode_memory = 1 << 20;  // a whole image would be 507 MB
            const auto start = std::chrono::steady_clock::now();
            const Outcome outcome = decode_tga(bytes, 0, 500, row_range(0, 500), 3, tight);
            const double seconds =
                std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
            CHECK(outcome.header.width == 13000);
            CHECK(outcome.status.code() == PARCROP_E_TRUNCATED);
            CHECK(seconds < 1.0);
        }
    }
}

TEST_CASE("tga: a bottom-up run-length crop over max_decode_memory is refused", "[tga][bad]") {
    const TgaFile f = make_file(10, 32, 300, 200, false, 2);
    const std::vector<uint8_t> bytes = encode(f);
    Limits limits;
    limits.max_decode_memory = 100 * 100 * 4 - 1;
    CHECK(decode_tga(bytes, 0, 100, row_range(0, 100), 4, limits).status.code() == PARCROP_E_DECODE_MEMORY);
    // Exactly at the limit, and top-down (one row at a time), it is fine.
    limits.max_decode_memory = 100 * 100 * 4;
    CHECK(decode_tga(bytes, 0, 100, row_range(0, 100), 4, limits).status.is_ok());
    TgaFile top = f;
    top.top_down = true;
    limits.max_decode_memory = 1;
    CHECK(decode_tga(encode(top), 0, 100, row_range(0, 100), 4, limits).status.is_ok());
}

TEST_CASE("tga: malformed headers", "[tga][bad]") {
    const std::vector<uint8_t> good = encode(make_mapped(1, 8, 24, 0, 16, 4, 4, false, 1));
    std::vector<uint8_t> bytes = good;
    bytes[5] = bytes[6] = 0;  // no colour-map entries
    CHECK(decode_tga(bytes, 0, 1, {0}, 3).status.code() == PARCROP_E_CORRUPT);
    bytes = good;
    bytes.resize(18 + 7 + 20);  // inside the colour map
    CHECK(decode_tga(bytes, 0, 1, {0}, 3).status.code() == PARCROP_E_TRUNCATED);
    bytes = good;
    bytes.resize(17);  // stb's test does not read the descriptor byte
    CHECK(tga_recognizes({bytes.data(), bytes.size()}));
    CHECK(decode_tga(bytes, 0, 1, {0}, 3).status.code() == PARCROP_E_TRUNCATED);
    bytes = good;
    bytes[2] = 2;  // true colour with a colour map: stb refuses it
    CHECK_FALSE(tga_recognizes({bytes.data(), bytes.size()}));
    CHECK(decode_tga(bytes, 0, 1, {0}, 3).status.code() == PARCROP_E_UNSUPPORTED);
    bytes = good;
    bytes[12] = bytes[13] = 0;  // zero width
    CHECK_FALSE(tga_recognizes({bytes.data(), bytes.size()}));
    CHECK(decode_tga(bytes, 0, 1, {0}, 3).status.code() == PARCROP_E_CORRUPT);
    CHECK(decode_tga({}, 0, 1, {0}, 3).status.code() == PARCROP_E_EMPTY_INPUT);
}

TEST_CASE("tga: recognised exactly where stb recognises a TGA", "[tga]") {
    const uint8_t map_types[] = {0, 1, 2};
    const uint8_t image_types[] = {0, 1, 2, 3, 9, 10, 11, 32};
    const uint8_t bits[] = {0, 7, 8, 15, 16, 24, 32};
    const uint16_t sides[] = {0, 1, 300};
    size_t accepted = 0;
    for (const uint8_t map_type : map_types) {
        for (const uint8_t image_type : image_types) {
            for (const uint8_t map_bits : bits) {
                for (const uint8_t depth : bits) {
                    for (const uint16_t side : sides) {
                        for (const size_t size : {size_t{16}, size_t{17}, size_t{18}, size_t{64}}) {
                            std::vector<uint8_t> bytes(size, 0);
                            const uint8_t header[18] = {0, map_type, image_type, 0, 0, 4, 0, map_bits, 0, 0, 0, 0,
                                                        static_cast<uint8_t>(side), static_cast<uint8_t>(side >> 8),
                                                        5, 0, depth, 0x20};
                            std::copy(header, header + std::min<size_t>(18, size), bytes.begin());
                            const ByteSpan span{bytes.data(), bytes.size()};
                            INFO("map " << int{map_type} << " type " << int{image_type} << " entries "
                                        << int{map_bits} << " depth " << int{depth} << " width " << side
                                        << " size " << size);
                            CHECK(tga_recognizes(span) == stb_reference_recognizes(span.data, span.size));
                            accepted += tga_recognizes(span) ? 1 : 0;
                        }
                    }
                }
            }
        }
    }
    CHECK(accepted > 100);
    const std::string text = "hello, this is not an image at all.";
    CHECK_FALSE(tga_recognizes({reinterpret_cast<const uint8_t*>(text.data()), text.size()}));
    CHECK_FALSE(tga_recognizes({nullptr, 0}));
}

TEST_CASE("tga: make_decoder picks the TGA decoder, and a GIF is never a TGA", "[tga]") {
    const std::vector<uint8_t> tga = encode(make_file(10, 24, 9, 5, false, 1));
    std::unique_ptr<Decoder> decoder;
    REQUIRE(make_decoder({tga.data(), tga.size()}, Limits(), &decoder).is_ok());
    ImageHeader header;
    REQUIRE(decoder->read_header(&header).is_ok());
    // The TGA decoder's messages name it; a truncated file shows which decoder ran.
    std::vector<uint8_t> cut = tga;
    cut.resize(cut.size() / 2);
    REQUIRE(make_decoder({cut.data(), cut.size()}, Limits(), &decoder).is_ok());
    REQUIRE(decoder->read_header(&header).is_ok());
    const std::vector<uint32_t> rows = {0};
    DecodeRequest request;
    request.x1 = 9;
    request.rows = &rows;
    RecordingSink sink(27);
    const Status status = decoder->decode(request, sink);
    CHECK(status.code() == PARCROP_E_TRUNCATED);
    CHECK(status.message().rfind("tga: run-length", 0) == 0);

    const std::vector<uint8_t> gif = make_gif(20, 10, 1, -1).bytes;
    CHECK_FALSE(tga_recognizes({gif.data(), gif.size()}));
}
