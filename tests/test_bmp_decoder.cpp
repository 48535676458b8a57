// parcrop's own BMP decoder against files written here for every variant, with the
// expected pixels computed from the values written (palette lookups, bit fields scaled by
// the documented rule, the canvas a run-length stream paints), cross-checked against
// stb_image where stb reads the variant, and the statuses of truncated, corrupt, hostile
// and unsupported files.
#include <catch2/catch.hpp>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <numeric>

#include "decode/bmp/bmp_decoder.h"
#include "decode/bmp/bmp_rle.h"
#include "decode_outcome.h"
#include "image_fixtures.h"
#include "stb_reference.h"

using namespace parcrop;
using namespace parcrop_test;

namespace {

// ----- decoding -----

using Outcome = DecodeOutcome;

Outcome decode_bmp(const std::vector<uint8_t>& bytes, uint32_t x0, uint32_t x1, const std::vector<uint32_t>& rows,
                   uint32_t channels, const Limits& limits = Limits()) {
    return decode_with(make_bmp_decoder, bytes, x0, x1, rows, channels, limits);
}

int worst_difference(const std::vector<uint8_t>& a, const std::vector<uint8_t>& b) {
    REQUIRE(a.size() == b.size());
    int worst = 0;
    for (size_t i = 0; i < a.size(); ++i) worst = std::max(worst, std::abs(int{a[i]} - int{b[i]}));
    return worst;
}

// The whole image and odd crops (the right edge, one column, a band), at 1, 3 and 4
// channels. Images are at least 7 rows high.
void check_decodes_to(const std::vector<uint8_t>& bytes, const Pixels& expected) {
    const uint32_t w = expected.width, h = expected.height;
    REQUIRE(h >= 7);
    struct Crop {
        uint32_t x0, x1;
        std::vector<uint32_t> rows;
    };
    const Crop crops[] = {{0, w, all_rows(h)},
                          {w / 3, w, {1, 2, h / 2, h - 1}},
                          {w - 1, w, {0}},
                          {0, std::max(1u, w / 2), row_range(h / 3, h / 3 + 3)}};
    for (const uint32_t channels : {1u, 3u, 4u}) {
        const Pixels converted = convert_reference(expected, channels);
        for (const Crop& crop : crops) {
            INFO(channels << " channels, x [" << crop.x0 << ", " << crop.x1 << "), first row " << crop.rows[0]);
            const Outcome outcome = decode_bmp(bytes, crop.x0, crop.x1, crop.rows, channels);
            REQUIRE(outcome.status.message() == "");
            CHECK(outcome.header.width == w);
            CHECK(outcome.header.height == h);
            CHECK(outcome.sink.rows == crop.rows);
            CHECK(outcome.sink.bytes == crop_reference(converted, crop.x0, crop.x1, crop.rows));
        }
    }
}

// stb_image's decode of the whole image against ours, at stb's channel count.
void check_matches_stb(const std::vector<uint8_t>& bytes, uint32_t channels, int tolerance = 0) {
    const Pixels reference = stb_reference_decode(bytes);
    REQUIRE(reference.width != 0);
    REQUIRE(reference.channels == channels);
    const Outcome ours = decode_bmp(bytes, 0, reference.width, all_rows(reference.height), channels);
    REQUIRE(ours.status.is_ok());
    CHECK(worst_difference(ours.sink.bytes, reference.data) <= tolerance);
}

parcrop_status status_of(const std::vector<uint8_t>& bytes, const Limits& limits = Limits()) {
    return decode_bmp(bytes, 0, 1, {0}, 3, limits).status.code();
}

// ----- writing BMPs -----

uint32_t mix(uint32_t v) {
    v ^= v >> 16;
    v *= 0x7feb352dU;
    v ^= v >> 15;
    v *= 0x846ca68bU;
    return v ^ (v >> 16);
}

void put16(std::vector<uint8_t>* out, uint32_t v) {
    out->push_back(static_cast<uint8_t>(v));
    out->push_back(static_cast<uint8_t>(v >> 8));
}
void put32(std::vector<uint8_t>* out, uint32_t v) {
    put16(out, v & 0xFFFF);
    put16(out, v >> 16);
}

struct BmpFile {
    uint32_t header_size = 40;  // 12, 40, 52, 56, 64, 108 or 124
    int32_t width = 0, height = 0;  // a negative height is a top-down file
    uint32_t bits = 24;
    uint32_t compression = 0;
    uint32_t colors_used = 0;
    std::vector<uint32_t> palette;  // 0xRRGGBB
    std::vector<uint32_t> masks;    // inside a 52-byte or larger header, else after it
    std::vector<uint8_t> pixels;    // as stored
    long offset = -1;               // of the pixel data; -1: right after the palette

