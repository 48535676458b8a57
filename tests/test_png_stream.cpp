// The PNG image-data stream as files in the wild lay it out: IDAT chunks of any size,
// every kind of deflate block, checksums, trailing data, odd ancillary chunks and out of
// range palette indices. Fixtures are libspng-encoded photos, re-packed here with zlib;
// expected pixels come from the fixture's sources or from libspng's full decode.
#include <catch2/catch.hpp>
#include <spng.h>
#include <zlib.h>

#include <cstring>
#include <string>
#include <vector>

#include "decode/png/png_chunks.h"
#include "decode/png/png_decoder.h"
#include "image_fixtures.h"
#include "region_capture.h"

using namespace parcrop;
using namespace parcrop_test;

namespace {

struct PngChunk {
    std::string type;
    std::vector<uint8_t> data;
};

uint32_t read_u32(const uint8_t* p) { return uint32_t{p[0]} << 24 | uint32_t{p[1]} << 16 | uint32_t{p[2]} << 8 | p[3]; }

std::vector<PngChunk> split_chunks(const std::vector<uint8_t>& png) {
    std::vector<PngChunk> chunks;
    for (size_t offset = 8; offset + 12 <= png.size();) {
        const uint32_t length = read_u32(png.data() + offset);
        const uint8_t* type = png.data() + offset + 4;
        chunks.push_back({std::string(type, type + 4), std::vector<uint8_t>(type + 4, type + 4 + length)});
        offset += 12 + size_t{length};
    }
    return chunks;
}

void append_chunk(std::vector<uint8_t>* png, const std::string& type, const std::vector<uint8_t>& data,
                  bool valid_crc = true) {
    const size_t start = png->size();
    for (int shift = 24; shift >= 0; shift -= 8) png->push_back(static_cast<uint8_t>(data.size() >> shift));
    png->insert(png->end(), type.begin(), type.end());
    png->insert(png->end(), data.begin(), data.end());
    uint32_t crc = static_cast<uint32_t>(crc32(0, png->data() + start + 4, static_cast<uInt>(data.size() + 4)));
    if (!valid_crc) crc ^= 1;
    for (int shift = 24; shift >= 0; shift -= 8) png->push_back(static_cast<uint8_t>(crc >> shift));
}

// The fixture's filtered scanlines, inflated by zlib.
std::vector<uint8_t> filtered_scanlines(const std::vector<PngChunk>& chunks) {
    std::vector<uint8_t> compressed;
    for (const PngChunk& chunk : chunks) {
        if (chunk.type == "IDAT") compressed.insert(compressed.end(), chunk.data.begin(), chunk.data.end());
    }
    z_stream stream{};
    REQUIRE(inflateInit(&stream) == Z_OK);
    std::vector<uint8_t> out;
    uint8_t buffer[65536];
    stream.next_in = compressed.data();
    stream.avail_in = static_cast<uInt>(compressed.size());
    int result = Z_OK;
    while (result == Z_OK) {
        stream.next_out = buffer;
        stream.avail_out = sizeof(buffer);
        result = inflate(&stream, Z_NO_FLUSH);
        out.insert(out.end(), buffer, buffer + (sizeof(buffer) - stream.avail_out));
    }
    inflateEnd(&stream);
    REQUIRE(result == Z_STREAM_END);
    return out;
}

std::vector<uint8_t> deflate_with(const std::vector<uint8_t>& data, int level, int strategy) {
    z_stream stream{};
    REQUIRE(deflateInit2(&stream, level, Z_DEFLATED, 15, 8, strategy) == Z_OK);
    std::vector<uint8_t> out(deflateBound(&stream, static_cast<uLong>(data.size())));
    stream.next_in = const_cast<uint8_t*>(data.data());
    stream.avail_in = static_cast<uInt>(data.size());
    stream.next_out = out.data();
    stream.avail_out = static_cast<uInt>(out.size());
    REQUIRE(deflate(&stream, Z_FINISH) == Z_STREAM_END);
    out.resize(stream.total_out);
    deflateEnd(&stream);
    return out;
}

struct Repack {
    int level = 6;
    int strategy = Z_DEFAULT_STRATEGY;
    size_t chunk_size = 8192;  // IDAT payload size
    bool empty_chunks = false;  // a zero-length IDAT after every one
    std::vector<PngChunk> before_idat;  // inserted after IHDR/PLTE/tRNS
};

// The fixture with its image data replaced by `scanlines` (filtered, as stored), deflated
// and chunked as `repack` says.
std::vector<uint8_t> repack_png(const std::vector<PngChunk>& chunks, const std::vector<uint8_t>& scanlines,
                                const Repack& repack, bool valid_stream_checksum = true) {
    std::vector<uint8_t> png = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
    for (const PngChunk& chunk : chunks) {
        if (chunk.type == "IDAT" || chunk.type == "IEND") continue;
        append_chunk(&png, chunk.type, chunk.data);
    }
    for (const PngChunk& chunk : repack.before_idat) append_chunk(&png, chunk.type, chunk.data, chunk.type != "badc");
    std::vector<uint8_t> stream = deflate_with(scanlines, repack.level, repack.strategy);
    if (!valid_stream_checksum) stream.back() ^= 0x01;
    for (size_t offset = 0; offset < stream.size(); offset += repack.chunk_size) {
        const size_t end = std::min(stream.size(), offset + repack.chunk_size);
        append_chunk(&png, "IDAT", std::vector<uint8_t>(stream.begin() + offset, stream.begin() + end));
        if (repack.empty_chunks) append_chunk(&png, "IDAT", {});
    }
    append_chunk(&png, "IEND", {});
    return png;
}

Status decode_rows(const std::vector<uint8_t>& png, uint32_t x0, uint32_t x1, const std::vector<uint32_t>& rows,
                   uint32_t channels, RecordingSink* sink) {
    return decode_region(png, x0, x1, rows, channels, 1, sink);
}

// libspng's whole-image RGBA8 decode, as an independent reference.
Pixels spng_rgba(const std::vector<uint8_t>& png) {
    int error = 0;
    Pixels pixels = spng_decode_rgba8(png, &error);
    REQUIRE(error == 0);
    return pixels;
}

}  // namespace

