// parcrop's own GIF decoder: first frames built here with an LZW encoder of the test's
// own (code widths growing to 12 bits, with and without clear codes), checked against
// stb_image 2.27, the decoder GIF went through before, and against pixels computed from
// the indices and the rules that stb does not decide (an index beyond the colour table).
// Then damaged and oversized files: truncated and corrupt data, headers claiming huge
// screens, interlaced crops over max_decode_memory.
#include <catch2/catch.hpp>

#include <malloc.h>

#include <array>
#include <chrono>
#include <cstring>
#include <map>
#include <numeric>
#include <set>

#include "decode/gif/gif_decoder.h"
#include "decode_outcome.h"
#include "image_fixtures.h"
#include "stb_reference.h"

using namespace parcrop;
using namespace parcrop_test;

namespace {

using Rgb = std::array<uint8_t, 3>;

// ----- a GIF writer of the test's own -----

// Codes packed least significant bit first, each at the width the decoder will read it at:
// min_code_size + 1 after a clear code, one bit more once the decoder's next free entry
// reaches the width's limit, at most 12 (GIF89a, appendix F). The decoder adds an entry
// for every code but the first after a clear, one code behind the encoder.
class CodeWriter {
public:
    explicit CodeWriter(uint32_t min_code_size) : min_code_size_(min_code_size), clear_(1u << min_code_size) {
        reset();
    }
    uint32_t clear_code() const { return clear_; }
    // The entry the decoder will create with the next code (its KwKwK code).
    uint32_t decoder_next() const { return next_; }
    uint32_t width() const { return width_; }

    void code(uint32_t code) {
        bits_ |= uint64_t{code} << bit_count_;
        bit_count_ += width_;
        while (bit_count_ >= 8) {
            bytes_.push_back(static_cast<uint8_t>(bits_));
            bits_ >>= 8;
            bit_count_ -= 8;
        }
        if (code == clear_) {
            reset();
            return;
        }
        if (code == clear_ + 1) return;
        if (!first_ && next_ < 4096) {
            ++next_;
            if (next_ == (1u << width_) && width_ < 12) ++width_;
        }
        first_ = false;
    }

