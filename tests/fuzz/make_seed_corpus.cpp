// Writes the seed corpora of the fuzz targets, in the input layouts their comments
// describe, from the encoders the unit tests use (tests/image_fixtures.*,
// tests/jpeg_fixtures.*): JPEG of every subsampling, progressive, restart intervals,
// arithmetic coding, gray and CMYK; PNG of every color type and depth, with tRNS and
// Adam7; BMP, TGA (RLE and raw), PNM (8 and 16 bits), PSD (raw and PackBits), GIF, HDR;
// TIFF and BigTIFF (tests/tiff_fixtures.*: a tiled Deflate pyramid, big-endian BigTIFF,
// strips, JPEG tiles with JPEGTables, SubIFDs); and the hostile files of
// tests/hostile_images.h. For fuzz_tiff_codecs: tiles compressed by zlib, libzstd and
// the reference LZW encoder of tests/tiff_lzw_encoder.h.
//
//   make_seed_corpus OUT_DIR   ->  OUT_DIR/decode_region/*, OUT_DIR/batch/*, OUT_DIR/tiff_codecs/*,
//                                  OUT_DIR/tiff_directory/*, OUT_DIR/jpeg_index/*
//
// The corpora are generated, not committed: about 200 small files, under a second.
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <tuple>
#include <vector>

#include <zlib.h>
#include <zstd.h>

#include "decode/jpeg/jpeg_index.h"
#include "hostile_images.h"
#include "image_fixtures.h"
#include "jpeg_fixtures.h"
#include "tiff_fixtures.h"
#include "tiff_lzw_encoder.h"

