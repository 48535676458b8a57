#include "tiff_fixtures.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <stdexcept>

#include <jpeglib.h>
#include <zlib.h>

#include "jpeg_fixtures.h"

namespace parcrop_test {
namespace {

namespace ftype {
constexpr uint16_t byte = 1, ascii = 2, short_ = 3, long_ = 4, rational = 5, undefined = 7, ifd = 13, long8 = 16,
                   ifd8 = 18;
}

uint32_t type_size(uint16_t type) {
    switch (type) {
        case ftype::byte: case ftype::ascii: case ftype::undefined: return 1;
        case ftype::short_: return 2;
        case ftype::long_: case ftype::ifd: return 4;
        default: return 8;  // rational, long8, ifd8
    }
}

void put(std::vector<uint8_t>* out, bool big_endian, uint64_t value, uint32_t size) {
    for (uint32_t i = 0; i < size; ++i) {
        const uint32_t shift = big_endian ? 8 * (size - 1 - i) : 8 * i;
        out->push_back(static_cast<uint8_t>(value >> shift));
    }
}

// One field's values, already in the file's byte order.
struct Field {
    uint16_t type = 0;
    uint64_t count = 0;
    std::vector<uint8_t> payload;
};

struct Encoder {
    bool big_endian;
    Field numbers(uint16_t type, const std::vector<uint64_t>& values) const {
        Field f{type, values.size(), {}};
        for (const uint64_t v : values) put(&f.payload, big_endian, v, type_size(type));
        return f;
    }
    Field rational(uint32_t num, uint32_t den) const {
        Field f{ftype::rational, 1, {}};
        put(&f.payload, big_endian, num, 4);
        put(&f.payload, big_endian, den, 4);
        return f;
    }
    Field bytes(uint16_t type, const std::vector<uint8_t>& data) const { return Field{type, data.size(), data}; }
};

// A tile's or strip's samples, packed; outside the image, edge pixels replicated (JPEG)
// or a constant that must never reach a crop (lossless).
std::vector<uint8_t> cut(const Pixels& image, uint32_t x0, uint32_t y0, uint32_t w, uint32_t h, bool replicate) {
    std::vector<uint8_t> out(size_t{w} * h * image.channels, 0x5A);
    for (uint32_t y = 0; y < h; ++y) {
        for (uint32_t x = 0; x < w; ++x) {
            const bool inside = x0 + x < image.width && y0 + y < image.height;
            if (!inside && !replicate) continue;
            const uint32_t sx = std::min(x0 + x, image.width - 1), sy = std::min(y0 + y, image.height - 1);
            std::copy_n(image.at(sx, sy), image.channels, out.data() + (size_t{y} * w + x) * image.channels);
        }
    }
    return out;
}

std::vector<uint8_t> deflate(std::vector<uint8_t> raw, uint32_t row_bytes, uint32_t samples, bool predictor) {
    if (predictor) {
        for (size_t r = 0; r < raw.size() / row_bytes; ++r) {
            uint8_t* p = raw.data() + r * row_bytes;
            for (size_t i = row_bytes; i-- > samples;) p[i] = static_cast<uint8_t>(p[i] - p[i - samples]);
        }
    }
    uLongf size = compressBound(static_cast<uLong>(raw.size()));
    std::vector<uint8_t> out(size);
    if (compress2(out.data(), &size, raw.data(), static_cast<uLong>(raw.size()), 6) != Z_OK) {
        throw std::runtime_error("compress2 failed");
    }
    out.resize(size);
    return out;
}

[[noreturn]] void jpeg_throw(j_common_ptr cinfo) {
    char message[JMSG_LENGTH_MAX];
    (*cinfo->err->format_message)(cinfo, message);
    throw std::runtime_error(message);
}

// libjpeg set up once per level: a tables stream, then one stream per tile.
class TileJpegEncoder {
public:
    TileJpegEncoder(const TiffLevelSpec& level) : level_(level) {
        cinfo_.err = jpeg_std_error(&errors_);
        errors_.error_exit = jpeg_throw;
        jpeg_create_compress(&cinfo_);
        cinfo_.image_width = level.tiled ? level.tile_width : level.pixels.width;
        cinfo_.image_height = 16;
        cinfo_.input_components = static_cast<int>(level.pixels.channels);
        cinfo_.in_color_space = level.pixels.channels == 1 ? JCS_GRAYSCALE : JCS_RGB;
        jpeg_set_defaults(&cinfo_);
        if (level.pixels.channels == 3) {
            jpeg_set_colorspace(&cinfo_, level.jpeg_ycbcr ? JCS_YCbCr : JCS_RGB);
            cinfo_.comp_info[0].h_samp_factor = cinfo_.comp_info[0].v_samp_factor = level.jpeg_ycbcr ? 2 : 1;
        }
        jpeg_set_quality(&cinfo_, level.jpeg_quality, TRUE);
        cinfo_.write_JFIF_header = FALSE;
        if (level.jpeg_tables) {
            unsigned char* buffer = nullptr;
            unsigned long size = 0;
            jpeg_mem_dest(&cinfo_, &buffer, &size);
            jpeg_write_tables(&cinfo_);
            tables_.assign(buffer, buffer + size);
            std::free(buffer);
        }
    }
    ~TileJpegEncoder() { jpeg_destroy_compress(&cinfo_); }
    TileJpegEncoder(const TileJpegEncoder&) = delete;
    TileJpegEncoder& operator=(const TileJpegEncoder&) = delete;