    std::vector<uint8_t> encode() const {
        std::vector<uint8_t> info;
        put32(&info, header_size);
        if (header_size == 12) {
            put16(&info, static_cast<uint32_t>(width));
            put16(&info, static_cast<uint32_t>(height));
            put16(&info, 1);
            put16(&info, bits);
        } else {
            put32(&info, static_cast<uint32_t>(width));
            put32(&info, static_cast<uint32_t>(height));
            put16(&info, 1);
            put16(&info, bits);
            put32(&info, compression);
            put32(&info, static_cast<uint32_t>(pixels.size()));
            put32(&info, 2835);
            put32(&info, 2835);
            put32(&info, colors_used);
            put32(&info, 0);
        }
        const size_t in_header = header_size >= 56 ? 4 : header_size == 52 ? 3 : 0;
        for (size_t i = 0; i < in_header; ++i) put32(&info, i < masks.size() ? masks[i] : 0);
        if (header_size >= 108) put32(&info, 0x73524742);  // 'sRGB'
        info.resize(header_size, 0);
        if (in_header == 0) {
            for (const uint32_t mask : masks) put32(&info, mask);
        }
        for (const uint32_t rgb : palette) {
            info.push_back(static_cast<uint8_t>(rgb));
            info.push_back(static_cast<uint8_t>(rgb >> 8));
            info.push_back(static_cast<uint8_t>(rgb >> 16));
            if (header_size != 12) info.push_back(0);
        }
        std::vector<uint8_t> file = {'B', 'M'};
        const uint32_t data_offset = offset >= 0 ? static_cast<uint32_t>(offset) : 14 + static_cast<uint32_t>(info.size());
        put32(&file, static_cast<uint32_t>(14 + info.size() + pixels.size()));
        put32(&file, 0);
        put32(&file, data_offset);
        file.insert(file.end(), info.begin(), info.end());
        file.resize(std::max<size_t>(file.size(), data_offset), 0);
        file.insert(file.end(), pixels.begin(), pixels.end());
        return file;
    }
};

// Pixel values (top row first) at `bits` per pixel, leftmost pixel in the high bits below
// 8 bits, little-endian above; rows padded to 4 bytes and stored bottom row first unless
// top-down.
std::vector<uint8_t> pack_rows(const std::vector<uint32_t>& values, uint32_t width, uint32_t height, uint32_t bits,
                               bool top_down) {
    const size_t stride = (size_t{width} * bits + 31) / 32 * 4;
    std::vector<uint8_t> out(stride * height, 0);
    for (uint32_t y = 0; y < height; ++y) {
        uint8_t* row = out.data() + stride * (top_down ? y : height - 1 - y);
        for (uint32_t x = 0; x < width; ++x) {
            const uint32_t value = values[size_t{y} * width + x];
            if (bits < 8) {
                const size_t bit = size_t{x} * bits;
                row[bit / 8] |= static_cast<uint8_t>(value << (8 - bits - bit % 8));
            } else {
                for (uint32_t b = 0; b < bits / 8; ++b) row[size_t{x} * (bits / 8) + b] = static_cast<uint8_t>(value >> (8 * b));
            }
        }
    }
    return out;
}

std::vector<uint32_t> make_palette(uint32_t count, uint32_t seed, bool gray) {
    std::vector<uint32_t> palette(count);
    for (uint32_t i = 0; i < count; ++i) {
        const uint32_t v = mix(i * 7919 + seed);
        palette[i] = gray ? (v & 0xFF) * 0x010101 : v & 0xFFFFFF;
    }
    return palette;
}

// RGB of each index through `palette`; indices past it are opaque black.
Pixels look_up(const std::vector<uint32_t>& indices, uint32_t width, uint32_t height,
               const std::vector<uint32_t>& palette) {
    Pixels out{width, height, 3, std::vector<uint8_t>(size_t{width} * height * 3, 0)};
    for (size_t i = 0; i < indices.size(); ++i) {
        const uint32_t rgb = indices[i] < palette.size() ? palette[indices[i]] : 0;
        out.data[3 * i] = static_cast<uint8_t>(rgb >> 16);
        out.data[3 * i + 1] = static_cast<uint8_t>(rgb >> 8);
        out.data[3 * i + 2] = static_cast<uint8_t>(rgb);
    }
    return out;
}

// Indices of a photo, in [0, 2^bits): smooth areas give runs, noise gives literals.
std::vector<uint32_t> photo_indices(uint32_t width, uint32_t height, uint32_t bits, uint32_t seed) {
    const Pixels photo = make_photo(width, height, 1, seed);
    std::vector<uint32_t> indices(photo.data.size());
    for (size_t i = 0; i < indices.size(); ++i) indices[i] = photo.data[i] >> (8 - bits);
    return indices;
}

// The documented bit-field rule: floor(v * 255 / max), as Pillow scales 5- and 6-bit fields.
uint8_t scaled(uint32_t value, uint32_t max) { return static_cast<uint8_t>(uint64_t{value} * 255 / max); }

// A run-length stream and the canvas of palette indices (file row order) it paints, kept
// by the writer itself as each escape is written: the expectation never comes from a
// decoder. Only streams that stay inside the image are written this way.
class RleWriter {
public:
    RleWriter(uint32_t width, uint32_t height, bool four_bit)
        : width_(width), height_(height), four_bit_(four_bit), canvas_(size_t{width} * height, 0) {}

    void run(uint32_t count, uint8_t first, uint8_t second) {
        bytes_.push_back(static_cast<uint8_t>(count));
        bytes_.push_back(four_bit_ ? static_cast<uint8_t>(first << 4 | second) : first);
        for (uint32_t i = 0; i < count; ++i) paint(i % 2 != 0 && four_bit_ ? second : first);
    }
    void literal(const std::vector<uint8_t>& indices) {
        REQUIRE(indices.size() >= 3);
        bytes_.push_back(0);
        bytes_.push_back(static_cast<uint8_t>(indices.size()));
        size_t written = 0;
        for (size_t i = 0; i < indices.size(); ++i) {
            paint(indices[i]);
            if (!four_bit_) {
                bytes_.push_back(indices[i]);
                ++written;
            } else if (i % 2 == 0) {
                bytes_.push_back(static_cast<uint8_t>(indices[i] << 4));
                ++written;
            } else {
                bytes_.back() |= indices[i];
            }
        }
        if (written % 2 != 0) bytes_.push_back(0);
    }
    void end_of_line() {
        bytes_.insert(bytes_.end(), {0, 0});
        ++row_;
        x_ = 0;
    }
    void delta(uint8_t right, uint8_t up) {
        bytes_.insert(bytes_.end(), {0, 2, right, up});
        x_ += right;
        row_ += up;
    }
    void end_of_bitmap() { bytes_.insert(bytes_.end(), {0, 1}); }

    // One row of indices, as runs where pixels repeat (RLE4: alternate) and literals elsewhere.
    void encode_row(const std::vector<uint32_t>& indices, uint32_t y) {
        const uint32_t* row = indices.data() + size_t{y} * width_;
        uint32_t i = 0;
        const auto run_length = [&](uint32_t at) {
            uint32_t n = 1;
            while (at + n < width_ && n < 255 && row[at + n] == row[at + (four_bit_ ? n % 2 : 0)]) ++n;
            return n;
        };
        while (i < width_) {
            const uint32_t n = run_length(i);
            if (n >= 3) {
                run(n, static_cast<uint8_t>(row[i]), static_cast<uint8_t>(row[i + 1]));
                i += n;
                continue;
            }
            std::vector<uint8_t> literal_indices;
            while (i < width_ && literal_indices.size() < 255 && (literal_indices.size() < 3 || run_length(i) < 3)) {
                literal_indices.push_back(static_cast<uint8_t>(row[i++]));
            }
            if (literal_indices.size() >= 3) {
                literal(literal_indices);
            } else {
                for (const uint8_t index : literal_indices) run(1, index, index);
            }
        }
    }