    std::vector<uint8_t> finish() {
        if (bit_count_ > 0) bytes_.push_back(static_cast<uint8_t>(bits_));
        bits_ = 0;
        bit_count_ = 0;
        return bytes_;
    }

private:
    void reset() {
        width_ = min_code_size_ + 1;
        next_ = clear_ + 2;
        first_ = true;
    }
    const uint32_t min_code_size_, clear_;
    uint32_t width_ = 0, next_ = 0;
    bool first_ = true;
    uint64_t bits_ = 0;
    uint32_t bit_count_ = 0;
    std::vector<uint8_t> bytes_;
};

struct LzwStats {
    uint32_t widest = 0;       // bits of the widest code written
    uint32_t full_tables = 0;  // times the table filled up
};

struct LzwOptions {
    bool initial_clear = true;
    uint32_t clear_every = 0;     // codes between clear codes; 0: only when the table is full
    bool clear_when_full = true;  // false: keep coding with the full table (a deferred clear)
    bool end_code = true;
};

// Plain LZW over `indices`, longest match first.
std::vector<uint8_t> lzw_encode(const std::vector<uint8_t>& indices, uint32_t min_code_size, const LzwOptions& options,
                                LzwStats* stats = nullptr) {
    LzwStats ignored;
    if (stats == nullptr) stats = &ignored;
    CodeWriter writer(min_code_size);
    const uint32_t clear = writer.clear_code();
    std::map<uint32_t, uint32_t> table;
    uint32_t next = clear + 2, since_clear = 0;
    if (options.initial_clear) writer.code(clear);
    int32_t prefix = -1;
    for (const uint8_t index : indices) {
        if (prefix < 0) {
            prefix = index;
            continue;
        }
        const uint32_t key = static_cast<uint32_t>(prefix) << 8 | index;
        const auto found = table.find(key);
        if (found != table.end()) {
            prefix = static_cast<int32_t>(found->second);
            continue;
        }
        stats->widest = std::max(stats->widest, writer.width());
        writer.code(static_cast<uint32_t>(prefix));
        ++since_clear;
        if (next < 4096) table[key] = next++;
        if (next == 4096 && table.size() == 4096 - clear - 2) ++stats->full_tables;
        prefix = index;
        if ((options.clear_every > 0 && since_clear >= options.clear_every) ||
            (options.clear_when_full && next == 4096)) {
            writer.code(clear);
            table.clear();
            next = clear + 2;
            since_clear = 0;
        }
    }
    if (prefix >= 0) writer.code(static_cast<uint32_t>(prefix));
    if (options.end_code) writer.code(clear + 1);
    return writer.finish();
}

void put_le16(std::vector<uint8_t>* out, uint32_t value) {
    out->push_back(static_cast<uint8_t>(value));
    out->push_back(static_cast<uint8_t>(value >> 8));
}

// The size field of a colour table of `entries` (a power of two, 2..256).
uint8_t table_bits(size_t entries) {
    uint8_t bits = 0;
    while ((2u << bits) < entries) ++bits;
    REQUIRE((2u << bits) == entries);
    return bits;
}

std::vector<uint8_t> graphic_control(int transparent) {
    return {0x21, 0xF9, 4, static_cast<uint8_t>(transparent >= 0 ? 1 : 0), 10, 0,
            static_cast<uint8_t>(transparent >= 0 ? transparent : 0), 0};
}

// The frame's rows in the order the data holds them.
std::vector<uint32_t> stream_rows(uint32_t height, bool interlaced) {
    std::vector<uint32_t> rows;
    if (!interlaced) {
        for (uint32_t y = 0; y < height; ++y) rows.push_back(y);
        return rows;
    }
    const uint32_t start[4] = {0, 4, 2, 1}, step[4] = {8, 8, 4, 2};
    for (int pass = 0; pass < 4; ++pass) {
        for (uint32_t y = start[pass]; y < height; y += step[pass]) rows.push_back(y);
    }
    return rows;
}

struct GifFile {
    uint32_t screen_width = 0, screen_height = 0;
    std::vector<Rgb> global;  // none when empty
    uint8_t background = 0;
    std::vector<std::vector<uint8_t>> extensions;  // written as given, before the image
    int transparent = -1;  // what the extensions make transparent, for expected()
    uint32_t left = 0, top = 0, width = 0, height = 0;
    bool interlaced = false;
    std::vector<Rgb> local;  // none when empty
    uint32_t min_code_size = 8;
    std::vector<uint8_t> indices;  // raster order; any past the frame's are written after it
    size_t written = SIZE_MAX;     // how many of the data's pixels to write
    LzwOptions lzw;
    bool closed = true;  // the empty sub-block and the trailer
};

std::vector<uint8_t> frame_stream(const GifFile& gif) {
    const size_t frame = size_t{gif.width} * gif.height;
    std::vector<uint8_t> stream;
    for (const uint32_t row : stream_rows(gif.height, gif.interlaced)) {
        for (uint32_t x = 0; x < gif.width; ++x) stream.push_back(gif.indices.at(size_t{row} * gif.width + x));
    }
    if (gif.indices.size() > frame) stream.insert(stream.end(), gif.indices.begin() + frame, gif.indices.end());
    if (stream.size() > gif.written) stream.resize(gif.written);
    return stream;
}

std::vector<uint8_t> build(const GifFile& gif) {
    std::vector<uint8_t> out = {'G', 'I', 'F', '8', '9', 'a'};
    put_le16(&out, gif.screen_width);
    put_le16(&out, gif.screen_height);
    out.push_back(gif.global.empty() ? 0 : static_cast<uint8_t>(0x80 | table_bits(gif.global.size())));
    out.push_back(gif.background);
    out.push_back(0);
    for (const Rgb& entry : gif.global) out.insert(out.end(), entry.begin(), entry.end());
    for (const auto& extension : gif.extensions) out.insert(out.end(), extension.begin(), extension.end());
    out.push_back(0x2C);
    put_le16(&out, gif.left);
    put_le16(&out, gif.top);
    put_le16(&out, gif.width);
    put_le16(&out, gif.height);
    out.push_back(static_cast<uint8_t>((gif.interlaced ? 0x40 : 0) |
                                       (gif.local.empty() ? 0 : 0x80 | table_bits(gif.local.size()))));
    for (const Rgb& entry : gif.local) out.insert(out.end(), entry.begin(), entry.end());
    out.push_back(static_cast<uint8_t>(gif.min_code_size));
    const std::vector<uint8_t> data = lzw_encode(frame_stream(gif), gif.min_code_size, gif.lzw);
    for (size_t i = 0; i < data.size(); i += 255) {
        const size_t block = std::min<size_t>(255, data.size() - i);
        out.push_back(static_cast<uint8_t>(block));
        out.insert(out.end(), data.begin() + static_cast<long>(i), data.begin() + static_cast<long>(i + block));
    }
    if (gif.closed) out.insert(out.end(), {0, 0x3B});
    return out;
}

// The first frame by the rules: stb 2.27's where it decides (undrawn pixels show the
// global table's background entry with red and blue swapped when its index is not 0,
// transparent pixels are 0,0,0,0), parcrop's where it does not (beyond the table: opaque
// black).
Pixels expected(const GifFile& gif) {
    Pixels image{gif.screen_width, gif.screen_height, 4,
                 std::vector<uint8_t>(size_t{gif.screen_width} * gif.screen_height * 4)};
    uint8_t background[4] = {0, 0, 0, 0};
    if (gif.background > 0) {
        background[3] = 255;
        if (gif.background < gif.global.size()) {
            background[0] = gif.global[gif.background][2];
            background[1] = gif.global[gif.background][1];
            background[2] = gif.global[gif.background][0];
        }
    }
    for (size_t i = 0; i < image.data.size(); i += 4) std::memcpy(&image.data[i], background, 4);
    const std::vector<Rgb>& table = gif.local.empty() ? gif.global : gif.local;
    const std::vector<uint32_t> rows = stream_rows(gif.height, gif.interlaced);
    for (size_t r = 0; r < rows.size(); ++r) {
        for (uint32_t x = 0; x < gif.width; ++x) {
            const size_t position = r * gif.width + x;  // in the data
            const uint32_t sx = gif.left + x, sy = gif.top + rows[r];
            if (position >= gif.written || sx >= gif.screen_width || sy >= gif.screen_height) continue;
            const uint8_t index = gif.indices[size_t{rows[r]} * gif.width + x];
            uint8_t* pixel = &image.data[(size_t{sy} * gif.screen_width + sx) * 4];
            if (static_cast<int>(index) == gif.transparent) {
                std::memset(pixel, 0, 4);
            } else if (index < table.size()) {
                std::memcpy(pixel, table[index].data(), 3);
                pixel[3] = 255;
            } else {
                const uint8_t black[4] = {0, 0, 0, 255};
                std::memcpy(pixel, black, 4);
            }
        }
    }
    return image;
}

uint32_t mix(uint32_t value) {
    value ^= value >> 16;
    value *= 0x7feb352d;
    value ^= value >> 15;
    value *= 0x846ca68b;
    return value ^ (value >> 16);
}

std::vector<Rgb> make_table(size_t entries, uint32_t seed) {
    std::vector<Rgb> table(entries);
    for (size_t i = 0; i < entries; ++i) {
        const uint32_t h = mix(static_cast<uint32_t>(i) * 2654435761u + seed);
        table[i] = {static_cast<uint8_t>(h), static_cast<uint8_t>(h >> 8), static_cast<uint8_t>(h >> 16)};
    }
    return table;
}

// Indices below `limit` in runs and noise, so strings grow long and KwKwK codes occur.
std::vector<uint8_t> make_indices(size_t count, uint32_t limit, uint32_t seed) {
    std::vector<uint8_t> indices(count);
    uint32_t run = 0, value = 0;
    for (size_t i = 0; i < count; ++i) {
        if (run == 0) {
            const uint32_t h = mix(static_cast<uint32_t>(i) ^ seed * 0x9E3779B9u);
            run = h % 3 == 0 ? 1 + (h >> 8) % 40 : 1;
            value = (h >> 16) % limit;
        }
        indices[i] = static_cast<uint8_t>(value);
        --run;
    }
    return indices;
}

GifFile plain_gif(uint32_t width, uint32_t height, size_t table_entries, uint32_t seed) {
    GifFile gif;
    gif.screen_width = gif.width = width;
    gif.screen_height = gif.height = height;
    gif.global = make_table(table_entries, seed);
    gif.min_code_size = std::max<uint32_t>(2, table_bits(table_entries) + 1);
    gif.indices = make_indices(size_t{width} * height, static_cast<uint32_t>(table_entries), seed);
    return gif;
}

// ----- decoding -----

using Outcome = DecodeOutcome;

Outcome decode_gif(const std::vector<uint8_t>& bytes, uint32_t x0, uint32_t x1, const std::vector<uint32_t>& rows,
                   uint32_t channels, const Limits& limits = Limits()) {
    return decode_with(make_gif_decoder, bytes, x0, x1, rows, channels, limits);
}

// The whole image and crops (an odd one touching the right edge, one column, single
// rows, a band in the middle), at 1, 3 and 4 channels.
void check_decodes_to(const std::vector<uint8_t>& bytes, const Pixels& reference) {
    const uint32_t w = reference.width, h = reference.height;
    REQUIRE(reference.channels == 4);
    struct Crop {
        uint32_t x0, x1;
        std::vector<uint32_t> rows;
    };
    const std::set<uint32_t> spread = {1 % h, h / 2, h - 1};
    std::vector<Crop> crops = {{0, w, all_rows(h)}, {w / 3, w, {spread.begin(), spread.end()}}, {w - 1, w, {0}}};
    if (h > 6) crops.push_back({w / 4, w / 4 + 1 + w / 3, {h / 3, h / 3 + 1, h / 3 + 2, h / 3 + 3}});
    for (const uint32_t channels : {1u, 3u, 4u}) {
        const Pixels converted = convert_reference(reference, channels);
        for (const Crop& crop : crops) {
            INFO(channels << " channels, x [" << crop.x0 << ", " << crop.x1 << "), rows from " << crop.rows.front());
            const Outcome outcome = decode_gif(bytes, crop.x0, crop.x1, crop.rows, channels);
            REQUIRE(outcome.status.is_ok());
            CHECK(outcome.header.width == w);
            CHECK(outcome.header.height == h);
            CHECK(outcome.sink.rows == crop.rows);
            CHECK(outcome.sink.bytes == crop_reference(converted, crop.x0, crop.x1, crop.rows));
        }
    }
}

// Equal to stb_image and to the rules' pixels. Without an end code, the zero bits that
// pad the last byte can make one more code, which expected() does not know of.
void check_like_stb(const GifFile& gif) {
    const std::vector<uint8_t> bytes = build(gif);
    const Pixels stb = stb_reference_decode(bytes);
    REQUIRE(stb.width == gif.screen_width);
    REQUIRE(stb.channels == 4);
    if (gif.lzw.end_code) {
        const Pixels rules = expected(gif);
        size_t first_difference = 0;
        while (first_difference < stb.data.size() && stb.data[first_difference] == rules.data[first_difference]) {
            ++first_difference;
        }
        INFO("first difference at pixel " << first_difference / 4);
        CHECK(first_difference == stb.data.size());
    }
    check_decodes_to(bytes, stb);
}

parcrop_status status_of(const std::vector<uint8_t>& bytes, const std::vector<uint32_t>& rows = {0},
                         const Limits& limits = Limits()) {
    return decode_gif(bytes, 0, 1, rows, 3, limits).status.code();
}

}  // namespace