TEST_CASE("png: crc32 is PNG's CRC", "[png][stream]") {
    std::vector<uint8_t> bytes(5000);
    for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<uint8_t>(i * 131 + (i >> 7));
    for (const size_t size : {size_t{0}, size_t{1}, size_t{15}, size_t{64}, size_t{4999}}) {
        CHECK(png_crc32(0, bytes.data(), size) == crc32(0, bytes.data(), static_cast<uInt>(size)));
    }
    // Continued over two calls, as chunk type and data are.
    CHECK(png_crc32(png_crc32(0, bytes.data(), 4), bytes.data() + 4, 100) == crc32(0, bytes.data(), 104));
}

TEST_CASE("png: any IDAT chunking and every deflate block kind decode the same", "[png][stream]") {
    const PngVariant variants[] = {{SPNG_COLOR_TYPE_TRUECOLOR, 8, false, false},
                                   {SPNG_COLOR_TYPE_GRAYSCALE, 8, false, false},
                                   {SPNG_COLOR_TYPE_TRUECOLOR_ALPHA, 16, false, true}};
    for (const PngVariant& variant : variants) {
        const PngFixture fixture = make_png(variant, 71, 53, 11);
        const std::vector<PngChunk> chunks = split_chunks(fixture.bytes);
        const std::vector<uint8_t> scanlines = filtered_scanlines(chunks);
        const uint32_t channels = variant.color_type == SPNG_COLOR_TYPE_GRAYSCALE ? 1 : 4;
        const Pixels expected = convert_reference(fixture.expected, channels);
        const struct {
            int level, strategy;
        } codings[] = {{0, Z_DEFAULT_STRATEGY},  // stored blocks
                       {1, Z_DEFAULT_STRATEGY}, {9, Z_DEFAULT_STRATEGY}, {6, Z_FIXED},
                       {6, Z_HUFFMAN_ONLY}, {6, Z_RLE}, {6, Z_FILTERED}};
        for (const auto& coding : codings) {
            for (const size_t chunk_size : {size_t{1}, size_t{7}, size_t{1000}, size_t{1} << 20}) {
                INFO(variant.name() << " level " << coding.level << " strategy " << coding.strategy
                                    << " IDAT size " << chunk_size);
                Repack repack;
                repack.level = coding.level;
                repack.strategy = coding.strategy;
                repack.chunk_size = chunk_size;
                repack.empty_chunks = chunk_size == 7;
                const std::vector<uint8_t> png = repack_png(chunks, scanlines, repack);
                RecordingSink whole(size_t{71} * channels);
                REQUIRE(decode_rows(png, 0, 71, row_range(0, 53), channels, &whole).is_ok());
                CHECK(whole.bytes == expected.data);
                RecordingSink part(size_t{20} * channels);
                REQUIRE(decode_rows(png, 33, 53, {4, 5, 30}, channels, &part).is_ok());
                CHECK(part.bytes == crop_reference(expected, 33, 53, {4, 5, 30}));
            }
        }
    }
}