    const std::vector<uint8_t>& bytes() const { return bytes_; }
    // The canvas as the image's indices, top row first.
    std::vector<uint32_t> image_indices(bool bottom_up) const {
        std::vector<uint32_t> out(canvas_.size());
        for (uint32_t r = 0; r < height_; ++r) {
            const uint32_t y = bottom_up ? height_ - 1 - r : r;
            std::copy(canvas_.begin() + size_t{r} * width_, canvas_.begin() + size_t{r + 1} * width_,
                      out.begin() + size_t{y} * width_);
        }
        return out;
    }

private:
    void paint(uint8_t index) {
        REQUIRE(x_ < width_);
        REQUIRE(row_ < height_);
        canvas_[size_t{row_} * width_ + x_++] = index;
    }

    const uint32_t width_, height_;
    const bool four_bit_;
    std::vector<uint8_t> canvas_;
    std::vector<uint8_t> bytes_;
    uint32_t x_ = 0, row_ = 0;
};

BmpFile rle_file(uint32_t width, int32_t height, bool four_bit, const std::vector<uint32_t>& palette,
                 const std::vector<uint8_t>& runs) {
    BmpFile file;
    file.width = static_cast<int32_t>(width);
    file.height = height;
    file.bits = four_bit ? 4 : 8;
    file.compression = four_bit ? 2 : 1;
    file.colors_used = static_cast<uint32_t>(palette.size());
    file.palette = palette;
    file.pixels = runs;
    return file;
}

// A whole image run-length encoded row by row (file order), ending with end-of-bitmap.
struct RleFixture {
    std::vector<uint8_t> bytes;
    Pixels expected;
    size_t runs_offset;
};
RleFixture rle_image(uint32_t width, uint32_t height, bool four_bit, bool top_down, uint32_t seed) {
    const uint32_t bits = four_bit ? 4 : 8;
    const std::vector<uint32_t> indices = photo_indices(width, height, bits, seed);
    const std::vector<uint32_t> palette = make_palette(1u << bits, seed, false);
    RleWriter writer(width, height, four_bit);
    for (uint32_t r = 0; r < height; ++r) {
        writer.encode_row(indices, top_down ? r : height - 1 - r);
        if (r + 1 < height) writer.end_of_line();
    }
    writer.end_of_bitmap();
    REQUIRE(writer.image_indices(!top_down) == indices);
    const int32_t stored_height = top_down ? -static_cast<int32_t>(height) : static_cast<int32_t>(height);
    return {rle_file(width, stored_height, four_bit, palette, writer.bytes()).encode(),
            look_up(indices, width, height, palette), 14 + 40 + 4 * palette.size()};
}

}  // namespace

// ----- pixel formats -----

TEST_CASE("bmp: 1, 2, 4 and 8-bit palettes of every size, indices past the palette black", "[bmp]") {
    const uint32_t width = 37, height = 11;
    for (const uint32_t bits : {1u, 2u, 4u, 8u}) {
        const uint32_t full = 1u << bits;
        for (const uint32_t size : {full, std::max(1u, full / 2 + 1), 1u}) {
            for (const bool gray : {false, true}) {
                for (const bool top_down : {false, true}) {
                    INFO(bits << " bits, " << size << " entries, gray " << gray << ", top-down " << top_down);
                    std::vector<uint32_t> indices(size_t{width} * height);
                    for (size_t i = 0; i < indices.size(); ++i) indices[i] = mix(static_cast<uint32_t>(i) + bits) % full;
                    BmpFile file;
                    file.width = width;
                    file.height = top_down ? -static_cast<int32_t>(height) : height;
                    file.bits = bits;
                    file.palette = make_palette(size, bits, gray);
                    file.colors_used = size == full && bits != 8 ? 0 : size;  // 0: 2^bits
                    file.pixels = pack_rows(indices, width, height, bits, top_down);
                    const std::vector<uint8_t> bytes = file.encode();
                    check_decodes_to(bytes, look_up(indices, width, height, file.palette));
                    // stb reads full palettes of 1, 4 and 8 bits (and leaks stack bytes past short ones).
                    if (size == full && bits != 2) check_matches_stb(bytes, 3);
                }
            }
        }
    }
}

TEST_CASE("bmp: core (OS/2 1.x) header with 3-byte palette entries", "[bmp]") {
    const uint32_t width = 29, height = 13;
    for (const uint32_t bits : {1u, 4u, 8u, 24u}) {
        INFO(bits << " bits");
        BmpFile file;
        file.header_size = 12;
        file.width = width;
        file.height = height;
        file.bits = bits;
        Pixels expected;
        if (bits == 24) {
            const Pixels photo = make_photo(width, height, 3, 5);
            std::vector<uint32_t> values(size_t{width} * height);
            for (size_t i = 0; i < values.size(); ++i) {
                values[i] = uint32_t{photo.data[3 * i]} << 16 | uint32_t{photo.data[3 * i + 1]} << 8 | photo.data[3 * i + 2];
            }
            file.pixels = pack_rows(values, width, height, 24, false);
            expected = photo;
        } else {
            const std::vector<uint32_t> indices = photo_indices(width, height, bits, 6);
            file.palette = make_palette(1u << bits, 7, false);
            file.pixels = pack_rows(indices, width, height, bits, false);
            expected = look_up(indices, width, height, file.palette);
        }
        check_decodes_to(file.encode(), expected);
        // stb 2.27 counts a core palette 4 entries short (it subtracts 24 header bytes, not
        // 12) and reads short palettes with uninitialised entries; Pillow agrees with us.
        if (bits == 24) check_matches_stb(file.encode(), 3);
    }
}