// ----- the cases that tested GIF through stb_image -----

TEST_CASE("gif: first frame, opaque and with a transparent index", "[gif]") {
    const EncodedFixture opaque = make_gif(50, 33, 40, -1);
    check_decodes_to(opaque.bytes, opaque.expected);
    const EncodedFixture transparent = make_gif(50, 33, 41, 128);
    check_decodes_to(transparent.bytes, transparent.expected);
}

TEST_CASE("gif: truncated files are truncated, not zero-filled", "[gif][bad]") {
    const EncodedFixture gif = make_gif(37, 29, 3, -1);
    for (const double fraction : {0.5, 0.9, 0.999}) {
        INFO("cut to " << fraction);
        std::vector<uint8_t> cut = gif.bytes;
        cut.resize(static_cast<size_t>(cut.size() * fraction));
        const Outcome outcome = decode_gif(cut, 0, 37, all_rows(29), 3);
        if (fraction == 0.999) {
            // Only part of the end code, the closing block and the trailer are gone: the
            // frame's last pixel came before them, and decoding stops there (stb, which
            // reads on to the trailer, called this truncated).
            REQUIRE(outcome.status.is_ok());
            CHECK(outcome.sink.bytes == crop_reference(convert_reference(gif.expected, 3), 0, 37, all_rows(29)));
            continue;
        }
        CHECK(outcome.status.code() == PARCROP_E_TRUNCATED);
        CHECK(outcome.status.message().find(": ") != std::string::npos);
    }
    // Inside the header or the tables: never a success.
    for (const size_t length : {size_t{3}, size_t{10}, size_t{20}, size_t{700}, size_t{785}}) {
        std::vector<uint8_t> cut = gif.bytes;
        cut.resize(length);
        CHECK(status_of(cut) == PARCROP_E_TRUNCATED);
    }
}

