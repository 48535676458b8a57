#include "decode/tiff/tiff_directory.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <set>

namespace parcrop {
namespace {

namespace tag {
constexpr uint16_t new_subfile_type = 254;
constexpr uint16_t image_width = 256;
constexpr uint16_t image_length = 257;
constexpr uint16_t bits_per_sample = 258;
constexpr uint16_t compression = 259;
constexpr uint16_t photometric = 262;
constexpr uint16_t image_description = 270;
constexpr uint16_t strip_offsets = 273;
constexpr uint16_t samples_per_pixel = 277;
constexpr uint16_t rows_per_strip = 278;
constexpr uint16_t strip_byte_counts = 279;
constexpr uint16_t x_resolution = 282;
constexpr uint16_t y_resolution = 283;
constexpr uint16_t planar_configuration = 284;
constexpr uint16_t resolution_unit = 296;
constexpr uint16_t predictor = 317;
constexpr uint16_t tile_width = 322;
constexpr uint16_t tile_length = 323;
constexpr uint16_t tile_offsets = 324;
constexpr uint16_t tile_byte_counts = 325;
constexpr uint16_t sub_ifds = 330;
constexpr uint16_t extra_samples = 338;
constexpr uint16_t sample_format = 339;
constexpr uint16_t jpeg_tables = 347;
}  // namespace tag

namespace type {
constexpr uint16_t byte = 1, ascii = 2, short_ = 3, long_ = 4, rational = 5, undefined = 7, long8 = 16, ifd = 13,
                   ifd8 = 18;
}  // namespace type

// Bounds on what one hostile file can make the parser read.
constexpr uint64_t kMaxEntriesPerDirectory = 4096;
constexpr uint32_t kMaxDirectories = 256;
constexpr uint64_t kMaxSubIfds = 64;
constexpr uint64_t kMaxJpegTables = 1 << 20;
constexpr uint64_t kMaxDescriptionRead = 4096;
constexpr uint32_t kMaxTileSide = 1 << 16;

uint32_t type_size(uint16_t t) {
    switch (t) {
        case 1: case 2: case 6: case 7: return 1;
        case 3: case 8: return 2;
        case 4: case 9: case 11: case 13: return 4;
        case 5: case 10: case 12: case 16: case 17: case 18: return 8;
        default: return 0;
    }
}

class Reader {
public:
    Reader(const TiffInput& input, bool big_endian) : input_(input), big_endian_(big_endian) {}

    uint64_t get(const uint8_t* p, uint32_t bytes) const {
        uint64_t v = 0;
        for (uint32_t i = 0; i < bytes; ++i) {
            const uint32_t shift = big_endian_ ? 8 * (bytes - 1 - i) : 8 * i;
            v |= uint64_t{p[i]} << shift;
        }
        return v;
    }

    // Element `index` of an array of SHORT, LONG, LONG8 or IFD values.
    Status element(const TiffArray& array, uint64_t index, uint64_t* value) const {
        const uint32_t size = type_size(array.type);
        if (index >= array.count) return Status(PARCROP_E_CORRUPT, "tiff: an array is shorter than its image needs");
        if (array.type != type::short_ && array.type != type::long_ && array.type != type::long8 &&
            array.type != type::ifd && array.type != type::ifd8 && array.type != type::byte) {
            return Status(PARCROP_E_CORRUPT, "tiff: an offset or count array has field type " +
                                                 std::to_string(array.type));
        }
        if (array.is_inline) {
            *value = get(array.inline_bytes + index * size, size);
            return Status::ok();
        }
        uint8_t bytes[8];
        PARCROP_RETURN_IF_ERROR(input_.read_exact(array.offset + index * size, size, bytes));
        *value = get(bytes, size);
        return Status::ok();
    }

    const TiffInput& input() const { return input_; }

private:
    const TiffInput& input_;
    bool big_endian_;
};

struct Entry {
    uint16_t tag = 0;
    TiffArray array;
};

struct Directory {
    uint64_t offset = 0;
    std::vector<Entry> entries;
    uint64_t next = 0;