TEST_CASE("bmp: 16 bits, 5-5-5 by default and 5-6-5 bit fields, scaled like Pillow", "[bmp]") {
    const uint32_t width = 33, height = 9;
    const Pixels photo = make_photo(width, height, 3, 8);
    struct Layout {
        uint32_t compression;
        std::vector<uint32_t> masks;
        uint32_t red_bits, green_bits, blue_bits;
    };
    const Layout layouts[] = {{0, {}, 5, 5, 5}, {3, {0x7C00, 0x03E0, 0x001F}, 5, 5, 5}, {3, {0xF800, 0x07E0, 0x001F}, 5, 6, 5}};
    for (const Layout& layout : layouts) {
        for (const uint32_t header_size : {40u, 56u, 124u}) {
            INFO("compression " << layout.compression << ", green " << layout.green_bits << " bits, header " << header_size);
            std::vector<uint32_t> values(size_t{width} * height);
            Pixels expected{width, height, 3, std::vector<uint8_t>(values.size() * 3)};
            for (size_t i = 0; i < values.size(); ++i) {
                const uint32_t r = photo.data[3 * i] >> (8 - layout.red_bits);
                const uint32_t g = photo.data[3 * i + 1] >> (8 - layout.green_bits);
                const uint32_t b = photo.data[3 * i + 2] >> (8 - layout.blue_bits);
                values[i] = r << (layout.green_bits + layout.blue_bits) | g << layout.blue_bits | b;
                expected.data[3 * i] = scaled(r, (1u << layout.red_bits) - 1);
                expected.data[3 * i + 1] = scaled(g, (1u << layout.green_bits) - 1);
                expected.data[3 * i + 2] = scaled(b, (1u << layout.blue_bits) - 1);
            }
            BmpFile file;
            file.header_size = header_size;
            file.width = width;
            file.height = height;
            file.bits = 16;
            file.compression = layout.compression;
            file.masks = layout.compression == 3 ? layout.masks : std::vector<uint32_t>{};
            if (layout.compression == 0 && header_size > 40) file.masks = {0xF800, 0x07E0, 0x001F};  // ignored for BI_RGB
            file.pixels = pack_rows(values, width, height, 16, false);
            check_decodes_to(file.encode(), expected);
            // stb replicates the high bits instead (within 1); it misreads 56-byte headers.
            if (header_size != 56) check_matches_stb(file.encode(), 3, 1);
        }
    }
}

TEST_CASE("bmp: the bit-field rule equals Pillow's 5- and 6-bit tables", "[bmp]") {
    // Pillow 13's BGR;15 unpacker, blue channel of values 0..31, and BGR;16 green of 0..63.
    const uint8_t pillow5[32] = {0,   8,   16,  24,  32,  41,  49,  57,  65,  74,  82,  90,  98,  106, 115, 123,
                                 131, 139, 148, 156, 164, 172, 180, 189, 197, 205, 213, 222, 230, 238, 246, 255};
    std::vector<uint32_t> values;
    for (uint32_t v = 0; v < 32; ++v) values.push_back(v);
    for (uint32_t v = 0; v < 64; ++v) values.push_back(v << 5);
    BmpFile file;
    file.width = 96;
    file.height = 1;
    file.bits = 16;
    file.compression = 3;
    file.masks = {0, 0x07E0, 0x001F};  // no red: 0
    file.pixels = pack_rows(values, 96, 1, 16, false);
    const Outcome outcome = decode_bmp(file.encode(), 0, 96, {0}, 3);
    REQUIRE(outcome.status.is_ok());
    for (uint32_t v = 0; v < 32; ++v) {
        CHECK(outcome.sink.bytes[3 * v] == 0);
        CHECK(outcome.sink.bytes[3 * v + 2] == pillow5[v]);
    }
    for (uint32_t v = 0; v < 64; ++v) CHECK(outcome.sink.bytes[3 * (32 + v) + 1] == v * 255 / 63);
    CHECK(outcome.sink.bytes[3 * (32 + 63) + 1] == 255);
}

TEST_CASE("bmp: 24 and 32 bits BI_RGB, bottom-up and top-down; the fourth byte is not alpha", "[bmp]") {
    const uint32_t width = 31, height = 10;
    const Pixels photo = make_photo(width, height, 3, 9);
    for (const uint32_t bits : {24u, 32u}) {
        for (const bool top_down : {false, true}) {
            INFO(bits << " bits, top-down " << top_down);
            std::vector<uint32_t> values(size_t{width} * height);
            for (size_t i = 0; i < values.size(); ++i) {
                values[i] = uint32_t{photo.data[3 * i]} << 16 | uint32_t{photo.data[3 * i + 1]} << 8 | photo.data[3 * i + 2];
                if (bits == 32) values[i] |= (mix(static_cast<uint32_t>(i)) & 0xFF) << 24;  // junk, never alpha
            }
            BmpFile file;
            file.width = width;
            file.height = top_down ? -static_cast<int32_t>(height) : height;
            file.bits = bits;
            file.pixels = pack_rows(values, width, height, bits, top_down);
            check_decodes_to(file.encode(), photo);
            if (bits == 24) check_matches_stb(file.encode(), 3);
        }
    }
}

TEST_CASE("bmp: 24 and 32 bits from stb_image_write (moved from the stb tests)", "[bmp]") {
    check_decodes_to(encode_bmp(make_photo(37, 29, 3, 1)), make_photo(37, 29, 3, 1));
    check_decodes_to(encode_bmp(make_photo(37, 29, 4, 2)), make_photo(37, 29, 4, 2));
}