TEST_CASE("gif: a code far past the table is corrupt", "[gif][bad]") {
    std::vector<uint8_t> gif = make_gif(37, 29, 3, -1).bytes;
    const size_t lzw = 6 + 7 + 768 + 10 + 1;  // header, screen, palette, descriptor, code size
    gif[lzw + 1] = 0xFF;  // a code far past the table
    gif[lzw + 2] = 0xFF;
    gif[lzw + 3] = 0xFF;
    CHECK(status_of(gif) == PARCROP_E_CORRUPT);
}

// ----- equal to stb_image -----

TEST_CASE("gif: global and local tables of 2 to 256 entries, LZW with and without periodic clears", "[gif]") {
    for (size_t entries = 2; entries <= 256; entries *= 2) {
        for (const bool local : {false, true}) {
            for (const uint32_t clear_every : {0u, 37u}) {
                INFO(entries << " entries, " << (local ? "local" : "global") << ", clear every " << clear_every);
                GifFile gif = plain_gif(67, 45, entries, static_cast<uint32_t>(entries) + (local ? 100 : 0));
                if (local) {
                    // A global table of other colours that the local one must override.
                    gif.local = gif.global;
                    gif.global = make_table(256, 7);
                }
                gif.lzw.clear_every = clear_every;
                check_like_stb(gif);
            }
        }
    }
}

TEST_CASE("gif: LZW minimum code sizes 2 to 8, widths up to 12 bits and a full table", "[gif]") {
    for (uint32_t min_code_size = 2; min_code_size <= 8; ++min_code_size) {
        INFO("min code size " << min_code_size);
        // 4 colours in noise, coded at every size: literals above the table are unused.
        GifFile gif = plain_gif(200, 150, 4, 60 + min_code_size);
        gif.min_code_size = min_code_size;
        for (size_t i = 0; i < gif.indices.size(); ++i) gif.indices[i] = mix(static_cast<uint32_t>(i) + min_code_size) % 4;
        LzwStats stats;
        lzw_encode(frame_stream(gif), min_code_size, gif.lzw, &stats);
        CHECK(stats.widest == 12);
        CHECK(stats.full_tables >= 1);
        check_like_stb(gif);
    }
    // Noise over 256 colours: the table fills every few hundred codes.
    check_like_stb(plain_gif(200, 150, 256, 9));
}

