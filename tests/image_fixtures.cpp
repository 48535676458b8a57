#include "image_fixtures.h"

#include <spng.h>
#include <webp/encode.h>
#include <zlib.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

// Only BMP and TGA are written with stb; compiled here with internal linkage.
#define STB_IMAGE_WRITE_STATIC
#define STB_IMAGE_WRITE_IMPLEMENTATION
#define STBI_WRITE_NO_STDIO
#include <stb/stb_image_write.h>

namespace parcrop_test {
namespace {

uint32_t hash32(uint32_t value) {
    value ^= value >> 16;
    value *= 0x7feb352du;
    value ^= value >> 15;
    value *= 0x846ca68bu;
    value ^= value >> 16;
    return value;
}

uint32_t hash_point(uint32_t x, uint32_t y, uint32_t role, uint32_t seed) {
    return hash32(x * 0x9e3779b1u ^ hash32(y * 0x85ebca77u ^ hash32(role * 0xc2b2ae3du + seed)));
}

uint8_t to_8_bits(uint16_t sample16, unsigned depth) {
    if (depth == 16) return static_cast<uint8_t>(sample16 >> 8);
    const unsigned sample = sample16 >> (16 - depth);
    return static_cast<uint8_t>(sample * 255u / ((1u << depth) - 1u));
}

uint8_t luma601(uint32_t r, uint32_t g, uint32_t b) {
    return static_cast<uint8_t>((r * 19595 + g * 38470 + b * 7471 + 32768) >> 16);
}

void put_be16(std::vector<uint8_t>* out, uint32_t value) {
    out->push_back(static_cast<uint8_t>(value >> 8));
    out->push_back(static_cast<uint8_t>(value));
}
void put_be32(std::vector<uint8_t>* out, uint32_t value) {
    put_be16(out, value >> 16);
    put_be16(out, value & 0xffff);
}
void put_le16(std::vector<uint8_t>* out, uint32_t value) {
    out->push_back(static_cast<uint8_t>(value));
    out->push_back(static_cast<uint8_t>(value >> 8));
}

unsigned png_samples_per_pixel(uint8_t color_type) {
    switch (color_type) {
        case SPNG_COLOR_TYPE_TRUECOLOR: return 3;
        case SPNG_COLOR_TYPE_GRAYSCALE_ALPHA: return 2;
        case SPNG_COLOR_TYPE_TRUECOLOR_ALPHA: return 4;
        default: return 1;  // gray, indexed
    }
}

// A palette with smooth hue changes plus some jitter, so that neighbouring indices differ.
spng_plte_entry palette_entry(uint32_t index, uint32_t entries) {
    const double t = entries > 1 ? static_cast<double>(index) / (entries - 1) : 0.0;
    spng_plte_entry entry{};
    entry.red = static_cast<uint8_t>(std::lround(255 * t));
    entry.green = static_cast<uint8_t>(std::lround(127.5 + 120 * std::sin(6.1 * t + 0.4)));
    entry.blue = static_cast<uint8_t>((255 - entry.red) ^ (hash32(index + 7) & 31));
    return entry;
}

// Writes one sample into a PNG-layout row (packed MSB first below 8 bits, host-endian 16).
void store_sample(uint8_t* row, uint32_t sample_index, unsigned depth, uint16_t value) {
    if (depth == 16) {
        std::memcpy(row + size_t{sample_index} * 2, &value, 2);
    } else if (depth == 8) {
        row[sample_index] = static_cast<uint8_t>(value);
    } else {
        const size_t bit = size_t{sample_index} * depth;
        const unsigned shift = 8 - depth - bit % 8;
        row[bit / 8] = static_cast<uint8_t>(row[bit / 8] | (value << shift));
    }
}

void write_bytes(void* context, void* data, int size) {
    auto* out = static_cast<std::vector<uint8_t>*>(context);
    const auto* bytes = static_cast<const uint8_t*>(data);
    out->insert(out->end(), bytes, bytes + size);
}

}  // namespace

uint16_t photo_sample(uint32_t x, uint32_t y, uint32_t role, uint32_t width, uint32_t height,
                      uint32_t seed) {
    const double u = (x + 0.5) / width;
    const double v = (y + 0.5) / height;
    const double phase = 0.9 * role + 0.37 * (seed % 11);
    double value = 0.18 + 0.34 * (role % 2 ? 1.0 - u : u) + 0.22 * (role == 2 ? 1.0 - v : v);
    value += 0.13 * std::sin(0.41 * x + phase) * std::cos(0.27 * y - 0.6 * phase);
    // Hard edges: a disc and a bar whose borders cut through rows and columns.
    const double dx = x - 0.62 * width, dy = y - 0.38 * height;
    const double radius = 0.27 * std::min(width, height);
    if (dx * dx + dy * dy < radius * radius) value += 0.24 - 0.09 * role;
    if (u > 0.12 && u < 0.35 && v > 0.55 && v < 0.9) value -= 0.2 + 0.05 * role;
    value += ((hash_point(x, y, role, seed) & 0xffff) / 65535.0 - 0.5) * 0.18;
    if (role == 3) value = 1.6 * value - 0.3;  // alpha saturates at both ends in places
    value = std::min(1.0, std::max(0.0, value));
    return static_cast<uint16_t>(std::lround(value * 65535));
}

Pixels make_photo(uint32_t width, uint32_t height, uint32_t channels, uint32_t seed) {
    Pixels image{width, height, channels, std::vector<uint8_t>(size_t{width} * height * channels)};
    for (uint32_t y = 0; y < height; ++y) {
        for (uint32_t x = 0; x < width; ++x) {
            for (uint32_t c = 0; c < channels; ++c) {
                const uint32_t role = (channels == 2 && c == 1) ? 3 : c;
                image.data[(size_t{y} * width + x) * channels + c] =
                    static_cast<uint8_t>(photo_sample(x, y, role, width, height, seed) >> 8);
            }
        }
    }
    return image;
}

Pixels convert_reference(const Pixels& source, uint32_t channels) {
    Pixels out{source.width, source.height, channels,
               std::vector<uint8_t>(size_t{source.width} * source.height * channels)};
    const bool gray = source.channels <= 2;
    const bool has_alpha = source.channels == 2 || source.channels == 4;
    for (uint32_t y = 0; y < source.height; ++y) {
        for (uint32_t x = 0; x < source.width; ++x) {
            const uint8_t* in = source.at(x, y);
            uint8_t* o = out.data.data() + (size_t{y} * source.width + x) * channels;
            const uint8_t r = in[0];
            const uint8_t g = gray ? in[0] : in[1];
            const uint8_t b = gray ? in[0] : in[2];
            if (channels == 1) {
                o[0] = gray ? r : luma601(r, g, b);
                continue;
            }
            o[0] = r;
            o[1] = g;
            o[2] = b;
            if (channels == 4) o[3] = has_alpha ? in[source.channels - 1] : 255;
        }
    }
    return out;
}

std::vector<uint8_t> crop_reference(const Pixels& image, uint32_t x0, uint32_t x1,
                                    const std::vector<uint32_t>& rows) {
    std::vector<uint8_t> out;
    for (const uint32_t y : rows) {
        out.insert(out.end(), image.at(x0, y), image.at(x0, y) + size_t{x1 - x0} * image.channels);
    }
    return out;
}

std::string PngVariant::name() const {
    static const char* const kTypeNames[] = {"gray", "?", "rgb", "palette", "gray_alpha", "?",
                                             "rgba"};
    return std::string(kTypeNames[color_type]) + std::to_string(bit_depth) +
           (trns ? "+trns" : "") + (interlaced ? " adam7" : "");
}

std::vector<PngVariant> all_png_variants() {
    std::vector<PngVariant> variants;
    const auto add = [&](uint8_t type, uint8_t depth, bool trns) {
        for (const bool interlaced : {false, true}) variants.push_back({type, depth, trns, interlaced});
    };
    for (const uint8_t depth : {1, 2, 4, 8, 16}) {
        add(SPNG_COLOR_TYPE_GRAYSCALE, depth, false);
        add(SPNG_COLOR_TYPE_GRAYSCALE, depth, true);
    }
    for (const uint8_t depth : {8, 16}) {
        add(SPNG_COLOR_TYPE_TRUECOLOR, depth, false);
        add(SPNG_COLOR_TYPE_TRUECOLOR, depth, true);
        add(SPNG_COLOR_TYPE_GRAYSCALE_ALPHA, depth, false);
        add(SPNG_COLOR_TYPE_TRUECOLOR_ALPHA, depth, false);
    }
    for (const uint8_t depth : {1, 2, 4, 8}) {
        add(SPNG_COLOR_TYPE_INDEXED, depth, false);
        add(SPNG_COLOR_TYPE_INDEXED, depth, true);
    }
    return variants;
}

PngFixture make_png(const PngVariant& variant, uint32_t width, uint32_t height, uint32_t seed) {
    const unsigned depth = variant.bit_depth;
    const unsigned samples = png_samples_per_pixel(variant.color_type);
    const bool indexed = variant.color_type == SPNG_COLOR_TYPE_INDEXED;
    const size_t row_bytes = (size_t{width} * samples * depth + 7) / 8;
    std::vector<uint8_t> raw(row_bytes * height);

    // Roles of the stored samples: gray/R, G, B and alpha (role 3).
    std::vector<uint32_t> roles;
    for (unsigned s = 0; s < samples; ++s) roles.push_back(s);
    if (variant.color_type == SPNG_COLOR_TYPE_GRAYSCALE_ALPHA) roles[1] = 3;

    const auto sample_at = [&](uint32_t x, uint32_t y, unsigned s) -> uint16_t {
        const uint16_t sample16 = photo_sample(x, y, roles[s], width, height, seed);
        return depth == 16 ? sample16 : static_cast<uint16_t>(sample16 >> (16 - depth));
    };

    // tRNS keys on a value that occurs in the image, so some pixels turn transparent.
    const uint32_t key_x = width / 3, key_y = height / 3;
    spng_trns trns{};
    spng_plte plte{};
    if (indexed) {
        plte.n_entries = 1u << depth;
        for (uint32_t i = 0; i < plte.n_entries; ++i) plte.entries[i] = palette_entry(i, plte.n_entries);
        trns.n_type3_entries = std::max(1u, plte.n_entries / 2);  // the rest stay opaque
        for (uint32_t i = 0; i < trns.n_type3_entries; ++i) {
            trns.type3_alpha[i] = static_cast<uint8_t>(i == 0 ? 0 : (i * 53 + 17) & 255);
        }
    } else if (variant.color_type == SPNG_COLOR_TYPE_GRAYSCALE) {
        trns.gray = sample_at(key_x, key_y, 0);
    } else if (variant.color_type == SPNG_COLOR_TYPE_TRUECOLOR) {
        trns.red = sample_at(key_x, key_y, 0);
        trns.green = sample_at(key_x, key_y, 1);
        trns.blue = sample_at(key_x, key_y, 2);
    }

    const bool has_alpha_channel = variant.color_type == SPNG_COLOR_TYPE_GRAYSCALE_ALPHA ||
                                   variant.color_type == SPNG_COLOR_TYPE_TRUECOLOR_ALPHA;
    const bool gray = variant.color_type == SPNG_COLOR_TYPE_GRAYSCALE ||
                      variant.color_type == SPNG_COLOR_TYPE_GRAYSCALE_ALPHA;
    const uint32_t expected_channels =
        (gray ? 1u : 3u) + ((has_alpha_channel || variant.trns) ? 1u : 0u);
    Pixels expected{width, height, expected_channels,
                    std::vector<uint8_t>(size_t{width} * height * expected_channels)};

    for (uint32_t y = 0; y < height; ++y) {
        uint8_t* row = raw.data() + row_bytes * y;
        for (uint32_t x = 0; x < width; ++x) {
            uint8_t* out = expected.data.data() + (size_t{y} * width + x) * expected_channels;
            if (indexed) {
                const uint16_t index = sample_at(x, y, 0);
                store_sample(row, x, depth, index);
                out[0] = plte.entries[index].red;
                out[1] = plte.entries[index].green;
                out[2] = plte.entries[index].blue;
                if (variant.trns) out[3] = index < trns.n_type3_entries ? trns.type3_alpha[index] : 255;
                continue;
            }
            bool matches_key = variant.trns;
            for (unsigned s = 0; s < samples; ++s) {
                const uint16_t value = sample_at(x, y, s);
                store_sample(row, x * samples + s, depth, value);
                out[s] = to_8_bits(depth == 16 ? value : static_cast<uint16_t>(value << (16 - depth)),
                                   depth);
                if (variant.trns) {
                    const uint16_t key = gray ? trns.gray : (s == 0 ? trns.red : s == 1 ? trns.green : trns.blue);
                    matches_key = matches_key && value == key;
                }
            }
            if (variant.trns) out[expected_channels - 1] = matches_key ? 0 : 255;
        }
    }

    spng_ctx* encoder = spng_ctx_new(SPNG_CTX_ENCODER);
    if (encoder == nullptr) throw std::runtime_error("spng_ctx_new failed");
    spng_ihdr ihdr{width, height, variant.bit_depth, variant.color_type, 0, 0,
                   static_cast<uint8_t>(variant.interlaced ? 1 : 0)};
    int error = spng_set_option(encoder, SPNG_ENCODE_TO_BUFFER, 1);
    if (!error) error = spng_set_ihdr(encoder, &ihdr);
    if (!error && indexed) error = spng_set_plte(encoder, &plte);
    if (!error && variant.trns) error = spng_set_trns(encoder, &trns);
    if (!error) {
        error = spng_encode_image(encoder, raw.data(), raw.size(), SPNG_FMT_PNG, SPNG_ENCODE_FINALIZE);
    }
    size_t png_size = 0;
    void* png = error ? nullptr : spng_get_png_buffer(encoder, &png_size, &error);
    spng_ctx_free(encoder);
    if (png == nullptr || error) {
        throw std::runtime_error("spng encoder: " + std::string(spng_strerror(error)) + " for " +
                                 variant.name());
    }
    PngFixture fixture;
    fixture.bytes.assign(static_cast<uint8_t*>(png), static_cast<uint8_t*>(png) + png_size);
    std::free(png);
    fixture.expected = std::move(expected);
    return fixture;
}

Pixels spng_decode_rgba8(const std::vector<uint8_t>& png, int* error) {
    spng_ctx* context = spng_ctx_new(0);
    if (context == nullptr) {
        *error = SPNG_EMEM;
        return Pixels();
    }
    spng_set_png_buffer(context, png.data(), png.size());
    spng_ihdr ihdr{};
    size_t size = 0;
    *error = spng_get_ihdr(context, &ihdr);
    if (!*error) *error = spng_decoded_image_size(context, SPNG_FMT_RGBA8, &size);
    std::vector<uint8_t> rgba(*error ? 0 : size);
    if (!*error) *error = spng_decode_image(context, rgba.data(), size, SPNG_FMT_RGBA8, SPNG_DECODE_TRNS);
    spng_ctx_free(context);
    if (*error) return Pixels();
    return Pixels{ihdr.width, ihdr.height, 4, std::move(rgba)};
}

long find_png_chunk(const std::vector<uint8_t>& png, const char* type, int nth) {
    size_t offset = 8;
    while (offset + 12 <= png.size()) {
        const uint32_t length = (uint32_t{png[offset]} << 24) | (uint32_t{png[offset + 1]} << 16) |
                                (uint32_t{png[offset + 2]} << 8) | png[offset + 3];
        if (std::memcmp(png.data() + offset + 4, type, 4) == 0 && nth-- == 0) {
            return static_cast<long>(offset);
        }
        offset += size_t{length} + 12;
    }
    return -1;
}

void fix_png_chunk_crc(std::vector<uint8_t>* png, long offset) {
    uint8_t* chunk = png->data() + offset;
    const uint32_t length = (uint32_t{chunk[0]} << 24) | (uint32_t{chunk[1]} << 16) |
                            (uint32_t{chunk[2]} << 8) | chunk[3];
    const uint32_t crc = static_cast<uint32_t>(crc32(0, chunk + 4, length + 4));
    uint8_t* field = chunk + 8 + length;
    field[0] = static_cast<uint8_t>(crc >> 24);
    field[1] = static_cast<uint8_t>(crc >> 16);
    field[2] = static_cast<uint8_t>(crc >> 8);
    field[3] = static_cast<uint8_t>(crc);
}

std::vector<uint8_t> encode_bmp(const Pixels& image) {
    std::vector<uint8_t> out;
    if (!stbi_write_bmp_to_func(write_bytes, &out, static_cast<int>(image.width),
                                static_cast<int>(image.height), static_cast<int>(image.channels),
                                image.data.data())) {
        throw std::runtime_error("stbi_write_bmp_to_func failed");
    }
    return out;
}

std::vector<uint8_t> encode_tga_rle(const Pixels& image) {
    std::vector<uint8_t> out;
    if (!stbi_write_tga_to_func(write_bytes, &out, static_cast<int>(image.width),
                                static_cast<int>(image.height), static_cast<int>(image.channels),
                                image.data.data())) {
        throw std::runtime_error("stbi_write_tga_to_func failed");
    }
    return out;
}

std::vector<uint8_t> encode_tga_raw(const Pixels& image) {
    const bool gray = image.channels <= 2;
    const bool alpha = image.channels == 2 || image.channels == 4;
    std::vector<uint8_t> out = {0, 0, static_cast<uint8_t>(gray ? 3 : 2), 0, 0, 0, 0, 0, 0, 0, 0, 0};
    put_le16(&out, image.width);
    put_le16(&out, image.height);
    out.push_back(static_cast<uint8_t>(image.channels * 8));
    out.push_back(static_cast<uint8_t>(0x20 | (alpha ? 8 : 0)));  // top-down rows
    for (size_t i = 0; i < size_t{image.width} * image.height; ++i) {
        const uint8_t* p = image.data.data() + i * image.channels;
        if (gray) {
            out.insert(out.end(), p, p + image.channels);
        } else {
            out.insert(out.end(), {p[2], p[1], p[0]});  // TGA stores BGR(A)
            if (alpha) out.push_back(p[3]);
        }
    }
    return out;
}

std::vector<uint8_t> encode_pnm(const Pixels& image, bool sixteen_bit) {
    const std::string header = std::string(image.channels == 1 ? "P5" : "P6") +
                               "\n# parcrop test image\n" + std::to_string(image.width) + " " +
                               std::to_string(image.height) + "\n" +
                               (sixteen_bit ? "65535" : "255") + "\n";
    std::vector<uint8_t> out(header.begin(), header.end());
    for (size_t i = 0; i < image.data.size(); ++i) {
        out.push_back(image.data[i]);
        // The low byte must not matter: 16 bits become 8 by the high byte.
        if (sixteen_bit) out.push_back(static_cast<uint8_t>(hash32(static_cast<uint32_t>(i))));
    }
    return out;
}

std::vector<uint8_t> encode_psd(const Pixels& image, bool packbits) {
    std::vector<uint8_t> out = {'8', 'B', 'P', 'S'};
    put_be16(&out, 1);
    out.insert(out.end(), 6, 0);
    put_be16(&out, 3);
    put_be32(&out, image.height);
    put_be32(&out, image.width);
    put_be16(&out, 8);
    put_be16(&out, 3);  // RGB
    put_be32(&out, 0);  // colour mode data
    put_be32(&out, 0);  // image resources
    put_be32(&out, 0);  // layers and masks
    put_be16(&out, packbits ? 1 : 0);
    std::vector<uint8_t> planes;
    std::vector<uint32_t> row_lengths;
    for (uint32_t c = 0; c < 3; ++c) {
        for (uint32_t y = 0; y < image.height; ++y) {
            std::vector<uint8_t> row;
            for (uint32_t x = 0; x < image.width; ++x) row.push_back(image.at(x, y)[c]);
            if (!packbits) {
                planes.insert(planes.end(), row.begin(), row.end());
                continue;
            }
            // PackBits: runs of 3+ equal bytes as repeats, everything else as literals.
            const size_t start = planes.size();
            size_t i = 0;
            while (i < row.size()) {
                size_t run = 1;
                while (i + run < row.size() && run < 128 && row[i + run] == row[i]) ++run;
                if (run >= 3) {
                    planes.push_back(static_cast<uint8_t>(257 - run));
                    planes.push_back(row[i]);
                    i += run;
                    continue;
                }
                size_t literal = 0;
                while (i + literal < row.size() && literal < 128 &&
                       !(i + literal + 2 < row.size() && row[i + literal] == row[i + literal + 1] &&
                         row[i + literal] == row[i + literal + 2])) {
                    ++literal;
                }
                planes.push_back(static_cast<uint8_t>(literal - 1));
                planes.insert(planes.end(), row.begin() + i, row.begin() + i + literal);
                i += literal;
            }
            row_lengths.push_back(static_cast<uint32_t>(planes.size() - start));
        }
    }
    for (const uint32_t length : row_lengths) put_be16(&out, length);
    out.insert(out.end(), planes.begin(), planes.end());
    return out;
}

EncodedFixture make_gif(uint32_t width, uint32_t height, uint32_t seed, int transparent_index) {
    std::vector<uint8_t> out = {'G', 'I', 'F', '8', '9', 'a'};
    put_le16(&out, width);
    put_le16(&out, height);
    out.insert(out.end(), {0xF7, 0, 0});  // global table of 256 entries
    uint8_t palette[256][3];
    for (uint32_t i = 0; i < 256; ++i) {
        const spng_plte_entry entry = palette_entry(i, 256);
        palette[i][0] = entry.red;
        palette[i][1] = entry.green;
        palette[i][2] = entry.blue;
        out.insert(out.end(), palette[i], palette[i] + 3);
    }
    if (transparent_index >= 0) {
        out.insert(out.end(), {0x21, 0xF9, 4, 1, 0, 0, static_cast<uint8_t>(transparent_index), 0});
    }
    out.push_back(0x2C);
    put_le16(&out, 0);
    put_le16(&out, 0);
    put_le16(&out, width);
    put_le16(&out, height);
    out.push_back(0);
    out.push_back(8);  // LZW minimum code size

    EncodedFixture fixture;
    fixture.expected = Pixels{width, height, 4, std::vector<uint8_t>(size_t{width} * height * 4)};
    std::vector<uint8_t> lzw;
    uint32_t bit_buffer = 0, bit_count = 0;
    const auto emit = [&](uint32_t code) {  // 9-bit codes, least significant bit first
        bit_buffer |= code << bit_count;
        bit_count += 9;
        while (bit_count >= 8) {
            lzw.push_back(static_cast<uint8_t>(bit_buffer));
            bit_buffer >>= 8;
            bit_count -= 8;
        }
    };
    const uint32_t kClear = 256, kEnd = 257;
    size_t literals = 0;
    for (uint32_t y = 0; y < height; ++y) {
        for (uint32_t x = 0; x < width; ++x) {
            if (literals % 128 == 0) emit(kClear);
            const uint8_t index = static_cast<uint8_t>(photo_sample(x, y, 0, width, height, seed) >> 8);
            emit(index);
            ++literals;
            uint8_t* e = fixture.expected.data.data() + (size_t{y} * width + x) * 4;
            if (static_cast<int>(index) == transparent_index) continue;  // stays 0,0,0,0
            e[0] = palette[index][0];
            e[1] = palette[index][1];
            e[2] = palette[index][2];
            e[3] = 255;
        }
    }
    emit(kEnd);
    if (bit_count > 0) lzw.push_back(static_cast<uint8_t>(bit_buffer));
    for (size_t i = 0; i < lzw.size(); i += 255) {
        const size_t block = std::min<size_t>(255, lzw.size() - i);
        out.push_back(static_cast<uint8_t>(block));
        out.insert(out.end(), lzw.begin() + i, lzw.begin() + i + block);
    }
    out.push_back(0);     // end of image data
    out.push_back(0x3B);  // trailer
    fixture.bytes = std::move(out);
    return fixture;
}

EncodedFixture make_hdr(uint32_t width, uint32_t height, uint32_t seed) {
    const std::string header = "#?RADIANCE\nFORMAT=32-bit_rle_rgbe\n\n-Y " + std::to_string(height) +
                               " +X " + std::to_string(width) + "\n";
    EncodedFixture fixture;
    fixture.bytes.assign(header.begin(), header.end());
    fixture.expected = Pixels{width, height, 3, std::vector<uint8_t>(size_t{width} * height * 3)};
    for (uint32_t y = 0; y < height; ++y) {
        for (uint32_t x = 0; x < width; ++x) {
            // Exponents 126..129 give values in [0, 2): some clip at 255 after tone mapping.
            const int exponent = 126 + static_cast<int>(hash_point(x, y, 9, seed) % 4);
            uint8_t rgbe[4];
            for (uint32_t c = 0; c < 3; ++c) {
                rgbe[c] = static_cast<uint8_t>(photo_sample(x, y, c, width, height, seed) >> 8);
            }
            // A first pixel of 2,2,n<128 would announce run-length scanlines.
            if (x == 0 && y == 0 && rgbe[0] < 16) rgbe[0] = 16;
            rgbe[3] = static_cast<uint8_t>(exponent);
            fixture.bytes.insert(fixture.bytes.end(), rgbe, rgbe + 4);
            for (uint32_t c = 0; c < 3; ++c) {
                const double linear = rgbe[c] * std::ldexp(1.0, exponent - 136);
                const double mapped = std::pow(linear, 1.0 / 2.2) * 255 + 0.5;
                fixture.expected.data[(size_t{y} * width + x) * 3 + c] =
                    static_cast<uint8_t>(std::min(255.0, std::max(0.0, mapped)));
            }
        }
    }
    return fixture;
}

std::vector<uint8_t> encode_webp(const Pixels& image, bool lossless, float quality) {
    if (image.channels != 3 && image.channels != 4) throw std::invalid_argument("encode_webp: RGB or RGBA only");
    const int width = static_cast<int>(image.width), height = static_cast<int>(image.height);
    const int stride = width * static_cast<int>(image.channels);
    uint8_t* encoded = nullptr;
    size_t size = 0;
    if (image.channels == 3) {
        size = lossless ? WebPEncodeLosslessRGB(image.data.data(), width, height, stride, &encoded)
                        : WebPEncodeRGB(image.data.data(), width, height, stride, quality, &encoded);
    } else {
        size = lossless ? WebPEncodeLosslessRGBA(image.data.data(), width, height, stride, &encoded)
                        : WebPEncodeRGBA(image.data.data(), width, height, stride, quality, &encoded);
    }
    if (size == 0) throw std::runtime_error("encode_webp: libwebp failed");
    std::vector<uint8_t> out(encoded, encoded + size);
    WebPFree(encoded);
    return out;
}

}  // namespace parcrop_test