TEST_CASE("bmp: 32-bit bit fields with alpha in V3, V4, V5 headers and BI_ALPHABITFIELDS", "[bmp]") {
    const uint32_t width = 27, height = 8;
    const Pixels photo = make_photo(width, height, 4, 11);
    struct Layout {
        uint32_t header_size, compression;
        std::vector<uint32_t> masks;  // R, G, B, A
    };
    const Layout layouts[] = {
        {56, 3, {0x00FF0000, 0x0000FF00, 0x000000FF, 0xFF000000}},
        {108, 3, {0x000000FF, 0x0000FF00, 0x00FF0000, 0xFF000000}},
        {124, 3, {0xFF000000, 0x00FF0000, 0x0000FF00, 0x000000FF}},
        {40, 6, {0x00FF0000, 0x0000FF00, 0x000000FF, 0xFF000000}},
        {124, 3, {0x3FF00000, 0x000FFC00, 0x000003FF, 0xC0000000}},  // 10-10-10-2
        {52, 3, {0x00FF0000, 0x0000FF00, 0x000000FF}},              // V2: no alpha
        {40, 3, {0x000000FF, 0x0000FF00, 0x00FF0000}},              // masks after the header
    };
    for (const Layout& layout : layouts) {
        INFO("header " << layout.header_size << ", compression " << layout.compression << ", red mask " << std::hex
                       << layout.masks[0]);
        const bool alpha = layout.masks.size() == 4;
        std::vector<uint32_t> values(size_t{width} * height);
        Pixels expected{width, height, alpha ? 4u : 3u, std::vector<uint8_t>(values.size() * (alpha ? 4 : 3))};
        for (size_t i = 0; i < values.size(); ++i) {
            values[i] = 0;
            for (size_t c = 0; c < layout.masks.size(); ++c) {
                const uint32_t mask = layout.masks[c];
                uint32_t shift = 0;
                while (((mask >> shift) & 1) == 0) ++shift;
                const uint32_t max = mask >> shift;
                // A field value from the 8-bit photo and the hash, so every bit of wide fields varies.
                const uint32_t value = (uint32_t{photo.data[4 * i + c]} << 8 | (mix(static_cast<uint32_t>(i * 4 + c)) & 0xFF)) % (max + 1);
                values[i] |= value << shift;
                expected.data[expected.channels * i + c] = scaled(value, max);
            }
        }
        BmpFile file;
        file.header_size = layout.header_size;
        file.width = width;
        file.height = height;
        file.bits = 32;
        file.compression = layout.compression;
        file.masks = layout.masks;
        file.pixels = pack_rows(values, width, height, 32, false);
        check_decodes_to(file.encode(), expected);
        // stb reads V4/V5 masks, and refuses fields wider than 8 bits.
        if (layout.header_size >= 108 && layout.masks[0] != 0x3FF00000) check_matches_stb(file.encode(), 4);
    }
}

// ----- run-length -----

TEST_CASE("bmp: RLE8 and RLE4 images, bottom-up and top-down", "[bmp][rle]") {
    for (const bool four_bit : {false, true}) {
        for (const bool top_down : {false, true}) {
            for (const uint32_t width : {1u, 2u, 7u, 40u, 301u}) {
                INFO("RLE" << (four_bit ? 4 : 8) << ", top-down " << top_down << ", width " << width);
                const RleFixture fixture = rle_image(width, 9, four_bit, top_down, width + 3);
                check_decodes_to(fixture.bytes, fixture.expected);
            }
        }
    }
}

TEST_CASE("bmp: run-length deltas, early ends of line and of bitmap leave index 0", "[bmp][rle]") {
    for (const bool four_bit : {false, true}) {
        INFO("RLE" << (four_bit ? 4 : 8));
        const uint32_t width = 20, height = 8;
        const std::vector<uint32_t> palette = make_palette(16, 3, false);  // index 0 is not black
        RleWriter writer(width, height, four_bit);
        writer.run(5, 3, 4);
        writer.delta(4, 0);  // same row, skips columns 5..8
        writer.literal({1, 2, 3, 4, 5});
        writer.end_of_line();  // columns 14..19 of file row 0 unwritten
        writer.delta(2, 2);    // to file row 3, column 2
        writer.run(18, 7, 8);
        writer.end_of_line();
        writer.literal({9, 10, 11});  // file row 4
        writer.delta(0, 1);
        writer.run(2, 12, 12);  // file row 5, columns 3..4
        writer.end_of_bitmap();  // rows 6 and 7 never written
        const std::vector<uint32_t> indices = writer.image_indices(true);
        const std::vector<uint8_t> bytes = rle_file(width, height, four_bit, palette, writer.bytes()).encode();
        check_decodes_to(bytes, look_up(indices, width, height, palette));
        CHECK(indices[0] == 0);  // the top row is all unwritten
    }
}

TEST_CASE("bmp: run-length runs past the row are clipped or carried on as Pillow does", "[bmp][rle]") {
    // 4x3 RLE8 files and Pillow 13's decode of them (top row first).
    const std::vector<uint32_t> palette = make_palette(16, 21, false);
    struct Case {
        std::vector<uint8_t> runs;
        std::vector<uint32_t> pillow;
    };
    const Case cases[] = {
        // An encoded run of 6 in a row of 4 is clipped.
        {{6, 1, 0, 0, 4, 2, 0, 0, 4, 3, 0, 0, 0, 1}, {3, 3, 3, 3, 2, 2, 2, 2, 1, 1, 1, 1}},
        // An absolute run of 6 continues into the next row; end-of-line pads that row.
        {{0, 6, 7, 8, 9, 10, 11, 12, 0, 0, 4, 3, 0, 0, 0, 1}, {3, 3, 3, 3, 11, 12, 0, 0, 7, 8, 9, 10}},
    };
    for (const Case& c : cases) {
        const std::vector<uint8_t> bytes = rle_file(4, 3, false, palette, c.runs).encode();
        const Pixels expected = look_up(c.pillow, 4, 3, palette);
        const Outcome outcome = decode_bmp(bytes, 0, 4, all_rows(3), 3);
        REQUIRE(outcome.status.is_ok());
        CHECK(outcome.sink.bytes == expected.data);
        for (uint32_t y = 0; y < 3; ++y) {  // a row alone, replayed from inside the run
            const Outcome alone = decode_bmp(bytes, 1, 4, {y}, 3);
            REQUIRE(alone.status.is_ok());
            CHECK(alone.sink.bytes == crop_reference(expected, 1, 4, {y}));
        }
    }
}