TEST_CASE("gif: transparent index from the last graphic control extension", "[gif]") {
    for (const bool local : {false, true}) {
        INFO((local ? "local" : "global") << " table");
        GifFile gif = plain_gif(40, 30, 16, 11);
        if (local) {
            gif.local = gif.global;
            gif.global = make_table(2, 3);
        }
        gif.extensions = {graphic_control(3)};
        gif.transparent = 3;
        check_like_stb(gif);
        // The last one counts: first 5, then 9.
        gif.extensions = {graphic_control(5), graphic_control(9)};
        gif.transparent = 9;
        check_like_stb(gif);
        // A later extension without a transparent index cancels an earlier one.
        gif.extensions = {graphic_control(5), graphic_control(-1)};
        gif.transparent = -1;
        check_like_stb(gif);
    }
}

TEST_CASE("gif: other extensions and comments are skipped", "[gif]") {
    GifFile gif = plain_gif(30, 20, 8, 12);
    const std::vector<uint8_t> comment = {0x21, 0xFE, 5, 'h', 'e', 'l', 'l', 'o', 3, 'a', 'b', 'c', 0};
    std::vector<uint8_t> netscape = {0x21, 0xFF, 11};
    for (const char c : std::string("NETSCAPE2.0")) netscape.push_back(static_cast<uint8_t>(c));
    netscape.insert(netscape.end(), {3, 1, 0, 0, 0});
    const std::vector<uint8_t> text = {0x21, 0x01, 12, 0, 0, 0, 0, 10, 0, 10, 0, 8, 8, 1, 0, 2, 'h', 'i', 0};
    gif.extensions = {comment, netscape, graphic_control(2), text};
    gif.transparent = 2;
    check_like_stb(gif);
    // A graphic control block of another size than 4: stb skips it and reads on at the
    // next byte, which here starts the image.
    gif.extensions = {comment, {0x21, 0xF9, 3, 1, 0, 0}};
    gif.transparent = -1;
    check_like_stb(gif);
    // Closed by an empty block as extensions are: stb refuses it, parcrop skips it.
    gif.extensions = {{0x21, 0xF9, 5, 1, 0, 0, 2, 0, 0}};
    const std::vector<uint8_t> bytes = build(gif);
    CHECK(stb_reference_decode(bytes).width == 0);
    check_decodes_to(bytes, expected(gif));
}

TEST_CASE("gif: a frame smaller than the screen, with and without a background index", "[gif]") {
    for (const uint8_t background : {0, 1, 6, 200}) {
        for (const bool interlaced : {false, true}) {
            INFO("background index " << int{background} << (interlaced ? ", interlaced" : ""));
            GifFile gif = plain_gif(23, 17, 8, 13 + background);
            gif.screen_width = 50;
            gif.screen_height = 41;
            gif.left = 9;
            gif.top = 14;
            gif.background = background;  // 200: past the 8-entry global table
            gif.interlaced = interlaced;
            check_like_stb(gif);
            // Touching the screen's right and bottom edges.
            gif.left = 27;
            gif.top = 24;
            check_like_stb(gif);
            // With a transparent index: transparent, not background.
            gif.extensions = {graphic_control(1)};
            gif.transparent = 1;
            check_like_stb(gif);
        }
    }
}

TEST_CASE("gif: interlaced frames of every small height and crops of them", "[gif]") {
    for (uint32_t height = 1; height <= 19; ++height) {
        INFO("height " << height);
        GifFile gif = plain_gif(13, height, 32, 14 + height);
        gif.interlaced = true;
        check_like_stb(gif);
    }
    GifFile big = plain_gif(150, 101, 256, 15);
    big.interlaced = true;
    big.lzw.clear_every = 200;
    check_like_stb(big);
}

TEST_CASE("gif: a stream that ends early shows the background; pixels past the frame are ignored", "[gif]") {
    for (const bool interlaced : {false, true}) {
        for (const bool end_code : {true, false}) {
            INFO((interlaced ? "interlaced" : "progressive") << (end_code ? ", end code" : ", closing block only"));
            GifFile gif = plain_gif(31, 26, 16, 16);
            gif.interlaced = interlaced;
            gif.background = 5;
            gif.lzw.end_code = end_code;
            // Stops in the middle of a row (of the third pass when interlaced).
            gif.written = 31 * 26 - 31 * 7 - 12;
            check_like_stb(gif);
            // More pixels than the frame holds.
            gif.written = SIZE_MAX;
            gif.indices = make_indices(31 * 26 + 500, 16, 17);
            check_like_stb(gif);
        }
    }
}