namespace {

using namespace parcrop_test;

struct Named {
    std::string name;
    Bytes bytes;
};

void write_file(const std::filesystem::path& path, const Bytes& bytes) {
    std::ofstream out(path, std::ios::binary);
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    if (!out) throw std::runtime_error("cannot write " + path.string());
}

void put_u16(Bytes* out, uint32_t v) {
    out->push_back(static_cast<uint8_t>(v));
    out->push_back(static_cast<uint8_t>(v >> 8));
}
void put_u32(Bytes* out, uint32_t v) {
    put_u16(out, v & 0xffff);
    put_u16(out, v >> 16);
}
void put_f32(Bytes* out, float f) {
    uint32_t v;
    std::memcpy(&v, &f, sizeof v);
    put_u32(out, v);
}

// Small TIFFs of every layout parcrop reads: a few kilobytes each.
std::vector<Named> tiffs() {
    std::vector<Named> all;
    auto level = [](Pixels pixels, uint16_t compression, uint32_t tile) {
        TiffLevelSpec l;
        l.pixels = std::move(pixels);
        l.compression = compression;
        l.tile_width = l.tile_height = tile;
        return l;
    };
    auto pyramid = [&](uint32_t w, uint32_t h, uint32_t samples, size_t count, uint16_t compression, uint32_t seed) {
        TiffSpec spec;
        Pixels pixels = make_photo(w, h, samples, seed);
        for (size_t i = 0; i < count; ++i) {
            spec.levels.push_back(level(pixels, compression, 16));
            spec.levels.back().predictor = compression == 8 && i == 0;
            pixels = half_size(pixels);
        }
        return spec;
    };
    TiffSpec spec = pyramid(61, 47, 3, 3, 8, 21);
    spec.label = true;
    spec.x_resolution = spec.y_resolution = 40000;
    spec.resolution_unit = 3;
    all.push_back({"tiff_deflate_pyramid", write_tiff(spec).bytes});
    spec = pyramid(40, 33, 4, 2, 1, 22);
    spec.big_endian = spec.bigtiff = true;
    spec.reduced_as_sub_ifds = true;
    all.push_back({"tiff_bigtiff_be_subifds", write_tiff(spec).bytes});
    spec = pyramid(37, 29, 2, 1, 8, 23);
    spec.levels[0].tiled = false;
    spec.levels[0].rows_per_strip = 6;
    spec.directories_first = true;
    all.push_back({"tiff_stripped_gray_alpha", write_tiff(spec).bytes});
    spec = pyramid(64, 48, 3, 2, 7, 24);
    spec.description = "Aperio Image Library v12.0.15\r\n64x48 (16x16) JPEG/RGB Q=70|AppMag = 20|MPP = 0.4990";
    all.push_back({"tiff_jpeg_tables_pyramid", write_tiff(spec).bytes});
    spec = pyramid(48, 40, 1, 1, 7, 25);
    spec.levels[0].jpeg_tables = false;
    spec.levels[0].tiled = false;
    spec.levels[0].rows_per_strip = 16;
    spec.big_endian = true;
    all.push_back({"tiff_jpeg_gray_strips", write_tiff(spec).bytes});
    return all;
}

std::vector<Named> images() {
    std::vector<Named> all;
    // JPEG: odd sizes so that partial iMCUs and edge columns are exercised.
    const uint32_t w = 61, h = 47;
    const Pixels rgb = make_photo(w, h, 3, 1);
    const Pixels gray = make_photo(w, h, 1, 2);
    const Pixels four = make_photo(w, h, 4, 3);
    struct Sampling { const char* name; int h, v; };
    for (const Sampling s : {Sampling{"444", 1, 1}, Sampling{"422", 2, 1}, Sampling{"420", 2, 2},
                             Sampling{"440", 1, 2}}) {
        JpegOptions o;
        o.h_samp = s.h;
        o.v_samp = s.v;
        all.push_back({std::string("jpeg_") + s.name, encode_jpeg(rgb.data, w, h, 3, o)});
        JpegOptions p = o;
        p.progressive = true;
        all.push_back({std::string("jpeg_") + s.name + "_progressive", encode_jpeg(rgb.data, w, h, 3, p)});
        JpegOptions r = o;
        r.restart_rows = 1;
        all.push_back({std::string("jpeg_") + s.name + "_restart_rows", encode_jpeg(rgb.data, w, h, 3, r)});
        JpegOptions a = o;
        a.arithmetic = true;
        all.push_back({std::string("jpeg_") + s.name + "_arithmetic", encode_jpeg(rgb.data, w, h, 3, a)});
    }
    {
        JpegOptions o;
        o.restart_mcus = 3;
        all.push_back({"jpeg_420_restart_mcus", encode_jpeg(rgb.data, w, h, 3, o)});
        o = JpegOptions{};
        o.progressive = true;
        o.arithmetic = true;
        all.push_back({"jpeg_420_progressive_arithmetic", encode_jpeg(rgb.data, w, h, 3, o)});
        all.push_back({"jpeg_gray", encode_jpeg(gray.data, w, h, 1, JpegOptions{})});
        o = JpegOptions{};
        o.progressive = true;
        all.push_back({"jpeg_gray_progressive", encode_jpeg(gray.data, w, h, 1, o)});
        o = JpegOptions{};
        o.cmyk = true;
        all.push_back({"jpeg_cmyk", encode_jpeg(four.data, w, h, 4, o)});
        o.h_samp = o.v_samp = 1;
        all.push_back({"jpeg_cmyk_444", encode_jpeg(four.data, w, h, 4, o)});
        // Large enough for DCT scaling by 8 to keep a few pixels.
        const Pixels big = make_photo(203, 131, 3, 4);
        all.push_back({"jpeg_420_large", encode_jpeg(big.data, 203, 131, 3, JpegOptions{})});
        o = JpegOptions{};
        o.progressive = true;
        o.quality = 50;
        all.push_back({"jpeg_420_large_progressive", encode_jpeg(big.data, 203, 131, 3, o)});
    }
    // PNG: every color type and depth, tRNS, Adam7.
    for (const PngVariant& variant : all_png_variants()) {
        std::string name = "png_" + variant.name();
        for (char& c : name) if (c == ' ' || c == '+') c = '_';
        all.push_back({name, make_png(variant, 37, 29, 5).bytes});
    }
    all.push_back({"png_rgb8_large_adam7", make_png(PngVariant{2, 8, false, true}, 150, 97, 6).bytes});
    // stb formats.
    const Pixels small_rgb = make_photo(23, 17, 3, 7);
    const Pixels small_rgba = make_photo(23, 17, 4, 8);
    const Pixels small_gray = make_photo(23, 17, 1, 9);
    all.push_back({"bmp_rgb", encode_bmp(small_rgb)});
    all.push_back({"bmp_rgba", encode_bmp(small_rgba)});
    all.push_back({"tga_rle_rgb", encode_tga_rle(small_rgb)});
    all.push_back({"tga_rle_rgba", encode_tga_rle(small_rgba)});
    all.push_back({"tga_raw_gray", encode_tga_raw(small_gray)});
    all.push_back({"tga_raw_rgba", encode_tga_raw(small_rgba)});
    all.push_back({"pnm_p5", encode_pnm(small_gray, false)});
    all.push_back({"pnm_p6", encode_pnm(small_rgb, false)});
    all.push_back({"pnm_p5_16", encode_pnm(small_gray, true)});
    all.push_back({"pnm_p6_16", encode_pnm(small_rgb, true)});
    all.push_back({"psd_raw", encode_psd(small_rgb, false)});
    all.push_back({"psd_packbits", encode_psd(small_rgb, true)});
    all.push_back({"gif", make_gif(23, 17, 10, -1).bytes});
    all.push_back({"gif_transparent", make_gif(23, 17, 11, 7).bytes});
    all.push_back({"hdr", make_hdr(23, 17, 12).bytes});
    all.push_back({"webp_lossy", encode_webp(small_rgb, false)});
    all.push_back({"webp_lossy_alpha", encode_webp(small_rgba, false)});
    all.push_back({"webp_lossless", encode_webp(small_rgb, true)});
    for (Named& tiff : tiffs()) all.push_back(std::move(tiff));
    // Hostile files: run-length HDR rows that stall, palettes that do not cover their
    // indices or overlap the headers, and headers of every format claiming more pixels
    // than the data holds (within the fuzz targets' limits, so they reach the decoders).
    all.push_back({"hdr_rle_zero_count", hdr_rle_zero_count(16)});
    all.push_back({"hdr_rle_cut_inside_run", hdr_rle_cut_inside_run(16)});
    for (const uint32_t entries : {1u, 2u, 16u, 255u}) {
        all.push_back({"bmp_palette_" + std::to_string(entries), bmp_palette_indices(23, 17, entries)});
    }
    all.push_back({"bmp_palette_inside_headers", bmp_palette_indices(23, 17, 4, 40)});
    for (HostileFile& file : files_claiming(2048, 2048)) {
        std::string name = "claims_" + file.name;
        for (char& c : name) if (c == '-') c = '_';
        all.push_back({name, std::move(file.bytes)});
    }
    return all;
}

// fuzz_decode_region: 12 parameter bytes, then the image.
Bytes region_seed(const Bytes& image, uint8_t scale, uint8_t channels, uint16_t x0, uint16_t width,
                  uint8_t row_mode, uint16_t first_row, uint8_t step, uint8_t count) {
    Bytes out = {scale, channels};
    put_u16(&out, x0);
    put_u16(&out, width);
    out.push_back(row_mode);
    put_u16(&out, first_row);
    out.push_back(step);
    out.push_back(count);
    out.push_back(0x5e);
    out.insert(out.end(), image.begin(), image.end());
    return out;
}

struct SeedItem {
    uint8_t source;
    uint8_t kind;  // bits 0-1: 0 raw floats, 1 u16/256 pixels, 2 u16/65535 fractions; bits 2-3: flips
    float box[4];
};

// fuzz_batch's header byte 11: out_of_bounds in bits 1-2, flips in bits 3-4, per-item flips
// (from each item's box kind) in bit 5, exif=apply in bit 6.
constexpr uint8_t kPad = 1 << 1, kClamp = 2 << 1, kFlipBoth = 3 << 3, kItemFlips = 1 << 5;
constexpr uint8_t kExifApply = 1 << 6;

// The JPEG with an APP1 Exif segment right after SOI whose IFD0 holds only `orientation`.
Bytes with_orientation(const Bytes& jpeg, uint8_t orientation) {
    const Bytes segment = {0xFF, 0xE1, 0, 34, 'E', 'x', 'i', 'f', 0, 0,
                           'M', 'M', 0, 42, 0, 0, 0, 8,              // big endian, IFD0 at 8
                           0, 1,                                     // one entry
                           0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, orientation, 0, 0,  // Orientation, SHORT
                           0, 0, 0, 0};                              // no next IFD
    Bytes out = {jpeg[0], jpeg[1]};
    out.reserve(jpeg.size() + segment.size());
    for (const uint8_t b : segment) out.push_back(b);
    for (size_t i = 2; i < jpeg.size(); ++i) out.push_back(jpeg[i]);
    return out;
}

// fuzz_batch: header, items, source lengths, source bytes.
Bytes batch_seed(uint8_t out_h, uint8_t out_w, uint8_t channels, uint8_t filter, uint8_t mode, uint8_t flags,
                 uint8_t item_pad, const std::vector<SeedItem>& items, const std::vector<const Bytes*>& sources,
                 uint8_t max_percent = 100, uint8_t limits_and_geometry = 0) {
    Bytes out = {static_cast<uint8_t>(out_h - 1), static_cast<uint8_t>(out_w - 1), channels, filter, mode, flags,
                 item_pad, static_cast<uint8_t>(items.size() - 1), static_cast<uint8_t>(sources.size() - 1),
                 0 /* all sources are plain data */, max_percent, limits_and_geometry};
    for (const SeedItem& item : items) {
        out.push_back(item.source);
        out.push_back(item.kind);
        for (const float v : item.box) {
            const uint8_t encoding = (item.kind & 3) % 3;
            if (encoding == 0) {
                put_f32(&out, v);
            } else {
                const float scale = encoding == 1 ? 256.0f : 65535.0f;
                if (!(v >= 0.0f && v * scale <= 65535.0f)) {
                    throw std::runtime_error("a u16 box coordinate must lie in [0, 65535 / scale]; use raw floats");
                }
                put_u16(&out, static_cast<uint32_t>(v * scale));
                put_u16(&out, 0);
            }
        }
    }
    for (size_t s = 0; s + 1 < sources.size(); ++s) put_u32(&out, static_cast<uint32_t>(sources[s]->size()));
    for (const Bytes* source : sources) out.insert(out.end(), source->begin(), source->end());
    return out;
}


// fuzz_tiff_codecs: a parameter byte (codec in the low 3 bits, an index into its table of
// wanted sizes in the high 5), then the stream.
Bytes codec_seed(uint8_t codec, uint8_t wanted_index, const Bytes& stream) {
    Bytes out(1 + stream.size());
    out[0] = static_cast<uint8_t>(codec | wanted_index << 3);
    if (!stream.empty()) std::memcpy(out.data() + 1, stream.data(), stream.size());
    return out;
}

size_t write_codec_seeds(const std::filesystem::path& dir) {
    // Index 10 asks for 64 bytes, 21 for 4096, 30 for 196608 (a whole 256x256 RGB tile).
    const Bytes tile = make_photo(256, 256, 3, 5).data;
    const Bytes small = make_photo(32, 32, 4, 6).data;  // 4096 bytes
    size_t files = 0;
    for (const auto& [name, data, index] :
         {std::tuple<const char*, const Bytes*, uint8_t>{"tile", &tile, 30}, {"small", &small, 21}}) {
        const std::string base = name;
        write_file(dir / ("none_" + base), codec_seed(0, index, *data));
        const Bytes lzw = tiff_lzw_encode(data->data(), data->size());
        write_file(dir / ("lzw_" + base), codec_seed(1, index, lzw));
        write_file(dir / ("lzw_" + base + "_prefix"), codec_seed(1, 10, lzw));
        uLongf size = compressBound(static_cast<uLong>(data->size()));
        Bytes zlib(size);
        if (compress2(zlib.data(), &size, data->data(), static_cast<uLong>(data->size()), 6) != Z_OK) {
            throw std::runtime_error("compress2 failed");
        }
        zlib.resize(size);
        write_file(dir / ("deflate_" + base), codec_seed(2, index, zlib));
        write_file(dir / ("adobe_deflate_" + base + "_prefix"), codec_seed(3, 10, zlib));
        Bytes zstd(ZSTD_compressBound(data->size()));
        const size_t zsize = ZSTD_compress(zstd.data(), zstd.size(), data->data(), data->size(), 3);
        if (ZSTD_isError(zsize)) throw std::runtime_error("ZSTD_compress failed");
        zstd.resize(zsize);
        write_file(dir / ("zstd_" + base), codec_seed(4, index, zstd));
        write_file(dir / ("zstd_" + base + "_prefix"), codec_seed(4, 10, zstd));
        files += 8;
    }
    // LZW round trips: with clears, without (libtiff's tolerance), with frequent clears.
    const Bytes some(small.begin(), small.begin() + 3000);
    write_file(dir / "lzw_roundtrip_clear", codec_seed(6, 0, some));
    write_file(dir / "lzw_roundtrip_no_clear", codec_seed(7, 0, some));
    write_file(dir / "lzw_roundtrip_clear_every", codec_seed(6, 1, some));
    write_file(dir / "jpeg_refused", codec_seed(5, 1, Bytes{0xFF, 0xD8}));
    return files + 4;
}

// fuzz_jpeg_index: 12 parameter bytes (see that target), then a JPEG, or (mode bit 0)
// the serialised index of one.
size_t write_index_seeds(const std::filesystem::path& dir, const std::vector<Named>& all) {
    std::filesystem::create_directories(dir);
    std::vector<Named> jpegs;
    for (const Named& image : all) {
        if (image.name.rfind("jpeg_", 0) == 0) jpegs.push_back(image);
    }
    JpegOptions optimized;
    optimized.optimize = true;
    const Pixels photo = make_photo(203, 131, 3, 4);
    jpegs.push_back({"jpeg_420_optimized", encode_jpeg(photo.data, 203, 131, 3, optimized)});
    size_t files = 0, variant = 0;
    for (const Named& jpeg : jpegs) {
        for (const uint8_t mode : {0, 2}) {
            const uint8_t v = static_cast<uint8_t>(variant++);
            Bytes seed = {static_cast<uint8_t>(v % 5), mode, static_cast<uint8_t>(v * 37), static_cast<uint8_t>(v * 91),
                          64, 90, 200, 17, static_cast<uint8_t>(v), 0, static_cast<uint8_t>(mode ? 3 : 0),
                          static_cast<uint8_t>(mode ? 0xF9 : 0)};
            seed.insert(seed.end(), jpeg.bytes.begin(), jpeg.bytes.end());
            write_file(dir / (jpeg.name + "_" + std::to_string(mode)), seed);
            ++files;
        }
        parcrop::JpegEntropyIndex index;
        if (parcrop::build_jpeg_entropy_index({jpeg.bytes.data(), jpeg.bytes.size()}, 2, &index).is_ok()) {
            for (const uint8_t mode : {1, 5}) {
                Bytes seed = {0, mode, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
                const Bytes serialized = index.serialize();
                seed.insert(seed.end(), serialized.begin(), serialized.end());
                write_file(dir / (jpeg.name + "_index_" + std::to_string(mode)), seed);
                ++files;
            }
        }
    }
    return files;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: %s OUT_DIR\n", argv[0]);
        return 2;
    }
    try {
        const std::filesystem::path root = argv[1];
        const std::filesystem::path region_dir = root / "decode_region", batch_dir = root / "batch";
        std::filesystem::create_directories(region_dir);
        std::filesystem::create_directories(batch_dir);
        const std::filesystem::path codecs_dir = root / "tiff_codecs";
        std::filesystem::create_directories(codecs_dir);
        const std::filesystem::path tiff_dir = root / "tiff_directory";
        std::filesystem::create_directories(tiff_dir);
        const std::vector<Named> all = images();
        size_t files = 0;
        for (size_t n = 0; n < all.size(); ++n) {
            const Named& image = all[n];
            // Whole image, RGB; a sparse region at 1/2 in gray; one row at 1/8 in RGBA.
            write_file(region_dir / (image.name + "_full"), region_seed(image.bytes, 0, 1, 0, 0xffff, 0, 0, 1, 0));
            write_file(region_dir / (image.name + "_sparse"), region_seed(image.bytes, 1, 0, 9, 17, 2, 3, 3, 9));
            write_file(region_dir / (image.name + "_row"), region_seed(image.bytes, 3, 2, 2, 40, 1, 5, 0, 0));
            // Three items on one source: pixel boxes, normalized boxes, a glimpse.
            const uint8_t filter = static_cast<uint8_t>(n % 6), channels = static_cast<uint8_t>(n % 7);
            write_file(batch_dir / (image.name + "_boxes"),
                       batch_seed(16, 12, channels, filter, static_cast<uint8_t>(n % 3), 0, 0,
                                  {{0, 0, {1.5f, 2.0f, 20.25f, 15.0f}},
                                   {0, 1, {0.0f, 0.0f, 23.0f, 17.0f}},
                                   {0, 0, {10.0f, 3.0f, 11.0f, 4.0f}}},
                                  {&image.bytes}));
            write_file(batch_dir / (image.name + "_normalized"),
                       batch_seed(9, 31, channels, filter, 2, 1 | (5 << 3), 7,
                                  {{0, 2, {0.1f, 0.2f, 0.9f, 0.7f}}, {0, 2, {0.0f, 0.0f, 1.0f, 1.0f}}},
                                  {&image.bytes}));
            // Padded boxes reaching out of the image and one wholly outside, flipped per
            // item; then the same boxes clamped, all flipped.
            const std::vector<SeedItem> outside = {{0, 0 | 4, {-0.2f, -0.1f, 0.7f, 1.3f}},
                                                   {0, 0 | 8, {1.2f, 0.0f, 1.5f, 0.5f}},
                                                   {0, 0 | 12, {0.25f, 0.25f, 0.5f, 0.5f}}};
            write_file(batch_dir / (image.name + "_padded"),
                       batch_seed(10, 14, channels, filter, static_cast<uint8_t>(n % 3), 1, 0, outside,
                                  {&image.bytes}, 100, kPad | kItemFlips));
            write_file(batch_dir / (image.name + "_clamped"),
                       batch_seed(10, 14, channels, filter, static_cast<uint8_t>(n % 3), 1, 0, outside,
                                  {&image.bytes}, 100, kClamp | kFlipBoth));
            write_file(batch_dir / (image.name + "_glimpse"),
                       batch_seed(8, 8, channels, filter, 0, 2, 0,
                                  {{0, 2, {0.3f, 0.4f, 0.5f, 0.0f}}, {0, 2, {1.0f, 1.0f, 0.25f, 0.0f}}},
                                  {&image.bytes}, 60));
            files += 8;
        }
        // EXIF orientations with boxes on the displayed image: a mirror and both transposes,
        // padded and flipped, for every filter.
        for (size_t n = 0; n < all.size(); ++n) {
            const Bytes& jpeg = all[n].bytes;
            if (jpeg.size() < 4 || jpeg[0] != 0xFF || jpeg[1] != 0xD8) continue;
            for (const uint8_t orientation : {3, 6, 7}) {
                const Bytes oriented = with_orientation(jpeg, orientation);
                const uint8_t filter = static_cast<uint8_t>((n + orientation) % 6);
                write_file(batch_dir / (all[n].name + "_exif" + std::to_string(orientation)),
                           batch_seed(11, 7, 3, filter, static_cast<uint8_t>(orientation % 3), 1, 0,
                                      {{0, 2 | 4, {0.1f, 0.2f, 0.9f, 0.7f}},
                                       {0, 0 | 8, {-0.2f, 0.5f, 0.6f, 1.1f}},  // raw floats: outside [0, 1]
                                       {0, 2, {0.0f, 0.0f, 1.0f, 1.0f}}},
                                      {&oriented}, 100, kPad | kItemFlips | kExifApply));
                ++files;
            }
        }
        // Several sources in one batch, with items interleaved.
        for (size_t n = 0; n + 2 < all.size(); n += 5) {
            write_file(batch_dir / ("multi_" + std::to_string(n)),
                       batch_seed(24, 24, 2, 3, 0, 4, 0,
                                  {{0, 2, {0.0f, 0.0f, 0.5f, 0.5f}}, {1, 2, {0.25f, 0.25f, 1.0f, 1.0f}},
                                   {2, 2, {0.5f, 0.1f, 0.6f, 0.9f}}, {0, 2, {0.4f, 0.4f, 1.0f, 0.6f}}},
                                  {&all[n].bytes, &all[n + 1].bytes, &all[n + 2].bytes}));
            ++files;
        }
        files += write_codec_seeds(codecs_dir);
        // fuzz_tiff_directory: 16 parameter bytes (see that target), then the TIFF.
        size_t variant = 0;
        for (const Named& tiff : tiffs()) {
            for (const uint8_t choice : {0, 1, 2, 3}) {
                Bytes seed = {static_cast<uint8_t>(choice * 0x45), static_cast<uint8_t>(choice),
                              static_cast<uint8_t>(3 + choice), 0, static_cast<uint8_t>(20 + choice * 7), 0,
                              static_cast<uint8_t>(choice * 5), 0, static_cast<uint8_t>(9 + choice), 0,
                              static_cast<uint8_t>(30 - choice), 0, static_cast<uint8_t>(choice * 3), 0,
                              static_cast<uint8_t>(1 + choice), static_cast<uint8_t>(variant++)};
                seed.insert(seed.end(), tiff.bytes.begin(), tiff.bytes.end());
                write_file(tiff_dir / (tiff.name + "_" + std::to_string(choice)), seed);
                ++files;
            }
        }
        files += write_index_seeds(root / "jpeg_index", all);
        std::printf("%zu seed files in %s\n", files, root.string().c_str());
    } catch (const std::exception& e) {
        std::fprintf(stderr, "make_seed_corpus: %s\n", e.what());
        return 1;
    }
    return 0;
}