TEST_CASE("png: images many times the inflate window, wide 16-bit rows, interlaced", "[png][stream]") {
    // 1100x420 RGB is 1.4 MB of scanlines, 1500x200 RGBA16 12 KB per row; interlaced too.
    const struct {
        PngVariant variant;
        uint32_t width, height;
    } cases[] = {{{SPNG_COLOR_TYPE_TRUECOLOR, 8, false, false}, 1100, 420},
                 {{SPNG_COLOR_TYPE_TRUECOLOR_ALPHA, 16, false, false}, 1500, 200},
                 {{SPNG_COLOR_TYPE_TRUECOLOR, 8, false, true}, 700, 300}};
    for (const auto& c : cases) {
        INFO(c.variant.name() << " " << c.width << "x" << c.height);
        const PngFixture fixture = make_png(c.variant, c.width, c.height, 21);
        const Pixels reference = spng_rgba(fixture.bytes);
        REQUIRE(reference.data == convert_reference(fixture.expected, 4).data);
        const uint32_t x0 = c.width / 3 + 1, x1 = c.width - 2;
        const std::vector<uint32_t> rows = {0, c.height / 2, c.height / 2 + 1, c.height - 1};
        RecordingSink sink(size_t{x1 - x0} * 4);
        REQUIRE(decode_rows(fixture.bytes, x0, x1, rows, 4, &sink).is_ok());
        CHECK(describe_difference(sink.bytes, crop_reference(reference, x0, x1, rows), x1 - x0, 4) == "");
    }
}

TEST_CASE("png: the Adler-32 is checked when a crop reaches the last row", "[png][stream]") {
    const PngFixture fixture = make_png({SPNG_COLOR_TYPE_TRUECOLOR, 8, false, false}, 64, 64, 3);
    const std::vector<PngChunk> chunks = split_chunks(fixture.bytes);
    const std::vector<uint8_t> bad = repack_png(chunks, filtered_scanlines(chunks), Repack(), false);
    RecordingSink top(size_t{64} * 3);
    REQUIRE(decode_rows(bad, 0, 64, row_range(0, 32), 3, &top).is_ok());
    CHECK(top.bytes == crop_reference(fixture.expected, 0, 64, row_range(0, 32)));
    RecordingSink bottom(size_t{64} * 3);
    const Status status = decode_rows(bad, 0, 64, {63}, 3, &bottom);
    CHECK(status.code() == PARCROP_E_CORRUPT);
    CHECK(status.message().find("Adler-32") != std::string::npos);
}

TEST_CASE("png: image data longer than the image is ignored, shorter is corrupt", "[png][stream]") {
    const PngFixture fixture = make_png({SPNG_COLOR_TYPE_GRAYSCALE, 8, false, false}, 40, 30, 4);
    const std::vector<PngChunk> chunks = split_chunks(fixture.bytes);
    const std::vector<uint8_t> scanlines = filtered_scanlines(chunks);
    const size_t stride = 41;

    std::vector<uint8_t> longer = scanlines;
    longer.insert(longer.end(), scanlines.begin(), scanlines.begin() + 5 * stride);
    RecordingSink all(40);
    REQUIRE(decode_rows(repack_png(chunks, longer, Repack()), 0, 40, row_range(0, 30), 1, &all).is_ok());
    CHECK(all.bytes == fixture.expected.data);

    const std::vector<uint8_t> shorter(scanlines.begin(), scanlines.begin() + 20 * stride);
    const std::vector<uint8_t> png = repack_png(chunks, shorter, Repack());
    RecordingSink top(40);
    REQUIRE(decode_rows(png, 0, 40, row_range(0, 20), 1, &top).is_ok());
    CHECK(top.bytes == crop_reference(fixture.expected, 0, 40, row_range(0, 20)));
    RecordingSink below(40);
    CHECK(decode_rows(png, 0, 40, {20}, 1, &below).code() == PARCROP_E_CORRUPT);
}

TEST_CASE("png: an invalid filter type is corrupt from its row on", "[png][stream][bad]") {
    const PngFixture fixture = make_png({SPNG_COLOR_TYPE_TRUECOLOR, 8, false, false}, 32, 24, 5);
    const std::vector<PngChunk> chunks = split_chunks(fixture.bytes);
    std::vector<uint8_t> scanlines = filtered_scanlines(chunks);
    scanlines[size_t{10} * (32 * 3 + 1)] = 5;
    const std::vector<uint8_t> png = repack_png(chunks, scanlines, Repack());
    RecordingSink above(32 * 3);
    REQUIRE(decode_rows(png, 0, 32, row_range(0, 10), 3, &above).is_ok());
    CHECK(above.bytes == crop_reference(fixture.expected, 0, 32, row_range(0, 10)));
    RecordingSink at(32 * 3);
    const Status status = decode_rows(png, 5, 6, {10}, 3, &at);
    CHECK(status.code() == PARCROP_E_CORRUPT);
    CHECK(status.message() == "png: invalid filter type 5 in row 10");
}