TEST_CASE("gif: data without a clear code first, and a full table used without clearing", "[gif]") {
    GifFile gif = plain_gif(64, 48, 16, 18);
    gif.lzw.initial_clear = false;
    std::vector<uint8_t> bytes = build(gif);
    CHECK(stb_reference_decode(bytes).width == 0);  // stb 2.27 requires the clear code
    check_decodes_to(bytes, expected(gif));

    // A deferred clear: once the table is full the encoder goes on with it. stb decodes
    // it while it holds fewer than 4096 codes past the full table.
    gif = plain_gif(100, 80, 256, 19);
    gif.lzw.clear_when_full = false;
    check_like_stb(gif);
    gif = plain_gif(300, 200, 256, 20);
    gif.lzw.clear_when_full = false;
    bytes = build(gif);
    CHECK(stb_reference_decode(bytes).width == 0);  // "too many codes"
    check_decodes_to(bytes, expected(gif));
}

// ----- parcrop's own rules -----

TEST_CASE("gif: an index beyond the colour table is opaque black, the same on every run", "[gif]") {
    for (const bool local : {false, true}) {
        INFO((local ? "local" : "global") << " table");
        GifFile gif = plain_gif(20, 10, 4, 21);
        gif.min_code_size = 3;
        gif.indices = make_indices(200, 8, 22);  // 4..7 are past the table
        if (local) {
            gif.local = gif.global;
            gif.global = make_table(256, 2);
        }
        const std::vector<uint8_t> bytes = build(gif);
        const Pixels rules = expected(gif);
        check_decodes_to(bytes, rules);
        const Outcome first = decode_gif(bytes, 0, 20, all_rows(10), 4);
        const Outcome second = decode_gif(bytes, 0, 20, all_rows(10), 4);
        CHECK(first.sink.bytes == second.sink.bytes);
        // stb leaves them transparent black, its table being zeroed past the entries read;
        // everywhere else it agrees.
        const Pixels stb = stb_reference_decode(bytes);
        REQUIRE(stb.width == 20);
        size_t beyond = 0;
        for (size_t i = 0; i < 200; ++i) {
            const uint8_t* ours = &rules.data[i * 4];
            const uint8_t* theirs = &stb.data[i * 4];
            if (gif.indices[i] >= 4) {
                ++beyond;
                CHECK((ours[0] == 0 && ours[1] == 0 && ours[2] == 0 && ours[3] == 255));
                CHECK((theirs[0] == 0 && theirs[1] == 0 && theirs[2] == 0 && theirs[3] == 0));
            } else {
                CHECK(std::equal(ours, ours + 4, theirs));
            }
        }
        CHECK(beyond > 20);
    }
}

TEST_CASE("gif: frames past the screen are clipped, frames outside it are corrupt", "[gif][bad]") {
    GifFile gif = plain_gif(30, 20, 16, 23);
    gif.screen_width = 25;
    gif.screen_height = 18;
    gif.left = 5;
    gif.top = 4;
    const std::vector<uint8_t> bytes = build(gif);
    CHECK(stb_reference_decode(bytes).width == 0);  // stb refuses it
    check_decodes_to(bytes, expected(gif));
    // Through the format sniffer: this decoder, not stb.
    std::unique_ptr<Decoder> decoder;
    REQUIRE(make_decoder({bytes.data(), bytes.size()}, Limits(), &decoder).is_ok());
    ImageHeader header;
    REQUIRE(decoder->read_header(&header).is_ok());
    const std::vector<uint32_t> rows = all_rows(18);
    DecodeRequest request;
    request.x0 = 0;
    request.x1 = 25;
    request.rows = &rows;
    request.channels = 4;
    RecordingSink sink(25 * 4);
    CHECK(decoder->decode(request, sink).is_ok());

    gif.left = 25;  // starts right of the screen
    CHECK(status_of(build(gif)) == PARCROP_E_CORRUPT);
    gif.left = 0;
    gif.top = 18;
    CHECK(status_of(build(gif)) == PARCROP_E_CORRUPT);
}

TEST_CASE("gif: malformed blocks and code sizes", "[gif][bad]") {
    GifFile gif = plain_gif(16, 8, 4, 24);
    for (const uint32_t size : {0u, 1u, 9u, 12u}) {
        INFO("min code size " << size);
        std::vector<uint8_t> bytes = build(gif);
        bytes[6 + 7 + 12 + 10] = static_cast<uint8_t>(size);
        CHECK(status_of(bytes) == PARCROP_E_CORRUPT);
    }
    std::vector<uint8_t> bytes = build(gif);
    bytes[6 + 7 + 12] = 0x3B;  // the trailer instead of the image
    CHECK(status_of(bytes) == PARCROP_E_CORRUPT);
    bytes[6 + 7 + 12] = 0x77;  // no such block
    CHECK(status_of(bytes) == PARCROP_E_CORRUPT);
    gif.global.clear();  // no table at all
    CHECK(status_of(build(gif)) == PARCROP_E_CORRUPT);
    const std::string text = "GIF89a";  // no screen descriptor
    CHECK(status_of(std::vector<uint8_t>(text.begin(), text.end())) == PARCROP_E_TRUNCATED);
    CHECK(status_of({}) == PARCROP_E_EMPTY_INPUT);
    std::vector<uint8_t> empty_screen = build(plain_gif(16, 8, 4, 24));
    empty_screen[6] = empty_screen[7] = 0;
    CHECK(status_of(empty_screen) == PARCROP_E_CORRUPT);
}