TEST_CASE("bmp: run-length data cut short: rows decoded before the cut are fine", "[bmp][rle][bad]") {
    for (const bool four_bit : {false, true}) {
        const RleFixture fixture = rle_image(45, 20, four_bit, false, 30);
        std::vector<uint8_t> cut = fixture.bytes;
        cut.resize(fixture.runs_offset + (cut.size() - fixture.runs_offset) / 2);  // half the runs
        // Bottom-up: the last rows come first in the file.
        const Outcome bottom = decode_bmp(cut, 3, 40, row_range(17, 20), 3);
        REQUIRE(bottom.status.is_ok());
        CHECK(bottom.sink.bytes == crop_reference(fixture.expected, 3, 40, row_range(17, 20)));
        const Outcome top = decode_bmp(cut, 0, 45, row_range(0, 3), 3);
        CHECK(top.status.code() == PARCROP_E_TRUNCATED);
        CHECK(top.status.message() == "bmp: data ends inside the image");
        CHECK(top.sink.rows.empty());
        // Cut inside an escape, a delta and an absolute run: never a read past the data.
        // (Without its end-of-bitmap escape, the image is complete.)
        for (size_t length = 1; length + 2 < fixture.bytes.size(); length += 3) {
            std::vector<uint8_t> shorter(fixture.bytes.begin(), fixture.bytes.begin() + static_cast<long>(length));
            CHECK(decode_bmp(shorter, 0, 45, all_rows(20), 4).status.code() == PARCROP_E_TRUNCATED);
        }
    }
}

TEST_CASE("bmp: the run-length row index is checked against max_decode_memory", "[bmp][rle][bad]") {
    for (const bool top_down : {false, true}) {
        const RleFixture fixture = rle_image(100, 100, false, top_down, 40);
        Limits limits;
        limits.max_decode_memory = BmpRleReader::index_bytes(50);  // whatever the crop's width
        const Outcome whole = decode_bmp(fixture.bytes, 0, 100, all_rows(100), 3, limits);
        CHECK(whole.status.code() == PARCROP_E_DECODE_MEMORY);
        CHECK(whole.sink.rows.empty());
        CHECK(decode_bmp(fixture.bytes, 0, 1, {0, 99}, 3, limits).status.code() == PARCROP_E_DECODE_MEMORY);
        // Rows 25..74: 50 rows to index.
        const std::vector<uint32_t> band_rows = {25, 26, 50, 74};
        const Outcome band = decode_bmp(fixture.bytes, 0, 100, band_rows, 3, limits);
        REQUIRE(band.status.is_ok());
        CHECK(band.sink.bytes == crop_reference(fixture.expected, 0, 100, band_rows));
    }
}

TEST_CASE("bmp: huge run-length images of few bytes cost what the crop needs", "[bmp][rle][bad]") {
    // 13000 x 13000 RLE8: deltas across the whole image, then nothing. A corner crop expands
    // a small region; the work is the few data bytes.
    std::vector<uint8_t> runs = {5, 9};
    for (int i = 0; i < 40; ++i) runs.insert(runs.end(), {0, 2, 255, 255});  // to file row 10200
    runs.insert(runs.end(), {0, 0, 3, 7});
    const std::vector<uint32_t> palette = make_palette(256, 50, false);
    const auto started = std::chrono::steady_clock::now();
    const std::vector<uint8_t> bytes = rle_file(13000, 13000, false, palette, runs).encode();
    const Outcome bottom = decode_bmp(bytes, 0, 8, row_range(12990, 13000), 3);
    REQUIRE(bottom.status.is_ok());
    // The last row holds the first run: five pixels of index 9, then index 0.
    const Pixels expected = look_up({9, 9, 9, 9, 9, 0, 0, 0}, 8, 1, palette);
    CHECK(std::vector<uint8_t>(bottom.sink.bytes.end() - 24, bottom.sink.bytes.end()) == expected.data);
    // The top rows: past the data, without an end-of-bitmap escape.
    CHECK(decode_bmp(bytes, 12990, 13000, {0}, 3).status.code() == PARCROP_E_TRUNCATED);
    runs.insert(runs.end(), {0, 1});
    const std::vector<uint8_t> ended = rle_file(13000, 13000, false, palette, runs).encode();
    const Outcome top = decode_bmp(ended, 12990, 13000, {0, 1}, 1);
    REQUIRE(top.status.is_ok());
    CHECK(top.sink.bytes == convert_reference(look_up(std::vector<uint32_t>(20, 0), 10, 2, palette), 1).data);
    CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(5));
}

TEST_CASE("bmp: arbitrary run-length bytes always terminate inside the image", "[bmp][rle][bad]") {
    const std::vector<uint32_t> palette = make_palette(256, 60, false);
    for (uint32_t seed = 0; seed < 300; ++seed) {
        std::vector<uint8_t> runs(seed % 97 + 1);
        for (size_t i = 0; i < runs.size(); ++i) {
            const uint32_t v = mix(seed * 1000 + static_cast<uint32_t>(i));
            // Plenty of escapes (0) and small values.
            runs[i] = static_cast<uint8_t>(v % 3 == 0 ? 0 : v % 5 == 0 ? (v >> 8) % 4 : v >> 8);
        }
        const bool four_bit = seed % 2 != 0;
        const int32_t height = seed % 3 == 0 ? -7 : 7;
        const std::vector<uint8_t> bytes = rle_file(11, height, four_bit, palette, runs).encode();
        const Outcome first = decode_bmp(bytes, 2, 9, {1, 3, 6}, 3);
        const Outcome again = decode_bmp(bytes, 2, 9, {1, 3, 6}, 3);
        CHECK((first.status.is_ok() || first.status.code() == PARCROP_E_TRUNCATED));
        CHECK(first.sink.bytes == again.sink.bytes);
        // Rows replayed on their own equal the same rows of the whole image.
        const Outcome whole = decode_bmp(bytes, 0, 11, all_rows(7), 3);
        if (!whole.status.is_ok() || !first.status.is_ok()) continue;
        Pixels image{11, 7, 3, whole.sink.bytes};
        CHECK(first.sink.bytes == crop_reference(image, 2, 9, {1, 3, 6}));
    }
}

// ----- hostile and damaged files -----