TEST_CASE("png: ancillary chunks never cost an image; unknown critical ones are refused", "[png][stream]") {
    const PngFixture fixture = make_png({SPNG_COLOR_TYPE_TRUECOLOR, 8, false, false}, 30, 20, 6);
    const std::vector<PngChunk> chunks = split_chunks(fixture.bytes);
    const std::vector<uint8_t> scanlines = filtered_scanlines(chunks);
    const Pixels opaque = convert_reference(fixture.expected, 4);

    Repack odd;
    odd.before_idat = {{"tEXt", {'k', 0, 'v'}},
                       {"badc", std::vector<uint8_t>(100, 7)},  // written with a wrong CRC
                       {"tRNS", {0, 1, 0, 2}},                   // wrong length for RGB: ignored
                       {"zzZz", {}}};
    RecordingSink sink(size_t{30} * 4);
    REQUIRE(decode_rows(repack_png(chunks, scanlines, odd), 0, 30, row_range(0, 20), 4, &sink).is_ok());
    CHECK(sink.bytes == opaque.data);

    // A well-formed tRNS with a broken CRC is dropped too: every pixel stays opaque.
    const uint8_t* first = fixture.expected.at(0, 0);
    std::vector<uint8_t> png = repack_png(chunks, scanlines, Repack{6, Z_DEFAULT_STRATEGY, 8192, false,
                                                                    {{"tRNS", {0, first[0], 0, first[1], 0, first[2]}}}});
    const long trns = find_png_chunk(png, "tRNS");
    REQUIRE(trns > 0);
    RecordingSink with_trns(size_t{30} * 4);
    REQUIRE(decode_rows(png, 0, 1, {0}, 4, &with_trns).is_ok());
    CHECK(with_trns.bytes[3] == 0);  // the first pixel is the transparent colour
    png[trns + 8 + 6] ^= 0x10;       // its CRC
    RecordingSink dropped(size_t{30} * 4);
    REQUIRE(decode_rows(png, 0, 1, {0}, 4, &dropped).is_ok());
    CHECK(dropped.bytes[3] == 255);

    Repack critical;
    critical.before_idat = {{"ABCD", {1, 2, 3}}};
    RecordingSink refused(3);
    const Status status = decode_rows(repack_png(chunks, scanlines, critical), 0, 1, {0}, 3, &refused);
    CHECK(status.code() == PARCROP_E_UNSUPPORTED);
    CHECK(status.message() == "png: unknown critical chunk ABCD");
}

TEST_CASE("png: palette indices past the palette are opaque black, as libspng decodes them", "[png][stream]") {
    const uint32_t width = 64, height = 4;
    std::vector<uint8_t> png = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
    append_chunk(&png, "IHDR", {0, 0, 0, width, 0, 0, 0, height, 8, 3, 0, 0, 0});
    append_chunk(&png, "PLTE", {10, 20, 30, 40, 50, 60, 70, 80, 90});
    append_chunk(&png, "tRNS", {128});
    std::vector<uint8_t> scanlines;
    for (uint32_t y = 0; y < height; ++y) {
        scanlines.push_back(0);
        for (uint32_t x = 0; x < width; ++x) scanlines.push_back(static_cast<uint8_t>(x * 4 + y));
    }
    append_chunk(&png, "IDAT", deflate_with(scanlines, 6, Z_DEFAULT_STRATEGY));
    append_chunk(&png, "IEND", {});

    const Pixels reference = spng_rgba(png);
    RecordingSink sink(size_t{width} * 4);
    REQUIRE(decode_rows(png, 0, width, row_range(0, height), 4, &sink).is_ok());
    CHECK(sink.bytes == reference.data);
    CHECK(std::vector<uint8_t>(sink.bytes.begin(), sink.bytes.begin() + 8) ==
          std::vector<uint8_t>{10, 20, 30, 128, 0, 0, 0, 255});  // index 0 (tRNS alpha), index 4
    RecordingSink row1(size_t{width} * 3);
    REQUIRE(decode_rows(png, 0, width, {1}, 3, &row1).is_ok());
    CHECK(std::vector<uint8_t>(row1.bytes.begin(), row1.bytes.begin() + 3) == std::vector<uint8_t>{40, 50, 60});
}