    const Entry* find(uint16_t t) const {
        for (const Entry& e : entries) {
            if (e.tag == t) return &e;
        }
        return nullptr;
    }
};

Status read_directory(const Reader& reader, bool bigtiff, uint64_t offset, Directory* dir) {
    const uint32_t count_size = bigtiff ? 8 : 2, entry_size = bigtiff ? 20 : 12, value_size = bigtiff ? 8 : 4;
    uint8_t head[8];
    PARCROP_RETURN_IF_ERROR(reader.input().read_exact(offset, count_size, head));
    const uint64_t count = reader.get(head, count_size);
    if (count == 0 || count > kMaxEntriesPerDirectory) {
        return Status(PARCROP_E_CORRUPT, "tiff: a directory claims " + std::to_string(count) + " entries");
    }
    std::vector<uint8_t> bytes(count * entry_size + value_size);
    PARCROP_RETURN_IF_ERROR(reader.input().read_exact(offset + count_size, bytes.size(), bytes.data()));
    dir->offset = offset;
    dir->entries.resize(count);
    for (uint64_t i = 0; i < count; ++i) {
        const uint8_t* e = bytes.data() + i * entry_size;
        Entry& entry = dir->entries[i];
        entry.tag = static_cast<uint16_t>(reader.get(e, 2));
        entry.array.type = static_cast<uint16_t>(reader.get(e + 2, 2));
        entry.array.count = reader.get(e + 4, bigtiff ? 8 : 4);
        const uint8_t* value = e + (bigtiff ? 12 : 8);
        const uint32_t size = type_size(entry.array.type);
        // Unknown types are kept (tags parcrop ignores may use them) but never read.
        if (size != 0 && entry.array.count > UINT64_MAX / 16 / size) {
            return Status(PARCROP_E_CORRUPT, "tiff: an entry's count overflows");
        }
        if (size != 0 && entry.array.count * size <= value_size) {
            entry.array.is_inline = true;
            std::copy(value, value + value_size, entry.array.inline_bytes);
        } else {
            entry.array.offset = reader.get(value, value_size);
        }
    }
    dir->next = reader.get(bytes.data() + count * entry_size, value_size);
    return Status::ok();
}

// The first value of an entry, or `fallback` when absent.
Status scalar(const Reader& reader, const Directory& dir, uint16_t t, uint64_t fallback, uint64_t* value) {
    const Entry* e = dir.find(t);
    if (e == nullptr || e->array.count == 0) {
        *value = fallback;
        return Status::ok();
    }
    return reader.element(e->array, 0, value);
}

Status rational(const Reader& reader, const Directory& dir, uint16_t t, double* value) {
    *value = 0;
    const Entry* e = dir.find(t);
    if (e == nullptr || e->array.type != type::rational || e->array.count < 1) return Status::ok();
    uint8_t bytes[8];
    if (e->array.is_inline) {  // BigTIFF's 8-byte value field holds one
        std::copy(e->array.inline_bytes, e->array.inline_bytes + 8, bytes);
    } else {
        PARCROP_RETURN_IF_ERROR(reader.input().read_exact(e->array.offset, 8, bytes));
    }
    const uint64_t num = reader.get(bytes, 4), den = reader.get(bytes + 4, 4);
    if (den != 0) *value = static_cast<double>(num) / static_cast<double>(den);
    return Status::ok();
}

// The bytes of an ASCII, BYTE or UNDEFINED entry, up to `most`.
Status byte_string(const Reader& reader, const Entry& e, uint64_t most, std::vector<uint8_t>* out) {
    if (e.array.type != type::ascii && e.array.type != type::byte && e.array.type != type::undefined) {
        return Status(PARCROP_E_CORRUPT, "tiff: a byte string has field type " + std::to_string(e.array.type));
    }
    const uint64_t n = std::min(e.array.count, most);
    out->resize(n);
    if (e.array.is_inline) {
        std::copy(e.array.inline_bytes, e.array.inline_bytes + n, out->begin());
        return Status::ok();
    }
    return reader.input().read_exact(e.array.offset, n, out->data());
}

Status unsupported(const std::string& what) { return Status(PARCROP_E_UNSUPPORTED, "tiff: " + what); }

bool known_compression(uint16_t c) {
    return c == tiff_compression::none || c == tiff_compression::lzw || c == tiff_compression::jpeg ||
           c == tiff_compression::deflate || c == tiff_compression::adobe_deflate || c == tiff_compression::zstd ||
           c == tiff_compression::webp;
}

std::string compression_label(uint16_t c) {
    switch (c) {
        case tiff_compression::old_jpeg: return "old-style JPEG (6)";
        case 33003: case 33005: return "Aperio JPEG 2000 (" + std::to_string(c) + ")";
        case 34712: return "JPEG 2000 (34712)";
        case 34887: return "LERC (34887)";
        case 32773: return "PackBits (32773)";
        default: return std::to_string(c);
    }
}

Status read_level(const Reader& reader, const Directory& dir, const TiffLimits& limits, TiffLevel* level) {
    uint64_t width, height, samples, compression, photometric, planar, predictor, sample_format;
    PARCROP_RETURN_IF_ERROR(scalar(reader, dir, tag::image_width, 0, &width));
    PARCROP_RETURN_IF_ERROR(scalar(reader, dir, tag::image_length, 0, &height));
    if (width == 0 || height == 0) return Status(PARCROP_E_CORRUPT, "tiff: an image without a width or height");
    if (width > limits.max_side || height > limits.max_side) {
        return Status(PARCROP_E_IMAGE_TOO_LARGE, "tiff: a " + std::to_string(width) + "x" + std::to_string(height) +
                                                     " image, over the limit of " + std::to_string(limits.max_side) +
                                                     " pixels a side (max_tiled_image_side)");
    }
    PARCROP_RETURN_IF_ERROR(scalar(reader, dir, tag::samples_per_pixel, 1, &samples));
    PARCROP_RETURN_IF_ERROR(scalar(reader, dir, tag::compression, 1, &compression));
    PARCROP_RETURN_IF_ERROR(scalar(reader, dir, tag::planar_configuration, 1, &planar));
    PARCROP_RETURN_IF_ERROR(scalar(reader, dir, tag::predictor, 1, &predictor));
    PARCROP_RETURN_IF_ERROR(scalar(reader, dir, tag::sample_format, 1, &sample_format));
    if (samples < 1 || samples > 4) return unsupported(std::to_string(samples) + " samples per pixel");
    PARCROP_RETURN_IF_ERROR(scalar(reader, dir, tag::photometric, samples >= 3 ? 2 : 1, &photometric));
    if (const Entry* bits = dir.find(tag::bits_per_sample)) {
        for (uint64_t i = 0; i < std::min<uint64_t>(bits->array.count, samples); ++i) {
            uint64_t b;
            PARCROP_RETURN_IF_ERROR(reader.element(bits->array, i, &b));
            if (b != 8) return unsupported(std::to_string(b) + "-bit samples (parcrop reads 8-bit)");
        }
    }  // absent: 1-bit bilevel by the specification
    else {
        return unsupported("1-bit samples (parcrop reads 8-bit)");
    }
    if (sample_format != 1) return unsupported("sample format " + std::to_string(sample_format) + " (parcrop reads unsigned integers)");
    if (planar != 1 && samples > 1) return unsupported("separate colour planes (PlanarConfiguration 2)");
    if (!known_compression(static_cast<uint16_t>(compression))) {
        return unsupported("compression " + compression_label(static_cast<uint16_t>(compression)));
    }
    level->compression = static_cast<uint16_t>(compression);
    if (predictor == 2) {
        level->predictor = true;
    } else if (predictor != 1) {
        return unsupported("predictor " + std::to_string(predictor) + " (parcrop reads 1 and 2)");
    }
    const bool jpeg = compression == tiff_compression::jpeg;
    const bool webp = compression == tiff_compression::webp;
    if (photometric == 1) {
        if (samples > 2) return unsupported("min-is-black with " + std::to_string(samples) + " samples");
    } else if (photometric == 2) {
        if (samples < 3) return unsupported("RGB with " + std::to_string(samples) + " samples");
    } else if (photometric == 6) {
        if (!jpeg || samples != 3) return unsupported("YCbCr outside JPEG compression");
    } else {
        return unsupported("photometric interpretation " + std::to_string(photometric) +
                           " (parcrop reads min-is-black, RGB and JPEG's YCbCr)");
    }
    if (jpeg && samples != 1 && samples != 3) return unsupported("JPEG with " + std::to_string(samples) + " samples");
    if (webp && samples < 3) return unsupported("WebP with " + std::to_string(samples) + " samples");
    if (level->predictor && (jpeg || webp)) return unsupported("a predictor with JPEG or WebP compression");
    level->width = static_cast<uint32_t>(width);
    level->height = static_cast<uint32_t>(height);
    level->samples = static_cast<uint32_t>(samples);
    level->photometric = static_cast<uint16_t>(photometric);

    const Entry* tile_offsets = dir.find(tag::tile_offsets);
    const Entry* strip_offsets = dir.find(tag::strip_offsets);
    if (tile_offsets != nullptr) {
        uint64_t tw, th;
        PARCROP_RETURN_IF_ERROR(scalar(reader, dir, tag::tile_width, 0, &tw));
        PARCROP_RETURN_IF_ERROR(scalar(reader, dir, tag::tile_length, 0, &th));
        // TIFF requires sides in multiples of 16; tiny tiles would also let a small file
        // make a crop cost one read per handful of pixels.
        if (tw == 0 || th == 0 || tw > kMaxTileSide || th > kMaxTileSide || tw % 16 != 0 || th % 16 != 0) {
            return Status(PARCROP_E_CORRUPT, "tiff: tiles of " + std::to_string(tw) + "x" + std::to_string(th) +
                                                 " pixels (TIFF tiles are multiples of 16, here at most " +
                                                 std::to_string(kMaxTileSide) + " a side)");
        }
        const Entry* counts = dir.find(tag::tile_byte_counts);
        if (counts == nullptr) return Status(PARCROP_E_CORRUPT, "tiff: tile offsets without tile byte counts");
        level->tiled = true;
        level->tile_width = static_cast<uint32_t>(tw);
        level->tile_height = static_cast<uint32_t>(th);
        level->offsets = tile_offsets->array;
        level->byte_counts = counts->array;
    } else if (strip_offsets != nullptr) {
        uint64_t rows;
        PARCROP_RETURN_IF_ERROR(scalar(reader, dir, tag::rows_per_strip, UINT32_MAX, &rows));
        if (rows == 0) return Status(PARCROP_E_CORRUPT, "tiff: zero rows per strip");
        const Entry* counts = dir.find(tag::strip_byte_counts);
        if (counts == nullptr) return Status(PARCROP_E_CORRUPT, "tiff: strip offsets without strip byte counts");
        level->tiled = false;
        level->tile_width = level->width;
        level->tile_height = static_cast<uint32_t>(std::min<uint64_t>(rows, height));
        level->offsets = strip_offsets->array;
        level->byte_counts = counts->array;
    } else {
        return Status(PARCROP_E_CORRUPT, "tiff: an image with neither tile nor strip offsets");
    }
    level->tiles_across = static_cast<uint32_t>((uint64_t{level->width} + level->tile_width - 1) / level->tile_width);
    level->tiles_down = static_cast<uint32_t>((uint64_t{level->height} + level->tile_height - 1) / level->tile_height);
    if (level->offsets.count < level->tile_count() || level->byte_counts.count < level->tile_count()) {
        return Status(PARCROP_E_CORRUPT, "tiff: " + std::to_string(level->tile_count()) + " tiles or strips but " +
                                             std::to_string(std::min(level->offsets.count, level->byte_counts.count)) +
                                             " offsets or byte counts");
    }
    for (const TiffArray* a : {&level->offsets, &level->byte_counts}) {
        const uint32_t size = type_size(a->type);
        if (a->type != type::short_ && a->type != type::long_ && a->type != type::long8) {
            return Status(PARCROP_E_CORRUPT, "tiff: tile offsets or byte counts of field type " + std::to_string(a->type));
        }
        if (!a->is_inline && (a->offset > reader.input().size() || a->count * size > reader.input().size() - a->offset)) {
            return Status(PARCROP_E_CORRUPT, "tiff: a tile offset or byte-count array reaches past the end of the file");
        }
    }
    if (jpeg) {
        if (const Entry* tables = dir.find(tag::jpeg_tables)) {
            if (tables->array.count > kMaxJpegTables) return Status(PARCROP_E_CORRUPT, "tiff: JPEGTables over 1 MiB");
            PARCROP_RETURN_IF_ERROR(byte_string(reader, *tables, kMaxJpegTables, &level->jpeg_tables));
        }
        // DCT scaling reduces every tile alike only when its sides divide by the scale.
        for (uint32_t d : {8u, 4u, 2u}) {
            const bool whole_strips = !level->tiled && (level->tile_height % d == 0 || level->tiles_down == 1);
            if ((level->tiled && level->tile_width % d == 0 && level->tile_height % d == 0) || whole_strips) {
                level->max_scale_denom = d;
                break;
            }
        }
    }
    return Status::ok();
}

Status read_sub_ifd_offsets(const Reader& reader, const Directory& dir, std::vector<uint64_t>* out) {
    const Entry* e = dir.find(tag::sub_ifds);
    if (e == nullptr) return Status::ok();
    const uint64_t n = std::min(e->array.count, kMaxSubIfds);
    for (uint64_t i = 0; i < n; ++i) {
        uint64_t offset;
        PARCROP_RETURN_IF_ERROR(reader.element(e->array, i, &offset));
        out->push_back(offset);
    }
    return Status::ok();
}

// Aperio's ImageDescription: "Aperio Image Library ... |MPP = 0.2520|...".
double aperio_mpp(const std::vector<uint8_t>& description) {
    const std::string text(description.begin(), description.end());
    if (text.rfind("Aperio", 0) != 0) return 0;
    const size_t at = text.find("MPP = ");
    if (at == std::string::npos) return 0;
    const double v = std::strtod(text.c_str() + at + 6, nullptr);
    return std::isfinite(v) && v > 0 ? v : 0;
}

Status read_resolution(const Reader& reader, const Directory& dir, TiffImage* image) {
    if (const Entry* description = dir.find(tag::image_description)) {
        std::vector<uint8_t> text;
        if (byte_string(reader, *description, kMaxDescriptionRead, &text).is_ok()) {
            const double mpp = aperio_mpp(text);
            if (mpp > 0) {
                image->microns_per_pixel_x = image->microns_per_pixel_y = mpp;
                return Status::ok();
            }
        }
    }
    double x = 0, y = 0;
    uint64_t unit = 2;
    PARCROP_RETURN_IF_ERROR(rational(reader, dir, tag::x_resolution, &x));
    PARCROP_RETURN_IF_ERROR(rational(reader, dir, tag::y_resolution, &y));
    PARCROP_RETURN_IF_ERROR(scalar(reader, dir, tag::resolution_unit, 2, &unit));
    const double microns_per_unit = unit == 2 ? 25400.0 : unit == 3 ? 10000.0 : 0.0;
    if (microns_per_unit > 0 && x > 0 && y > 0) {
        image->microns_per_pixel_x = microns_per_unit / x;
        image->microns_per_pixel_y = microns_per_unit / y;
    }
    return Status::ok();
}

// A reduced copy of level 0 keeps its aspect ratio, within the rounding of halving.
bool same_aspect(const TiffLevel& base, const TiffLevel& level) {
    const double expected = static_cast<double>(base.height) * level.width / base.width;
    return std::abs(level.height - expected) <= 1.0 + 0.01 * expected;
}

}  // namespace

const char* tiff_compression_name(uint16_t compression) {
    switch (compression) {
        case tiff_compression::none: return "none";
        case tiff_compression::lzw: return "lzw";
        case tiff_compression::jpeg: return "jpeg";
        case tiff_compression::deflate:
        case tiff_compression::adobe_deflate: return "deflate";
        case tiff_compression::zstd: return "zstd";
        case tiff_compression::webp: return "webp";
        default: return "unknown";
    }
}

bool tiff_recognizes(ByteSpan data) {
    if (data.size < 4) return false;
    const uint8_t* p = data.data;
    if (p[0] == 'I' && p[1] == 'I') return (p[2] == 42 || p[2] == 43) && p[3] == 0;
    if (p[0] == 'M' && p[1] == 'M') return p[2] == 0 && (p[3] == 42 || p[3] == 43);
    return false;
}

Status parse_tiff(const TiffInput& input, const TiffLimits& limits, TiffImage* image) {
    uint8_t header[16] = {};
    const size_t header_size = static_cast<size_t>(std::min<uint64_t>(16, input.size()));
    PARCROP_RETURN_IF_ERROR(input.read_exact(0, header_size, header));
    if (!tiff_recognizes(ByteSpan{header, header_size})) {
        return Status(PARCROP_E_UNKNOWN_FORMAT, "tiff: no TIFF header");
    }
    image->big_endian = header[0] == 'M';
    Reader reader(input, image->big_endian);
    const uint64_t version = reader.get(header + 2, 2);
    image->bigtiff = version == 43;
    uint64_t first;
    if (image->bigtiff) {
        if (header_size < 16) return Status(PARCROP_E_TRUNCATED, "tiff: the BigTIFF header is cut short");
        if (reader.get(header + 4, 2) != 8 || reader.get(header + 6, 2) != 0) {
            return Status(PARCROP_E_CORRUPT, "tiff: a BigTIFF header with offsets that are not 8 bytes");
        }
        first = reader.get(header + 8, 8);
    } else {
        if (header_size < 8) return Status(PARCROP_E_TRUNCATED, "tiff: the header is cut short");
        first = reader.get(header + 4, 4);
    }
    if (first == 0) return Status(PARCROP_E_CORRUPT, "tiff: no image directory");

    // The main chain, then IFD0's SubIFDs. A chain that comes back to a directory is
    // malformed (a reader that followed it would never end): the file fails.
    std::set<uint64_t> visited;
    std::vector<Directory> chain;
    for (uint64_t offset = first; offset != 0;) {
        if (!visited.insert(offset).second) {
            return Status(PARCROP_E_CORRUPT, "tiff: the directory chain loops back to offset " + std::to_string(offset));
        }
        if (visited.size() > kMaxDirectories) break;
        Directory dir;
        Status read = read_directory(reader, image->bigtiff, offset, &dir);
        if (!read.is_ok()) {
            if (chain.empty()) return read;
            break;  // a broken later directory loses only the levels from there on
        }
        offset = dir.next;
        chain.push_back(std::move(dir));
    }
    TiffLevel base;
    PARCROP_RETURN_IF_ERROR(read_level(reader, chain.front(), limits, &base));
    PARCROP_RETURN_IF_ERROR(read_resolution(reader, chain.front(), image));

    std::vector<const Directory*> candidates;
    std::vector<Directory> sub_dirs;
    std::vector<uint64_t> sub_offsets;
    (void)read_sub_ifd_offsets(reader, chain.front(), &sub_offsets);
    for (uint64_t offset : sub_offsets) {
        if (!visited.insert(offset).second) continue;
        Directory dir;
        if (read_directory(reader, image->bigtiff, offset, &dir).is_ok()) sub_dirs.push_back(std::move(dir));
    }
    for (const Directory& d : sub_dirs) candidates.push_back(&d);
    for (size_t i = 1; i < chain.size(); ++i) candidates.push_back(&chain[i]);

    std::vector<TiffLevel> reduced;
    for (const Directory* dir : candidates) {
        uint64_t subfile = 0;
        if (!scalar(reader, *dir, tag::new_subfile_type, 0, &subfile).is_ok()) continue;
        if (subfile & 4) continue;  // a transparency mask
        TiffLevel level;
        if (!read_level(reader, *dir, limits, &level).is_ok()) continue;
        // Aperio marks its levels 0, like the main image; its label and macro images
        // are stripped, and have another aspect ratio.
        const bool reduced_image = (subfile & 1) != 0 || (base.tiled && level.tiled);
        if (!reduced_image || level.tiled != base.tiled || level.width >= base.width || !same_aspect(base, level)) {
            continue;
        }
        reduced.push_back(std::move(level));
    }
    std::stable_sort(reduced.begin(), reduced.end(),
                     [](const TiffLevel& a, const TiffLevel& b) { return a.width > b.width; });
    image->levels.clear();
    image->levels.push_back(std::move(base));
    for (TiffLevel& level : reduced) {
        if (image->levels.size() >= limits.max_levels) break;
        if (level.width >= image->levels.back().width || level.height > image->levels.back().height) continue;
        image->levels.push_back(std::move(level));
    }
    return Status::ok();
}

Status tiff_tile_location(const TiffInput& input, const TiffImage& image, const TiffLevel& level, uint64_t index,
                          uint64_t* offset, uint64_t* size) {
    const Reader reader(input, image.big_endian);
    PARCROP_RETURN_IF_ERROR(reader.element(level.offsets, index, offset));
    PARCROP_RETURN_IF_ERROR(reader.element(level.byte_counts, index, size));
    if (*offset > input.size() || *size > input.size() - *offset) {
        return Status(PARCROP_E_CORRUPT, "tiff: tile " + std::to_string(index) + " (" + std::to_string(*size) +
                                             " bytes at offset " + std::to_string(*offset) +
                                             ") reaches past the end of the file");
    }
    if (*size == 0) return Status(PARCROP_E_CORRUPT, "tiff: tile " + std::to_string(index) + " is empty");
    return Status::ok();
}

}  // namespace parcrop