TEST_CASE("bmp: indices past a short palette are opaque black, every time", "[bmp][bad]") {
    // 8 bits with a 2-entry palette, every index 0..255 used: stb left the rest of its
    // palette uninitialised, so the output depended on the stack.
    std::vector<uint32_t> indices(256);
    std::iota(indices.begin(), indices.end(), 0);
    BmpFile file;
    file.width = 32;
    file.height = 8;
    file.bits = 8;
    file.palette = {0x102030, 0x405060};
    file.colors_used = 2;
    file.pixels = pack_rows(indices, 32, 8, 8, false);
    const std::vector<uint8_t> bytes = file.encode();
    const Outcome first = decode_bmp(bytes, 0, 32, all_rows(8), 4);
    REQUIRE(first.status.is_ok());
    for (uint32_t i = 0; i < 256; ++i) {
        const uint8_t* pixel = first.sink.bytes.data() + 4 * i;
        const uint32_t rgb = i < 2 ? file.palette[i] : 0;
        CHECK(pixel[0] == static_cast<uint8_t>(rgb >> 16));
        CHECK(pixel[1] == static_cast<uint8_t>(rgb >> 8));
        CHECK(pixel[2] == static_cast<uint8_t>(rgb));
        CHECK(pixel[3] == 255);
    }
    CHECK(decode_bmp(bytes, 0, 32, all_rows(8), 4).sink.bytes == first.sink.bytes);

    // A header claiming 200 colours with room for 3 before the pixel data: 3 are read.
    file.colors_used = 200;
    file.palette = {0x112233, 0x445566, 0x778899};
    const Outcome clamped = decode_bmp(file.encode(), 0, 32, all_rows(8), 3);
    REQUIRE(clamped.status.is_ok());
    CHECK(clamped.sink.bytes == look_up(indices, 32, 8, file.palette).data);
}

TEST_CASE("bmp: pixel data that starts inside the headers is corrupt", "[bmp][bad]") {
    BmpFile file;
    file.width = 4;
    file.height = 4;
    file.bits = 8;
    file.palette = make_palette(4, 1, false);
    file.pixels = std::vector<uint8_t>(16, 1);
    for (const long offset : {0L, 14L, 53L}) {
        file.offset = offset;
        const Outcome outcome = decode_bmp(file.encode(), 0, 4, {0}, 3);
        CHECK(outcome.status.code() == PARCROP_E_CORRUPT);
        CHECK(outcome.status.message() == "bmp: pixel data starts inside the headers");
    }
    // Right after the header: no room for a palette, so every index is black.
    file.offset = 54;
    const Outcome no_palette = decode_bmp(file.encode(), 0, 4, all_rows(4), 3);
    REQUIRE(no_palette.status.is_ok());
    CHECK(no_palette.sink.bytes == std::vector<uint8_t>(48, 0));
}

TEST_CASE("bmp: a tiny file claiming 13000 x 13000 fails fast, holding one row", "[bmp][bad]") {
    BmpFile file;
    file.width = 13000;
    file.height = 13000;
    file.bits = 24;
    file.pixels = std::vector<uint8_t>(96, 0x5A);
    std::vector<uint8_t> bytes = file.encode();
    REQUIRE(bytes.size() == 150);
    const auto started = std::chrono::steady_clock::now();
    // The top-left corner is the end of the file's data; the bottom-left is its start.
    const Outcome corner = decode_bmp(bytes, 0, 16, row_range(0, 16), 3);
    CHECK(corner.status.code() == PARCROP_E_TRUNCATED);
    CHECK(corner.status.message() == "bmp: data ends inside the image");
    CHECK(corner.sink.rows.empty());
    const Outcome bottom = decode_bmp(bytes, 0, 32, {12999}, 3);
    REQUIRE(bottom.status.is_ok());
    CHECK(bottom.sink.bytes == std::vector<uint8_t>(96, 0x5A));
    CHECK(decode_bmp(bytes, 0, 33, {12999}, 3).status.code() == PARCROP_E_TRUNCATED);
    CHECK(decode_bmp(bytes, 0, 13000, all_rows(13000), 3).status.code() == PARCROP_E_TRUNCATED);
    CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(2));
}

TEST_CASE("bmp: truncated files: rows present decode, rows missing are truncated", "[bmp][bad]") {
    const Pixels rgb = make_photo(37, 29, 3, 1);
    const std::vector<uint8_t> bmp = encode_bmp(rgb);  // 24 bits, bottom-up, rows of 112 bytes
    for (const double fraction : {0.5, 0.9, 0.999}) {
        INFO("cut to " << fraction);
        std::vector<uint8_t> cut = bmp;
        cut.resize(static_cast<size_t>(cut.size() * fraction));
        const Outcome outcome = decode_bmp(cut, 0, 37, all_rows(29), 3);
        CHECK(outcome.status.code() == PARCROP_E_TRUNCATED);
        CHECK(outcome.status.message().find("bmp: ") == 0);
        // The bottom rows are stored first.
        const uint32_t complete_rows = static_cast<uint32_t>((cut.size() - 54) / 112);
        const std::vector<uint32_t> present = row_range(29 - complete_rows, 29);
        const Outcome bottom = decode_bmp(cut, 0, 37, present, 3);
        REQUIRE(bottom.status.is_ok());
        CHECK(bottom.sink.bytes == crop_reference(rgb, 0, 37, present));
        CHECK(decode_bmp(cut, 0, 37, {28 - complete_rows}, 3).status.code() == PARCROP_E_TRUNCATED);
    }
    // Inside the header: either the header or the pixels are missing; never a success.
    for (const size_t length : {size_t{1}, size_t{3}, size_t{10}, size_t{20}, size_t{53}, size_t{54}}) {
        std::vector<uint8_t> cut = bmp;
        cut.resize(length);
        const parcrop_status code = status_of(cut);
        CHECK((code == PARCROP_E_TRUNCATED || code == PARCROP_E_CORRUPT));
    }
    CHECK(status_of({}) == PARCROP_E_EMPTY_INPUT);
}