TEST_CASE("gif: a code beyond the table's next entry is corrupt, like stb", "[gif][bad]") {
    GifFile gif = plain_gif(16, 8, 4, 25);
    std::vector<uint8_t> bytes = build(gif);
    CodeWriter writer(2);
    writer.code(writer.clear_code());
    writer.code(1);
    REQUIRE(writer.decoder_next() + 1 < (1u << writer.width()));
    writer.code(writer.decoder_next() + 1);  // one past the entry the decoder would make
    for (int i = 0; i < 200; ++i) writer.code(1);
    const std::vector<uint8_t> codes = writer.finish();
    bytes.resize(6 + 7 + 12 + 10 + 1);
    bytes.push_back(static_cast<uint8_t>(codes.size()));
    bytes.insert(bytes.end(), codes.begin(), codes.end());
    bytes.insert(bytes.end(), {0, 0x3B});
    CHECK(stb_reference_decode(bytes).width == 0);
    const Outcome outcome = decode_gif(bytes, 0, 16, all_rows(8), 3);
    CHECK(outcome.status.code() == PARCROP_E_CORRUPT);
    CHECK(outcome.sink.rows.empty());  // the bad code is in the first row
    // Right after a clear code, the entry about to be made cannot be used either.
    CodeWriter after_clear(2);
    after_clear.code(after_clear.clear_code());
    after_clear.code(after_clear.decoder_next());
    const std::vector<uint8_t> early = after_clear.finish();
    bytes.resize(6 + 7 + 12 + 10 + 1);
    bytes.push_back(static_cast<uint8_t>(early.size()));
    bytes.insert(bytes.end(), early.begin(), early.end());
    bytes.insert(bytes.end(), {0, 0x3B});
    CHECK(status_of(bytes) == PARCROP_E_CORRUPT);
}

TEST_CASE("gif: a truncated stream gives the rows before the cut and fails below it", "[gif][bad]") {
    for (const bool interlaced : {false, true}) {
        INFO((interlaced ? "interlaced" : "progressive"));
        GifFile gif = plain_gif(64, 48, 256, 26);
        gif.interlaced = interlaced;
        const std::vector<uint8_t> whole = build(gif);
        const Pixels reference = stb_reference_decode(whole);
        REQUIRE(reference.width == 64);
        std::vector<uint8_t> cut = whole;
        cut.resize(whole.size() * 6 / 10);  // in the data, which fills most of the file

        const Outcome all = decode_gif(cut, 0, 64, all_rows(48), 4);
        CHECK(all.status.code() == PARCROP_E_TRUNCATED);
        // The rows a crop can have: progressive, those above the cut; interlaced, those
        // of the first pass (the cut lies in a later one).
        std::vector<uint32_t> above;
        if (interlaced) {
            CHECK(all.sink.rows.empty());
            above = {0, 8, 16, 24, 32, 40};
        } else {
            REQUIRE(all.sink.rows.size() > 10);
            CHECK(all.sink.rows.size() < 40);
            CHECK(all.sink.rows == all_rows(static_cast<uint32_t>(all.sink.rows.size())));
            CHECK(all.sink.bytes == crop_reference(reference, 0, 64, all.sink.rows));
            above = all.sink.rows;
        }
        const Outcome crop = decode_gif(cut, 5, 50, above, 4);
        REQUIRE(crop.status.is_ok());
        CHECK(crop.sink.bytes == crop_reference(reference, 5, 50, above));
        const Outcome below = decode_gif(cut, 5, 50, {above.back(), 47}, 4);
        CHECK(below.status.code() == PARCROP_E_TRUNCATED);
    }
}