    const std::vector<uint8_t>& tables() const { return tables_; }

    std::vector<uint8_t> encode(const std::vector<uint8_t>& samples, uint32_t width, uint32_t height) {
        unsigned char* buffer = nullptr;
        unsigned long size = 0;
        jpeg_mem_dest(&cinfo_, &buffer, &size);
        cinfo_.image_width = width;
        cinfo_.image_height = height;
        jpeg_start_compress(&cinfo_, level_.jpeg_tables ? FALSE : TRUE);
        const size_t stride = size_t{width} * level_.pixels.channels;
        while (cinfo_.next_scanline < cinfo_.image_height) {
            JSAMPROW row = const_cast<JSAMPROW>(samples.data() + cinfo_.next_scanline * stride);
            jpeg_write_scanlines(&cinfo_, &row, 1);
        }
        jpeg_finish_compress(&cinfo_);
        std::vector<uint8_t> out(buffer, buffer + size);
        std::free(buffer);
        return out;
    }

private:
    const TiffLevelSpec& level_;
    jpeg_compress_struct cinfo_{};
    jpeg_error_mgr errors_{};
    std::vector<uint8_t> tables_;
};

struct EncodedLevel {
    const TiffLevelSpec* spec = nullptr;
    uint32_t subfile = 0;
    std::vector<std::vector<uint8_t>> tiles;
    std::vector<uint64_t> relative;  // offsets within the data block
    std::vector<uint8_t> tables;
};

EncodedLevel encode_level(const TiffLevelSpec& level, uint32_t subfile) {
    EncodedLevel out;
    out.spec = &level;
    out.subfile = subfile;
    const Pixels& px = level.pixels;
    const uint32_t samples = px.channels;
    std::unique_ptr<TileJpegEncoder> jpeg;
    if (level.compression == 7) {
        jpeg = std::make_unique<TileJpegEncoder>(level);
        out.tables = jpeg->tables();
    }
    auto encode = [&](const std::vector<uint8_t>& raw, uint32_t w, uint32_t h) {
        if (level.compression == 1) return raw;
        if (level.compression == 8) return deflate(raw, w * samples, samples, level.predictor);
        if (level.compression == 7) return jpeg->encode(raw, w, h);
        throw std::runtime_error("write_tiff: compression " + std::to_string(level.compression));
    };
    const bool replicate = level.compression == 7;
    if (level.tiled) {
        for (uint32_t ty = 0; ty * level.tile_height < px.height; ++ty) {
            for (uint32_t tx = 0; tx * level.tile_width < px.width; ++tx) {
                out.tiles.push_back(encode(cut(px, tx * level.tile_width, ty * level.tile_height, level.tile_width,
                                               level.tile_height, replicate),
                                           level.tile_width, level.tile_height));
            }
        }
    } else {
        const uint32_t rows = level.rows_per_strip == 0 ? px.height : level.rows_per_strip;
        for (uint32_t y = 0; y < px.height; y += rows) {
            const uint32_t h = std::min(rows, px.height - y);
            out.tiles.push_back(encode(cut(px, 0, y, px.width, h, replicate), px.width, h));
        }
    }
    return out;
}

struct Region {
    std::vector<uint8_t> bytes;
    std::vector<uint64_t> ifd_offsets;
    TiffLayout layout;
};

}  // namespace

void tiff_patch(std::vector<uint8_t>* bytes, bool big_endian, uint64_t offset, uint64_t value, uint32_t size) {
    for (uint32_t i = 0; i < size; ++i) {
        const uint32_t shift = big_endian ? 8 * (size - 1 - i) : 8 * i;
        (*bytes)[offset + i] = static_cast<uint8_t>(value >> shift);
    }
}

Pixels half_size(const Pixels& image) {
    Pixels out;
    out.width = image.width / 2;
    out.height = image.height / 2;
    out.channels = image.channels;
    out.data.resize(size_t{out.width} * out.height * out.channels);
    for (uint32_t y = 0; y < out.height; ++y) {
        for (uint32_t x = 0; x < out.width; ++x) {
            for (uint32_t c = 0; c < out.channels; ++c) {
                const uint32_t sum = image.at(2 * x, 2 * y)[c] + image.at(2 * x + 1, 2 * y)[c] +
                                     image.at(2 * x, 2 * y + 1)[c] + image.at(2 * x + 1, 2 * y + 1)[c];
                out.data[(size_t{y} * out.width + x) * out.channels + c] = static_cast<uint8_t>((sum + 2) / 4);
            }
        }
    }
    return out;
}

TiffFixture write_tiff(const TiffSpec& spec) {
    if (spec.levels.empty()) throw std::runtime_error("write_tiff: no levels");
    const bool be = spec.big_endian, big = spec.bigtiff;
    const Encoder enc{be};
    // Level 0, the reduced levels, then the label.
    std::vector<EncodedLevel> levels;
    for (size_t i = 0; i < spec.levels.size(); ++i) levels.push_back(encode_level(spec.levels[i], i == 0 ? 0 : 1));
    TiffLevelSpec label;
    if (spec.label) {
        label.pixels = make_photo(30, 10, 3, 77);
        label.tiled = false;
        label.rows_per_strip = 4;
        levels.push_back(encode_level(label, 0));
    }
    // The data block: every tile, 2-byte aligned.
    std::vector<uint8_t> data;
    for (EncodedLevel& level : levels) {
        for (const std::vector<uint8_t>& tile : level.tiles) {
            level.relative.push_back(data.size());
            data.insert(data.end(), tile.begin(), tile.end());
            if (data.size() % 2) data.push_back(0);
        }
    }
    const uint64_t header_size = big ? 16 : 8;
    const uint16_t offset_type = big ? ftype::long8 : ftype::long_;
    const uint32_t value_size = big ? 8 : 4, entry_size = big ? 20 : 12, count_size = big ? 8 : 2;

    // The directories from `start`, tiles at `data_start`, directories at `ifds` (from
    // an earlier pass: the sizes never depend on the values).
    auto directories = [&](uint64_t start, uint64_t data_start, const std::vector<uint64_t>& ifds) {
        Region r;
        auto align = [&] {
            if ((start + r.bytes.size()) % 2) r.bytes.push_back(0);
        };
        std::vector<size_t> chain;  // directory indices in chain order
        chain.push_back(0);
        if (!spec.reduced_as_sub_ifds) {
            for (size_t i = 1; i < spec.levels.size(); ++i) chain.push_back(i);
        }
        if (spec.label) chain.push_back(levels.size() - 1);
        r.layout.directories.resize(levels.size());
        r.layout.tile_offsets.resize(levels.size());
        r.layout.tile_sizes.resize(levels.size());
        r.layout.offsets_array.resize(levels.size());
        r.layout.counts_array.resize(levels.size());
        r.ifd_offsets.resize(levels.size());
        for (size_t d = 0; d < levels.size(); ++d) {
            const EncodedLevel& level = levels[d];
            const TiffLevelSpec& ls = *level.spec;
            const Pixels& px = ls.pixels;
            std::map<uint16_t, Field> fields;
            std::vector<uint64_t> offsets, sizes;
            for (size_t t = 0; t < level.tiles.size(); ++t) {
                offsets.push_back(data_start + level.relative[t]);
                sizes.push_back(level.tiles[t].size());
            }
            r.layout.tile_offsets[d] = offsets;
            r.layout.tile_sizes[d] = sizes;
            fields[tiff_tag::new_subfile_type] = enc.numbers(ftype::long_, {level.subfile});
            fields[tiff_tag::image_width] = enc.numbers(ftype::long_, {px.width});
            fields[tiff_tag::image_length] = enc.numbers(d % 2 ? ftype::short_ : ftype::long_, {px.height});
            fields[tiff_tag::bits_per_sample] = enc.numbers(ftype::short_, std::vector<uint64_t>(px.channels, 8));
            fields[tiff_tag::compression] = enc.numbers(ftype::short_, {ls.compression});
            const bool ycbcr = ls.compression == 7 && px.channels == 3 && ls.jpeg_ycbcr;
            fields[tiff_tag::photometric] = enc.numbers(ftype::short_, {ycbcr ? 6u : px.channels >= 3 ? 2u : 1u});
            fields[tiff_tag::samples_per_pixel] = enc.numbers(ftype::short_, {px.channels});
            fields[tiff_tag::planar_configuration] = enc.numbers(ftype::short_, {1});
            if (ls.predictor) fields[tiff_tag::predictor] = enc.numbers(ftype::short_, {2});
            if (px.channels == 2 || px.channels == 4) fields[tiff_tag::extra_samples] = enc.numbers(ftype::short_, {2});
            if (ycbcr) fields[tiff_tag::ycbcr_subsampling] = enc.numbers(ftype::short_, {2, 2});
            if (!level.tables.empty()) fields[tiff_tag::jpeg_tables] = enc.bytes(ftype::undefined, level.tables);
            if (ls.tiled) {
                fields[tiff_tag::tile_width] = enc.numbers(ftype::long_, {ls.tile_width});
                fields[tiff_tag::tile_length] = enc.numbers(ftype::short_, {ls.tile_height});
                fields[tiff_tag::tile_offsets] = enc.numbers(offset_type, offsets);
                fields[tiff_tag::tile_byte_counts] = enc.numbers(offset_type, sizes);
            } else {
                const uint32_t rows = ls.rows_per_strip == 0 ? px.height : ls.rows_per_strip;
                fields[tiff_tag::rows_per_strip] = enc.numbers(ftype::long_, {rows});
                fields[tiff_tag::strip_offsets] = enc.numbers(offset_type, offsets);
                fields[tiff_tag::strip_byte_counts] = enc.numbers(ftype::long_, sizes);
            }
            if (d == 0) {
                if (!spec.description.empty()) {
                    std::vector<uint8_t> text(spec.description.begin(), spec.description.end());
                    text.push_back(0);
                    fields[tiff_tag::image_description] = enc.bytes(ftype::ascii, text);
                }
                if (spec.x_resolution > 0) {
                    fields[tiff_tag::x_resolution] = enc.rational(spec.x_resolution, 1);
                    fields[tiff_tag::y_resolution] = enc.rational(spec.y_resolution, 1);
                    fields[tiff_tag::resolution_unit] = enc.numbers(ftype::short_, {spec.resolution_unit});
                }
                if (spec.reduced_as_sub_ifds && spec.levels.size() > 1) {
                    std::vector<uint64_t> subs;
                    for (size_t i = 1; i < spec.levels.size(); ++i) subs.push_back(ifds.empty() ? 0 : ifds[i]);
                    fields[tiff_tag::sub_ifds] = enc.numbers(big ? ftype::ifd8 : ftype::ifd, subs);
                }
            }
            // Values that do not fit in an entry go first, then the directory.
            std::map<uint16_t, uint64_t> value_at;
            for (const auto& [tag, field] : fields) {
                if (field.payload.size() <= value_size) continue;
                align();
                value_at[tag] = start + r.bytes.size();
                r.bytes.insert(r.bytes.end(), field.payload.begin(), field.payload.end());
            }
            align();
            TiffLayout::Directory& dir = r.layout.directories[d];
            dir.offset = r.ifd_offsets[d] = start + r.bytes.size();
            put(&r.bytes, be, fields.size(), count_size);
            for (const auto& [tag, field] : fields) {
                dir.entries[tag] = start + r.bytes.size();
                put(&r.bytes, be, tag, 2);
                put(&r.bytes, be, field.type, 2);
                put(&r.bytes, be, field.count, value_size);
                if (field.payload.size() <= value_size) {
                    r.bytes.insert(r.bytes.end(), field.payload.begin(), field.payload.end());
                    for (size_t i = field.payload.size(); i < value_size; ++i) r.bytes.push_back(0);
                } else {
                    put(&r.bytes, be, value_at[tag], value_size);
                }
            }
            const auto chained = std::find(chain.begin(), chain.end(), d);
            uint64_t next = 0;
            if (chained != chain.end() && chained + 1 != chain.end() && !ifds.empty()) next = ifds[*(chained + 1)];
            dir.next_field = start + r.bytes.size();
            put(&r.bytes, be, next, value_size);
            const uint16_t offsets_tag = ls.tiled ? tiff_tag::tile_offsets : tiff_tag::strip_offsets;
            const uint16_t counts_tag = ls.tiled ? tiff_tag::tile_byte_counts : tiff_tag::strip_byte_counts;
            r.layout.offsets_array[d] = value_at.count(offsets_tag) ? value_at[offsets_tag] : 0;
            r.layout.counts_array[d] = value_at.count(counts_tag) ? value_at[counts_tag] : 0;
            (void)entry_size;
        }
        return r;
    };
    // Tiles then directories, or directories then tiles (IFD0 first of them).
    const uint64_t ifd_start = spec.directories_first ? header_size : header_size + data.size();
    const Region first = directories(ifd_start, header_size, {});
    const uint64_t data_start = spec.directories_first ? header_size + first.bytes.size() : header_size;
    const Region final = directories(ifd_start, data_start, first.ifd_offsets);

    TiffFixture fixture;
    std::vector<uint8_t>& out = fixture.bytes;
    if (be) {
        out = {'M', 'M'};
    } else {
        out = {'I', 'I'};
    }
    put(&out, be, big ? 43 : 42, 2);
    if (big) {
        put(&out, be, 8, 2);
        put(&out, be, 0, 2);
        put(&out, be, final.ifd_offsets[0], 8);
    } else {
        put(&out, be, final.ifd_offsets[0], 4);
    }
    if (spec.directories_first) {
        out.insert(out.end(), final.bytes.begin(), final.bytes.end());
        out.insert(out.end(), data.begin(), data.end());
    } else {
        out.insert(out.end(), data.begin(), data.end());
        out.insert(out.end(), final.bytes.begin(), final.bytes.end());
    }
    fixture.layout = final.layout;
    for (const EncodedLevel& level : levels) {
        fixture.jpeg_tables.push_back(level.tables);
        fixture.tile_streams.push_back(level.tiles);
    }
    return fixture;
}

Pixels jpeg_reference(const TiffFixture& fixture, const TiffSpec& spec, size_t level) {
    const TiffLevelSpec& ls = spec.levels.at(level);
    const Pixels& px = ls.pixels;
    Pixels out;
    out.width = px.width;
    out.height = px.height;
    out.channels = px.channels;
    out.data.resize(px.data.size());
    const std::vector<uint8_t>& tables = fixture.jpeg_tables[level];
    const uint32_t tw = ls.tiled ? ls.tile_width : px.width;
    const uint32_t th = ls.tiled ? ls.tile_height : (ls.rows_per_strip == 0 ? px.height : ls.rows_per_strip);
    const uint32_t across = (px.width + tw - 1) / tw;
    for (size_t t = 0; t < fixture.tile_streams[level].size(); ++t) {
        const std::vector<uint8_t>& tile = fixture.tile_streams[level][t];
        std::vector<uint8_t> stream;
        if (tables.empty()) {
            stream = tile;
        } else {  // the tables without their EOI, then the tile without its SOI
            stream.assign(tables.begin(), tables.end() - 2);
            stream.insert(stream.end(), tile.begin() + 2, tile.end());
        }
        const Pixels decoded = libjpeg_full_decode(stream, px.channels);
        const uint32_t x0 = static_cast<uint32_t>(t % across) * tw, y0 = static_cast<uint32_t>(t / across) * th;
        for (uint32_t y = 0; y < decoded.height && y0 + y < px.height; ++y) {
            for (uint32_t x = 0; x < decoded.width && x0 + x < px.width; ++x) {
                std::copy_n(decoded.at(x, y), px.channels, out.data.data() + (size_t{y0 + y} * px.width + x0 + x) * px.channels);
            }
        }
    }
    return out;
}

}  // namespace parcrop_test