TEST_CASE("bmp: corrupt and unsupported variants", "[bmp][bad]") {
    const Pixels rgb = make_photo(37, 29, 3, 1);
    const auto with = [&](size_t at, std::initializer_list<uint8_t> values) {
        std::vector<uint8_t> bmp = encode_bmp(rgb);
        std::copy(values.begin(), values.end(), bmp.begin() + static_cast<long>(at));
        return status_of(bmp);
    };
    CHECK(with(14, {99}) == PARCROP_E_UNSUPPORTED);  // no BMP header has 99 bytes
    CHECK(with(30, {4}) == PARCROP_E_UNSUPPORTED);   // JPEG inside
    CHECK(with(30, {5}) == PARCROP_E_UNSUPPORTED);   // PNG inside
    CHECK(with(30, {11}) == PARCROP_E_UNSUPPORTED);  // CMYK
    CHECK(with(28, {64}) == PARCROP_E_UNSUPPORTED);  // 64 bits per pixel
    CHECK(with(30, {1}) == PARCROP_E_CORRUPT);       // RLE8 of 24-bit pixels
    CHECK(with(28, {7}) == PARCROP_E_CORRUPT);       // 7 bits per pixel
    CHECK(with(28, {0}) == PARCROP_E_CORRUPT);
    CHECK(with(0, {'B', 'A'}) == PARCROP_E_CORRUPT);
    CHECK(with(22, {0, 0, 0, 0}) == PARCROP_E_CORRUPT);            // zero height
    CHECK(with(18, {0xFF, 0xFF, 0xFF, 0xFF}) == PARCROP_E_CORRUPT);  // negative width

    std::vector<uint8_t> bmp = encode_bmp(rgb);
    bmp[26] = 2;  // two planes
    const Outcome planes = decode_bmp(bmp, 0, 1, {0}, 3);
    CHECK(planes.status.code() == PARCROP_E_CORRUPT);
    CHECK(planes.status.message().rfind("bmp: ", 0) == 0);

    // OS/2 2.x: compressions 3 and 4 are Huffman 1D and RLE24 there.
    BmpFile os2;
    os2.header_size = 64;
    os2.width = 8;
    os2.height = 8;
    os2.bits = 24;
    os2.pixels = std::vector<uint8_t>(8 * 24, 0x80);
    CHECK(status_of(os2.encode()) == PARCROP_OK);
    os2.compression = 3;
    CHECK(status_of(os2.encode()) == PARCROP_E_UNSUPPORTED);

    // Bit fields of 8 bits per pixel; a 40-byte header whose masks are cut off.
    BmpFile fields;
    fields.width = 4;
    fields.height = 4;
    fields.bits = 8;
    fields.compression = 3;
    fields.masks = {0xE0, 0x1C, 0x03};
    CHECK(status_of(fields.encode()) == PARCROP_E_CORRUPT);
    fields.bits = 32;
    std::vector<uint8_t> cut = fields.encode();
    cut.resize(14 + 40 + 6);
    CHECK(status_of(cut) == PARCROP_E_TRUNCATED);
}

TEST_CASE("bmp: absurd dimensions are refused by read_header", "[bmp][bad]") {
    std::vector<uint8_t> bmp = encode_bmp(make_photo(37, 29, 3, 1));
    for (const int offset : {18, 22}) {  // width, height: 100000 = 0x186A0
        bmp[offset] = 0xA0;
        bmp[offset + 1] = 0x86;
        bmp[offset + 2] = 0x01;
        bmp[offset + 3] = 0x00;
    }
    CHECK(status_of(bmp) == PARCROP_E_IMAGE_TOO_LARGE);
    // Top-down with the most negative height.
    bmp = encode_bmp(make_photo(37, 29, 3, 1));
    bmp[22] = bmp[23] = bmp[24] = 0;
    bmp[25] = 0x80;
    CHECK(status_of(bmp) == PARCROP_E_IMAGE_TOO_LARGE);
    Limits limits;
    limits.max_pixels = 1000;
    CHECK(status_of(encode_bmp(make_photo(37, 29, 3, 1)), limits) == PARCROP_E_TOO_MANY_PIXELS);
}

TEST_CASE("bmp: make_decoder hands every BM file to the BMP decoder", "[bmp]") {
    const RleFixture fixture = rle_image(20, 10, true, false, 70);  // stb refuses RLE
    std::unique_ptr<Decoder> decoder;
    REQUIRE(make_decoder({fixture.bytes.data(), fixture.bytes.size()}, Limits(), &decoder).is_ok());
    ImageHeader header;
    REQUIRE(decoder->read_header(&header).is_ok());
    const std::vector<uint32_t> rows = all_rows(10);
    DecodeRequest request;
    request.x0 = 0;
    request.x1 = 20;
    request.rows = &rows;
    RecordingSink sink(60);
    REQUIRE(decoder->decode(request, sink).is_ok());
    CHECK(sink.bytes == fixture.expected.data);
}

TEST_CASE("bmp: mutated files of every variant decode or fail cleanly, deterministically", "[bmp][bad]") {
    std::vector<std::vector<uint8_t>> files = {encode_bmp(make_photo(13, 9, 3, 1)), encode_bmp(make_photo(13, 9, 4, 2)),
                                               rle_image(13, 9, false, false, 3).bytes,
                                               rle_image(13, 9, true, true, 4).bytes};
    BmpFile palette;
    palette.width = 13;
    palette.height = 9;
    palette.bits = 4;
    palette.palette = make_palette(16, 5, false);
    palette.pixels = pack_rows(photo_indices(13, 9, 4, 6), 13, 9, 4, false);
    files.push_back(palette.encode());
    palette.header_size = 12;
    files.push_back(palette.encode());
    for (size_t f = 0; f < files.size(); ++f) {
        for (uint32_t seed = 0; seed < 400; ++seed) {
            std::vector<uint8_t> bytes = files[f];
            for (int k = 0; k < 3; ++k) {
                const uint32_t v = mix(seed * 31 + static_cast<uint32_t>(f * 100000 + k));
                // Mostly the headers and palette, where the decisions are.
                const size_t at = v % 3 == 0 ? (v >> 8) % bytes.size() : (v >> 8) % std::min<size_t>(bytes.size(), 130);
                bytes[at] = static_cast<uint8_t>(v >> 24);
            }
            Outcome outcome[2];
            for (Outcome& o : outcome) {
                std::unique_ptr<Decoder> decoder = make_bmp_decoder({bytes.data(), bytes.size()}, Limits());
                o.status = decoder->read_header(&o.header);
                if (!o.status.is_ok()) continue;
                const uint32_t w = std::min(o.header.width, 64u), h = std::min(o.header.height, 64u);
                const std::vector<uint32_t> rows = all_rows(h);
                o.sink = RecordingSink(size_t{w} * 4);
                DecodeRequest request;
                request.x0 = 0;
                request.x1 = w;
                request.rows = &rows;
                request.channels = 4;
                o.status = decoder->decode(request, o.sink);
            }
            CHECK(outcome[0].status.code() == outcome[1].status.code());
            CHECK(outcome[0].sink.bytes == outcome[1].sink.bytes);
        }
    }
}