namespace {

// Counts rows and the memory in use while they arrive: the decoder's buffers are live then.
class MeasuringSink : public RowSink {
public:
    explicit MeasuringSink(size_t baseline) : baseline_(baseline) {}
    void row(uint32_t, const uint8_t* pixels) override {
        if (rows == 0) first_pixel = pixels[0];
        ++rows;
        const size_t used = in_use();
        if (used > baseline_) peak_growth = std::max(peak_growth, used - baseline_);
    }
    static size_t in_use() {
        const struct mallinfo2 info = mallinfo2();
        return info.uordblks + info.hblkhd;
    }
    uint32_t rows = 0;
    uint8_t first_pixel = 0;
    size_t peak_growth = 0;

private:
    size_t baseline_;
};

// A 2-colour GIF of `width` x `height` in under 200 bytes: after a clear code, every code
// is the entry the decoder is about to make (KwKwK), so each one is one pixel longer.
std::vector<uint8_t> claiming(uint32_t width, uint32_t height, bool interlaced, bool closed) {
    std::vector<uint8_t> out = {'G', 'I', 'F', '8', '9', 'a'};
    put_le16(&out, width);
    put_le16(&out, height);
    out.insert(out.end(), {0x80, 0, 0, 200, 10, 30, 255, 255, 255});
    out.push_back(0x2C);
    put_le16(&out, 0);
    put_le16(&out, 0);
    put_le16(&out, width);
    put_le16(&out, height);
    out.push_back(interlaced ? 0x40 : 0);
    out.push_back(2);
    CodeWriter writer(2);
    writer.code(writer.clear_code());
    writer.code(0);
    for (int i = 0; i < 160; ++i) writer.code(writer.decoder_next());
    const std::vector<uint8_t> codes = writer.finish();
    REQUIRE(codes.size() < 170);
    out.push_back(static_cast<uint8_t>(codes.size()));
    out.insert(out.end(), codes.begin(), codes.end());
    if (closed) out.push_back(0);
    return out;
}

struct Timed {
    Status status;
    double seconds = 0;
    uint32_t rows = 0;
    uint8_t first_pixel = 0;
    size_t peak_growth = 0;
};

Timed decode_timed(const std::vector<uint8_t>& bytes, uint32_t x0, uint32_t x1, const std::vector<uint32_t>& rows,
                   const Limits& limits = Limits()) {
    const auto start = std::chrono::steady_clock::now();
    MeasuringSink sink(MeasuringSink::in_use());
    Timed timed;
    {
        std::unique_ptr<Decoder> decoder = make_gif_decoder({bytes.data(), bytes.size()}, limits);
        ImageHeader header;
        timed.status = decoder->read_header(&header);
        if (timed.status.is_ok()) {
            DecodeRequest request;
            request.x0 = x0;
            request.x1 = x1;
            request.rows = &rows;
            request.channels = 3;
            timed.status = decoder->decode(request, sink);
        }
    }
    timed.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    timed.rows = sink.rows;
    timed.first_pixel = sink.first_pixel;
    timed.peak_growth = sink.peak_growth;
    return timed;
}

#if defined(PARCROP_SANITIZED)
constexpr double kPrompt = 20.0;  // shadow memory and checks; malloc statistics are not ASan's
constexpr bool kMeasureMemory = false;
#else
constexpr double kPrompt = 2.0;
constexpr bool kMeasureMemory = true;
#endif

}  // namespace

TEST_CASE("gif: a 200-byte file claiming 65535x2700 costs what its data holds", "[gif][bad]") {
    for (const bool interlaced : {false, true}) {
        for (const bool closed : {false, true}) {
            INFO((interlaced ? "interlaced" : "progressive") << (closed ? ", closed" : ", cut"));
            const std::vector<uint8_t> bytes = claiming(65535, 2700, interlaced, closed);
            REQUIRE(bytes.size() <= 200);
            // The corner: the data holds the first pixels of row 0.
            const Timed corner = decode_timed(bytes, 0, 64, {0});
            REQUIRE(corner.status.is_ok());
            CHECK(corner.rows == 1);
            CHECK(corner.first_pixel == 200);  // index 0's red
            CHECK(corner.seconds < kPrompt / 10);
            if (kMeasureMemory) CHECK(corner.peak_growth < 64 * 1024);

            // The whole screen: a cut file fails at once; a closed one is background below
            // the few pixels it holds, handed out row by row.
            const Timed whole = decode_timed(bytes, 0, 65535, all_rows(2700));
            CHECK(whole.seconds < kPrompt);
            if (closed) {
                CHECK(whole.status.is_ok());
                CHECK(whole.rows == 2700);
            } else {
                CHECK(whole.status.code() == PARCROP_E_TRUNCATED);
            }
            if (kMeasureMemory) CHECK(whole.peak_growth < 4 * 1024 * 1024);
        }
    }
}

TEST_CASE("gif: an interlaced crop over max_decode_memory is refused before decoding", "[gif][bad]") {
    GifFile gif = plain_gif(64, 48, 16, 27);
    gif.interlaced = true;
    const std::vector<uint8_t> bytes = build(gif);
    Limits limits;
    limits.max_decode_memory = 1000;
    CHECK(decode_gif(bytes, 0, 64, all_rows(48), 3, limits).status.code() == PARCROP_E_DECODE_MEMORY);
    CHECK(decode_gif(bytes, 0, 20, all_rows(48), 3, limits).status.code() == PARCROP_E_DECODE_MEMORY);
    // Only the requested rows are held: a small crop, or few rows far apart, fit.
    CHECK(decode_gif(bytes, 10, 20, {3, 4, 5, 6, 7}, 3, limits).status.is_ok());
    CHECK(decode_gif(bytes, 0, 64, {3, 40}, 3, limits).status.is_ok());
    // Progressive frames hold one row and need no such memory.
    gif.interlaced = false;
    CHECK(decode_gif(build(gif), 0, 64, all_rows(48), 3, limits).status.is_ok());
    // The claim of a big screen, refused at once.
    limits.max_decode_memory = 100 << 20;
    CHECK(decode_timed(claiming(65535, 2700, true, true), 0, 65535, all_rows(2700), limits).status.code() ==
          PARCROP_E_DECODE_MEMORY);
}
