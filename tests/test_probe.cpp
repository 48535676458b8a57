// parcrop_probe: sizes, layouts and flags of every format from the headers alone, what a
// probe reads of a file, statuses of bad headers, and EXIF orientation read from hostile
// blocks without ever failing an item.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "batch/probe_batch.h"
#include "decode/exif.h"
#include "decode/png/png_chunks.h"
#include "image_fixtures.h"
#include "jpeg_fixtures.h"
#include "parcrop.h"
#include "temp_dir.h"

using namespace parcrop_test;

namespace {

using ContextPtr = std::unique_ptr<parcrop_context, decltype(&parcrop_context_destroy)>;

ContextPtr make_context(parcrop_options* options = nullptr) {
    parcrop_options defaults;
    parcrop_options_init(&defaults);
    if (options == nullptr) options = &defaults;
    options->num_threads = 2;
    parcrop_context* context = nullptr;
    REQUIRE(parcrop_context_create(options, &context) == PARCROP_OK);
    return ContextPtr(context, parcrop_context_destroy);
}

struct Probed {
    parcrop_status status = PARCROP_OK;
    parcrop_image_info info{};
    std::string message;
};

// One in-memory item through the public API.
Probed probe_bytes(const std::vector<uint8_t>& bytes, parcrop_options* options = nullptr) {
    ContextPtr context = make_context(options);
    parcrop_source source{};
    source.data = bytes.empty() ? reinterpret_cast<const uint8_t*>("") : bytes.data();
    source.size = bytes.size();
    Probed result;
    parcrop_image_info_init(&result.info);
    parcrop_status item = PARCROP_E_INTERNAL;
    const parcrop_status overall = parcrop_probe(context.get(), &source, 1, &result.info, &item);
    REQUIRE((overall == PARCROP_OK) == (item == PARCROP_OK));
    result.status = item;
    result.message = parcrop_last_item_message(context.get(), 0);
    return result;
}

Probed probe_path(const std::string& path, parcrop_options* options = nullptr) {
    ContextPtr context = make_context(options);
    parcrop_source source{};
    source.path = path.c_str();
    Probed result;
    parcrop_image_info_init(&result.info);
    parcrop_status item = PARCROP_E_INTERNAL;
    parcrop_probe(context.get(), &source, 1, &result.info, &item);
    result.status = item;
    result.message = parcrop_last_item_message(context.get(), 0);
    return result;
}

std::vector<uint8_t> jpeg_of(uint32_t width, uint32_t height, uint32_t channels, const JpegOptions& options = {}) {
    const Pixels photo = make_photo(width, height, channels, 7);
    return encode_jpeg(photo.data, width, height, channels, options);
}

void put16(std::vector<uint8_t>* out, uint32_t value, bool big) {
    if (big) {
        out->push_back(static_cast<uint8_t>(value >> 8));
        out->push_back(static_cast<uint8_t>(value));
    } else {
        out->push_back(static_cast<uint8_t>(value));
        out->push_back(static_cast<uint8_t>(value >> 8));
    }
}

void put32(std::vector<uint8_t>* out, uint32_t value, bool big) {
    put16(out, big ? value >> 16 : value & 0xFFFF, big);
    put16(out, big ? value & 0xFFFF : value >> 16, big);
}

struct Entry {
    uint16_t tag, type;
    uint32_t count;
    uint32_t value;  // a SHORT goes in the first two bytes
};

// A TIFF structure whose IFD0 holds `entries`, in the given byte order.
std::vector<uint8_t> make_tiff(const std::vector<Entry>& entries, bool big, uint32_t next_ifd = 0) {
    std::vector<uint8_t> out = big ? std::vector<uint8_t>{'M', 'M'} : std::vector<uint8_t>{'I', 'I'};
    put16(&out, 42, big);
    put32(&out, 8, big);
    put16(&out, static_cast<uint32_t>(entries.size()), big);
    for (const Entry& e : entries) {
        put16(&out, e.tag, big);
        put16(&out, e.type, big);
        put32(&out, e.count, big);
        if (e.type == 3) {
            put16(&out, e.value, big);
            put16(&out, 0, big);
        } else {
            put32(&out, e.value, big);
        }
    }
    put32(&out, next_ifd, big);
    return out;
}

std::vector<uint8_t> orientation_tiff(uint32_t orientation, bool big) {
    // A Make tag before it, as cameras write: the reader must walk to the right entry.
    return make_tiff({{0x010F, 2, 4, 0x00636261}, {0x0112, 3, 1, orientation}, {0x0131, 2, 4, 0}}, big);
}

// The JPEG with an APP1 Exif segment holding `tiff` right after SOI.
std::vector<uint8_t> with_app1(const std::vector<uint8_t>& jpeg, const std::vector<uint8_t>& tiff) {
    std::vector<uint8_t> segment = {0xFF, 0xE1};
    put16(&segment, static_cast<uint32_t>(tiff.size() + 8), true);
    for (const char c : {'E', 'x', 'i', 'f', '\0', '\0'}) segment.push_back(static_cast<uint8_t>(c));
    segment.insert(segment.end(), tiff.begin(), tiff.end());
    std::vector<uint8_t> out(jpeg.begin(), jpeg.begin() + 2);
    out.insert(out.end(), segment.begin(), segment.end());
    out.insert(out.end(), jpeg.begin() + 2, jpeg.end());
    return out;
}

// A segment of `marker` with `length` - 2 bytes of payload, inserted after SOI.
std::vector<uint8_t> with_segments(const std::vector<uint8_t>& jpeg, uint8_t marker, size_t count, uint32_t length) {
    std::vector<uint8_t> out(jpeg.begin(), jpeg.begin() + 2);
    for (size_t i = 0; i < count; ++i) {
        out.push_back(0xFF);
        out.push_back(marker);
        put16(&out, length, true);
        out.insert(out.end(), length - 2, static_cast<uint8_t>('a' + i % 26));
    }
    out.insert(out.end(), jpeg.begin() + 2, jpeg.end());
    return out;
}

// The PNG with an eXIf chunk holding `tiff` right after IHDR.
std::vector<uint8_t> with_exif_chunk(const std::vector<uint8_t>& png, const std::vector<uint8_t>& tiff) {
    std::vector<uint8_t> chunk;
    put32(&chunk, static_cast<uint32_t>(tiff.size()), true);
    for (const char c : {'e', 'X', 'I', 'f'}) chunk.push_back(static_cast<uint8_t>(c));
    chunk.insert(chunk.end(), tiff.begin(), tiff.end());
    put32(&chunk, parcrop::png_crc32(0, chunk.data() + 4, chunk.size() - 4), true);
    std::vector<uint8_t> out(png.begin(), png.begin() + 33);
    out.insert(out.end(), chunk.begin(), chunk.end());
    out.insert(out.end(), png.begin() + 33, png.end());
    return out;
}

// What a path probe reads, through the internal entry that counts it.
uint64_t bytes_read_probing(const std::string& path, parcrop::ImageInfo* info, parcrop::Status* status) {
    std::vector<uint8_t> buffer;
    parcrop_source source{};
    source.path = path.c_str();
    uint64_t read = 0;
    *status = parcrop::probe_source(source, parcrop::Limits{}, &buffer, info, &read);
    return read;
}

// A file of `size` bytes that starts with `head`, the rest a hole of zeros.
std::string sparse_file(const TempDir& dir, const std::string& name, const std::vector<uint8_t>& head, off_t size) {
    const std::string path = dir.write(name, head);
    const int fd = ::open(path.c_str(), O_WRONLY);
    REQUIRE(fd >= 0);
    REQUIRE(::ftruncate(fd, size) == 0);
    ::close(fd);
    return path;
}

}  // namespace

TEST_CASE("probe: JPEG sizes, components, progressive and restart intervals", "[probe]") {
    struct Case {
        uint32_t channels;
        JpegOptions options;
        uint32_t expected_channels;
        bool progressive;
        uint32_t restart;
    };
    JpegOptions progressive;
    progressive.progressive = true;
    JpegOptions restart_mcus;
    restart_mcus.restart_mcus = 3;
    JpegOptions restart_rows;
    restart_rows.restart_rows = 1;  // one MCU row: 61 px / 16 px MCUs = 4 MCUs
    JpegOptions cmyk;
    cmyk.cmyk = true;
    JpegOptions arithmetic;
    arithmetic.arithmetic = true;
    JpegOptions subsampled_422;
    subsampled_422.h_samp = 2;
    subsampled_422.v_samp = 1;
    const Case cases[] = {
        {3, {}, 3, false, 0},           {1, {}, 1, false, 0},         {3, progressive, 3, true, 0},
        {1, progressive, 1, true, 0},   {3, restart_mcus, 3, false, 3}, {3, restart_rows, 3, false, 4},
        {4, cmyk, 3, false, 0},         {3, arithmetic, 3, false, 0}, {3, subsampled_422, 3, false, 0},
    };
    for (const Case& c : cases) {
        const std::vector<uint8_t> jpeg = jpeg_of(61, 37, c.channels, c.options);
        const Probed p = probe_bytes(jpeg);
        INFO("channels " << c.channels << " progressive " << c.progressive << " restart " << c.restart << " " << p.message);
        REQUIRE(p.status == PARCROP_OK);
        CHECK(p.info.struct_size == sizeof(parcrop_image_info));
        CHECK(p.info.format == PARCROP_FORMAT_JPEG);
        CHECK(p.info.width == 61);
        CHECK(p.info.height == 37);
        CHECK(p.info.display_width == 61);
        CHECK(p.info.display_height == 37);
        CHECK(p.info.channels == c.expected_channels);
        CHECK(p.info.exif_orientation == 1);
        CHECK(((p.info.flags & PARCROP_INFO_PROGRESSIVE) != 0) == c.progressive);
        CHECK((p.info.flags & ~PARCROP_INFO_PROGRESSIVE) == 0);
        CHECK(p.info.restart_interval == c.restart);
        CHECK(p.message.empty());
    }
}

TEST_CASE("probe: PNG of every colour type, depth, tRNS and interlacing", "[probe]") {
    for (const PngVariant& variant : all_png_variants()) {
        const PngFixture fixture = make_png(variant, 45, 23, 3);
        const Probed p = probe_bytes(fixture.bytes);
        INFO(variant.name());
        REQUIRE(p.status == PARCROP_OK);
        CHECK(p.info.format == PARCROP_FORMAT_PNG);
        CHECK(p.info.width == 45);
        CHECK(p.info.height == 23);
        // The fixture's expected pixels keep everything the file stores.
        CHECK(p.info.channels == fixture.expected.channels);
        CHECK(((p.info.flags & PARCROP_INFO_HAS_ALPHA) != 0) == (fixture.expected.channels % 2 == 0));
        CHECK(((p.info.flags & PARCROP_INFO_INTERLACED) != 0) == variant.interlaced);
        CHECK(p.info.exif_orientation == 1);
        CHECK(p.info.restart_interval == 0);
    }
}

TEST_CASE("probe: BMP, TGA, PNM, PSD, GIF and HDR", "[probe]") {
    struct Case {
        const char* name;
        std::vector<uint8_t> bytes;
        parcrop_format format;
        uint32_t channels;
        bool alpha;
    };
    const Pixels gray = make_photo(29, 17, 1, 1);
    const Pixels gray_alpha = make_photo(29, 17, 2, 1);
    const Pixels rgb = make_photo(29, 17, 3, 1);
    const Pixels rgba = make_photo(29, 17, 4, 1);
    const std::vector<Case> cases = {
        {"bmp rgb", encode_bmp(rgb), PARCROP_FORMAT_BMP, 3, false},
        {"bmp rgba", encode_bmp(rgba), PARCROP_FORMAT_BMP, 4, true},
        {"tga rle gray", encode_tga_rle(gray), PARCROP_FORMAT_TGA, 1, false},
        {"tga rle rgb", encode_tga_rle(rgb), PARCROP_FORMAT_TGA, 3, false},
        {"tga rle rgba", encode_tga_rle(rgba), PARCROP_FORMAT_TGA, 4, true},
        {"tga raw gray", encode_tga_raw(gray), PARCROP_FORMAT_TGA, 1, false},
        {"tga raw gray+alpha", encode_tga_raw(gray_alpha), PARCROP_FORMAT_TGA, 2, true},
        {"tga raw rgb", encode_tga_raw(rgb), PARCROP_FORMAT_TGA, 3, false},
        {"pgm", encode_pnm(gray, false), PARCROP_FORMAT_PNM, 1, false},
        {"pgm 16", encode_pnm(gray, true), PARCROP_FORMAT_PNM, 1, false},
        {"ppm", encode_pnm(rgb, false), PARCROP_FORMAT_PNM, 3, false},
        {"psd raw", encode_psd(rgb, false), PARCROP_FORMAT_PSD, 3, false},
        {"psd packbits", encode_psd(rgb, true), PARCROP_FORMAT_PSD, 3, false},
        {"gif", make_gif(29, 17, 1, -1).bytes, PARCROP_FORMAT_GIF, 3, false},
        {"gif transparent", make_gif(29, 17, 1, 5).bytes, PARCROP_FORMAT_GIF, 4, true},
        {"hdr", make_hdr(29, 17, 1).bytes, PARCROP_FORMAT_HDR, 3, false},
    };
    for (const Case& c : cases) {
        INFO(c.name);
        const Probed p = probe_bytes(c.bytes);
        REQUIRE(p.status == PARCROP_OK);
        CHECK(p.info.format == c.format);
        CHECK(p.info.width == 29);
        CHECK(p.info.height == 17);
        CHECK(p.info.display_width == 29);
        CHECK(p.info.display_height == 17);
        CHECK(p.info.channels == c.channels);
        CHECK(((p.info.flags & PARCROP_INFO_HAS_ALPHA) != 0) == c.alpha);
        CHECK(p.info.exif_orientation == 1);
    }
    CHECK(std::string(parcrop_format_name(PARCROP_FORMAT_TGA)) == "tga");
    CHECK(std::string(parcrop_format_name(static_cast<parcrop_format>(99))) == "unknown");
}

TEST_CASE("probe: an interlaced GIF is flagged", "[probe]") {
    std::vector<uint8_t> gif = make_gif(20, 10, 2, -1).bytes;
    // The first image descriptor follows the 13-byte screen and the global table.
    const size_t table = (gif[10] & 0x80) ? 3u * (2u << (gif[10] & 7)) : 0;
    size_t at = 13 + table;
    while (gif[at] == 0x21) {  // skip extensions
        at += 2;
        while (gif[at] != 0) at += gif[at] + 1u;
        ++at;
    }
    REQUIRE(gif[at] == 0x2C);
    gif[at + 9] |= 0x40;
    const Probed p = probe_bytes(gif);
    REQUIRE(p.status == PARCROP_OK);
    CHECK((p.info.flags & PARCROP_INFO_INTERLACED) != 0);
}

TEST_CASE("probe: a 100 MB file costs one read of its first 64 KiB", "[probe]") {
    TempDir dir;
    const std::vector<uint8_t> jpeg = jpeg_of(64, 48, 3);
    const std::string path = sparse_file(dir, "big.jpg", jpeg, off_t{100} << 20);
    parcrop::ImageInfo info;
    parcrop::Status status;
    const uint64_t read = bytes_read_probing(path, &info, &status);
    REQUIRE(status.is_ok());
    CHECK(info.width == 64);
    CHECK(info.height == 48);
    CHECK(read <= parcrop::kProbeFirstRead);

    // The same through the public API, and PNG alike.
    const Probed p = probe_path(path);
    REQUIRE(p.status == PARCROP_OK);
    CHECK(p.info.width == 64);
    const std::string png_path =
        sparse_file(dir, "big.png", make_png({2, 8, false, false}, 300, 200, 1).bytes, off_t{100} << 20);
    CHECK(bytes_read_probing(png_path, &info, &status) <= parcrop::kProbeFirstRead);
    CHECK(status.is_ok());
    CHECK(info.width == 300);

    // A small file is read once, whole.
    const std::string small = dir.write("small.jpg", jpeg);
    CHECK(bytes_read_probing(small, &info, &status) == jpeg.size());
    CHECK(status.is_ok());
}

TEST_CASE("probe: JPEG headers past 64 KiB are read as far as they go, and no further than 16 MiB", "[probe]") {
    TempDir dir;
    // 300 KB of APP2 segments before the frame: the prefix grows to reach SOS.
    const std::vector<uint8_t> jpeg = with_segments(jpeg_of(40, 30, 3), 0xE2, 5, 60000);
    const std::string path = sparse_file(dir, "app2.jpg", jpeg, off_t{100} << 20);
    parcrop::ImageInfo info;
    parcrop::Status status;
    const uint64_t read = bytes_read_probing(path, &info, &status);
    REQUIRE(status.is_ok());
    CHECK(info.width == 40);
    CHECK(read > parcrop::kProbeFirstRead);
    CHECK(read < 2 * 300000);

    // SOI and then nothing that ends the headers: the read stops at the cap.
    const std::string endless = sparse_file(dir, "endless.jpg", {0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10}, off_t{100} << 20);
    CHECK(bytes_read_probing(endless, &info, &status) == parcrop::kProbeMaxRead);
    CHECK(status.code() == PARCROP_E_UNSUPPORTED);
    CHECK(probe_path(endless).status == PARCROP_E_UNSUPPORTED);

    // A file that ends inside its headers is truncated, not unsupported.
    const std::string cut = dir.write("cut.jpg", std::vector<uint8_t>(jpeg.begin(), jpeg.begin() + 200000));
    CHECK(probe_path(cut).status == PARCROP_E_TRUNCATED);
}

TEST_CASE("probe: truncated and malformed headers, missing files and limits", "[probe]") {
    const std::vector<uint8_t> jpeg = jpeg_of(40, 30, 3);
    const std::vector<uint8_t> png = make_png({6, 8, false, false}, 40, 30, 1).bytes;

    // Cut inside the frame header.
    size_t sof = 2;
    while (!(jpeg[sof] == 0xFF && jpeg[sof + 1] == 0xC0)) ++sof;
    CHECK(probe_bytes(std::vector<uint8_t>(jpeg.begin(), jpeg.begin() + sof + 6)).status == PARCROP_E_TRUNCATED);
    CHECK(probe_bytes({0xFF, 0xD8, 0xFF}).status == PARCROP_E_TRUNCATED);
    CHECK(probe_bytes({0xFF, 0xD8, 0xFF, 0xDA, 0x00, 0x02}).status == PARCROP_E_CORRUPT);  // scan before frame
    CHECK(probe_bytes({0xFF, 0xD8, 0xFF, 0xD9}).status == PARCROP_E_CORRUPT);
    CHECK(probe_bytes({0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x01}).status == PARCROP_E_CORRUPT);  // length 1
    std::vector<uint8_t> twelve_bit = jpeg;
    twelve_bit[sof + 4] = 12;
    CHECK(probe_bytes(twelve_bit).status == PARCROP_E_UNSUPPORTED);
    std::vector<uint8_t> lossless = jpeg;
    lossless[sof + 1] = 0xC3;
    CHECK(probe_bytes(lossless).status == PARCROP_E_UNSUPPORTED);
    std::vector<uint8_t> zero_width = jpeg;
    zero_width[sof + 7] = zero_width[sof + 8] = 0;
    CHECK(probe_bytes(zero_width).status == PARCROP_E_CORRUPT);

    CHECK(probe_bytes(std::vector<uint8_t>(png.begin(), png.begin() + 20)).status == PARCROP_E_TRUNCATED);
    std::vector<uint8_t> bad_crc = png;
    bad_crc[29] ^= 1;
    CHECK(probe_bytes(bad_crc).status == PARCROP_E_CORRUPT);
    // IHDR alone, the file ending before IDAT: the chunk walk cannot finish.
    CHECK(probe_bytes(std::vector<uint8_t>(png.begin(), png.begin() + 33)).status == PARCROP_E_TRUNCATED);

    const std::vector<uint8_t> gif = make_gif(20, 10, 1, -1).bytes;
    CHECK(probe_bytes(std::vector<uint8_t>(gif.begin(), gif.begin() + 11)).status == PARCROP_E_TRUNCATED);
    CHECK(probe_bytes(std::vector<uint8_t>(gif.begin(), gif.begin() + 30)).status == PARCROP_E_TRUNCATED);

    const std::string garbage = "<html><body>not an image</body></html>";
    CHECK(probe_bytes(std::vector<uint8_t>(garbage.begin(), garbage.end())).status == PARCROP_E_UNKNOWN_FORMAT);
    CHECK(probe_bytes({}).status == PARCROP_E_EMPTY_INPUT);

    TempDir dir;
    CHECK(probe_path(dir.path("missing.jpg")).status == PARCROP_E_FILE_NOT_FOUND);
    CHECK(probe_path(dir.path("")).status == PARCROP_E_NOT_A_FILE);
    CHECK(probe_path(dir.write("empty.png", {})).status == PARCROP_E_EMPTY_INPUT);

    parcrop_options options;
    parcrop_options_init(&options);
    options.max_width = 39;
    CHECK(probe_bytes(jpeg, &options).status == PARCROP_E_IMAGE_TOO_LARGE);
    CHECK(probe_bytes(png, &options).status == PARCROP_E_IMAGE_TOO_LARGE);
    parcrop_options_init(&options);
    options.max_pixels = 40 * 30 - 1;
    CHECK(probe_bytes(make_gif(40, 30, 1, -1).bytes, &options).status == PARCROP_E_TOO_MANY_PIXELS);
    parcrop_options_init(&options);
    options.max_file_size = jpeg.size() - 1;
    CHECK(probe_bytes(jpeg, &options).status == PARCROP_E_FILE_TOO_LARGE);
    CHECK(probe_path(dir.write("a.jpg", jpeg), &options).status == PARCROP_E_FILE_TOO_LARGE);

    // A failed item's slot is zero but for struct_size.
    const Probed failed = probe_bytes({0xFF, 0xD8, 0xFF});
    CHECK(failed.info.struct_size == sizeof(parcrop_image_info));
    CHECK(failed.info.width == 0);
    CHECK(failed.info.format == PARCROP_FORMAT_UNKNOWN);
    CHECK(failed.info.exif_orientation == 0);
    CHECK_FALSE(failed.message.empty());
}

TEST_CASE("probe: a batch mixes items, and its arguments are checked", "[probe]") {
    ContextPtr context = make_context();
    TempDir dir;
    const std::vector<uint8_t> jpeg = jpeg_of(40, 30, 3);
    const std::string path = dir.write("a.jpg", jpeg);
    const std::string missing = dir.path("missing.png");
    std::vector<parcrop_source> sources(4);
    sources[0].path = path.c_str();
    sources[1].path = missing.c_str();
    sources[2].data = jpeg.data();
    sources[2].size = jpeg.size();
    // sources[3]: neither path nor data
    std::vector<parcrop_image_info> infos(4);
    parcrop_image_info_init(&infos[0]);
    std::vector<parcrop_status> statuses(4, PARCROP_E_INTERNAL);
    REQUIRE(parcrop_probe(context.get(), sources.data(), 4, infos.data(), statuses.data()) == PARCROP_ITEMS_FAILED);
    CHECK(statuses == std::vector<parcrop_status>{PARCROP_OK, PARCROP_E_FILE_NOT_FOUND, PARCROP_OK,
                                                  PARCROP_E_INVALID_SOURCE});
    CHECK(infos[0].width == 40);
    CHECK(infos[2].height == 30);
    CHECK(infos[3].struct_size == sizeof(parcrop_image_info));
    CHECK(parcrop_last_batch_size(context.get()) == 4);
    CHECK(parcrop_last_item_status(context.get(), 1) == PARCROP_E_FILE_NOT_FOUND);
    CHECK(std::string(parcrop_last_item_message(context.get(), 1)).find("open") != std::string::npos);

    CHECK(parcrop_probe(nullptr, sources.data(), 1, infos.data(), statuses.data()) == PARCROP_E_NULL_ARGUMENT);
    CHECK(parcrop_probe(context.get(), nullptr, 1, infos.data(), statuses.data()) == PARCROP_E_NULL_ARGUMENT);
    CHECK(parcrop_probe(context.get(), sources.data(), 1, nullptr, statuses.data()) == PARCROP_E_NULL_ARGUMENT);
    CHECK(parcrop_probe(context.get(), sources.data(), 1, infos.data(), nullptr) == PARCROP_E_NULL_ARGUMENT);
    CHECK(parcrop_probe(context.get(), sources.data(), 0, nullptr, nullptr) == PARCROP_OK);
    infos[0].struct_size = sizeof(parcrop_image_info) - 4;
    CHECK(parcrop_probe(context.get(), sources.data(), 1, infos.data(), statuses.data()) == PARCROP_E_STRUCT_SIZE);
}

TEST_CASE("probe: EXIF orientation in JPEG APP1 and PNG eXIf, both byte orders", "[probe][exif]") {
    const std::vector<uint8_t> jpeg = jpeg_of(40, 30, 3);
    const std::vector<uint8_t> png = make_png({2, 8, false, false}, 40, 30, 1).bytes;
    for (const bool big : {false, true}) {
        for (uint32_t orientation = 1; orientation <= 8; ++orientation) {
            INFO((big ? "MM" : "II") << " orientation " << orientation);
            const std::vector<uint8_t> tiff = orientation_tiff(orientation, big);
            const bool swapped = orientation >= 5;
            for (const std::vector<uint8_t>& file : {with_app1(jpeg, tiff), with_exif_chunk(png, tiff)}) {
                const Probed p = probe_bytes(file);
                REQUIRE(p.status == PARCROP_OK);
                CHECK(p.info.exif_orientation == orientation);
                CHECK(p.info.width == 40);
                CHECK(p.info.height == 30);
                CHECK(p.info.display_width == (swapped ? 30u : 40u));
                CHECK(p.info.display_height == (swapped ? 40u : 30u));
                CHECK((p.info.flags & PARCROP_INFO_EXIF_MALFORMED) == 0);
                CHECK(p.message.empty());
            }
            parcrop::ByteSpan found;
            const std::vector<uint8_t> tagged = with_app1(jpeg, tiff);
            REQUIRE(parcrop::find_jpeg_exif({tagged.data(), tagged.size()}, &found));
            CHECK(found.size == tiff.size());
            const std::vector<uint8_t> tagged_png = with_exif_chunk(png, tiff);
            REQUIRE(parcrop::find_png_exif({tagged_png.data(), tagged_png.size()}, &found));
            CHECK(found.size == tiff.size());
        }
    }
    // No EXIF at all, and EXIF without the tag: orientation 1, nothing malformed.
    parcrop::ByteSpan none;
    CHECK_FALSE(parcrop::find_jpeg_exif({jpeg.data(), jpeg.size()}, &none));
    const Probed untagged = probe_bytes(with_app1(jpeg, make_tiff({{0x010F, 2, 4, 0}}, false)));
    CHECK(untagged.info.exif_orientation == 1);
    CHECK(untagged.info.flags == 0);
    // Only the first Exif APP1 counts.
    const Probed twice = probe_bytes(with_app1(with_app1(jpeg, orientation_tiff(3, true)), orientation_tiff(6, false)));
    CHECK(twice.info.exif_orientation == 6);
    // An APP1 of another kind (XMP) before it is skipped, not taken for EXIF.
    const Probed after_xmp = probe_bytes(with_segments(with_app1(jpeg, orientation_tiff(7, true)), 0xE1, 1, 3000));
    CHECK(after_xmp.info.exif_orientation == 7);
    CHECK(after_xmp.info.flags == 0);
}

TEST_CASE("probe: malformed EXIF gives orientation 1 and a flag, never a failure", "[probe][exif]") {
    const auto bytes_of = [](std::initializer_list<int> values) {
        std::vector<uint8_t> out;
        for (const int v : values) out.push_back(static_cast<uint8_t>(v));
        return out;
    };
    std::vector<std::pair<const char*, std::vector<uint8_t>>> blocks = {
        {"empty", {}},
        {"short", bytes_of({'I', 'I', 42, 0})},
        {"bad byte order", bytes_of({'X', 'X', 42, 0, 8, 0, 0, 0, 0, 0, 0, 0, 0, 0})},
        {"bad magic", bytes_of({'I', 'I', 43, 0, 8, 0, 0, 0, 0, 0, 0, 0, 0, 0})},
        {"IFD0 past the end", bytes_of({'I', 'I', 42, 0, 0xE8, 0x03, 0, 0, 0, 0})},
        {"IFD0 at 2^32-1", bytes_of({'M', 'M', 0, 42, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0})},
        {"IFD0 inside the header", bytes_of({'I', 'I', 42, 0, 2, 0, 0, 0, 0, 0})},
        {"IFD0 count at the last byte", bytes_of({'I', 'I', 42, 0, 9, 0, 0, 0, 0, 0})},
        {"huge entry count", bytes_of({'I', 'I', 42, 0, 8, 0, 0, 0, 0xFF, 0xFF, 0x12, 0x01, 3, 0, 1, 0, 0, 0, 6, 0, 0, 0})},
    };
    blocks.emplace_back("orientation as LONG", make_tiff({{0x0112, 4, 1, 6}}, false));
    blocks.emplace_back("orientation as ASCII", make_tiff({{0x0112, 2, 1, 6}}, true));
    blocks.emplace_back("orientation count 2", make_tiff({{0x0112, 3, 2, 6}}, true));
    blocks.emplace_back("orientation count 2^32-1", make_tiff({{0x0112, 3, 0xFFFFFFFFu, 6}}, false));
    blocks.emplace_back("orientation 0", make_tiff({{0x0112, 3, 1, 0}}, false));
    blocks.emplace_back("orientation 9", make_tiff({{0x0112, 3, 1, 9}}, true));
    blocks.emplace_back("orientation 65535", make_tiff({{0x0112, 3, 1, 0xFFFF}}, true));
    std::vector<uint8_t> cut = orientation_tiff(6, false);
    cut.resize(cut.size() - 20);  // the last entry and the next-IFD link
    blocks.emplace_back("entries cut short", cut);

    const std::vector<uint8_t> jpeg = jpeg_of(40, 30, 3);
    const std::vector<uint8_t> png = make_png({0, 8, false, false}, 40, 30, 1).bytes;
    for (const auto& [name, block] : blocks) {
        INFO(name);
        bool malformed = false;
        const char* why = nullptr;
        CHECK(parcrop::exif_orientation(block.data(), block.size(), &malformed, &why) == 1);
        CHECK(malformed);
        CHECK(why != nullptr);
        for (const std::vector<uint8_t>& file : {with_app1(jpeg, block), with_exif_chunk(png, block)}) {
            const Probed p = probe_bytes(file);
            REQUIRE(p.status == PARCROP_OK);
            CHECK(p.info.exif_orientation == 1);
            CHECK(p.info.display_width == 40);
            CHECK((p.info.flags & PARCROP_INFO_EXIF_MALFORMED) != 0);
            CHECK(p.message.find("exif") != std::string::npos);
        }
    }
    bool malformed = false;
    CHECK(parcrop::exif_orientation(nullptr, 0, &malformed) == 1);
    CHECK(malformed);

    // IFD links are never followed, so a loop of them costs nothing and is not an error.
    const std::vector<uint8_t> looped = make_tiff({{0x010F, 2, 4, 0}, {0x0112, 3, 1, 8}}, false, 8);
    CHECK(parcrop::exif_orientation(looped.data(), looped.size(), &malformed) == 8);
    CHECK_FALSE(malformed);
    // A PNG eXIf payload that kept JPEG's "Exif\0\0" prefix is read past it.
    std::vector<uint8_t> prefixed = {'E', 'x', 'i', 'f', 0, 0};
    const std::vector<uint8_t> tiff = orientation_tiff(5, true);
    prefixed.insert(prefixed.end(), tiff.begin(), tiff.end());
    CHECK(probe_bytes(with_exif_chunk(png, prefixed)).info.exif_orientation == 5);
}

TEST_CASE("probe: every truncation of a tagged JPEG and PNG is a status, never a crash", "[probe][exif]") {
    const std::vector<uint8_t> jpeg = with_app1(jpeg_of(24, 16, 3, {}), orientation_tiff(6, true));
    const std::vector<uint8_t> png = with_exif_chunk(make_png({3, 4, true, true}, 24, 16, 1).bytes,
                                                     orientation_tiff(7, false));
    parcrop::Limits limits;
    for (const std::vector<uint8_t>* file : {&jpeg, &png}) {
        for (size_t size = 1; size < file->size(); ++size) {
            parcrop::ImageInfo info;
            const parcrop::Status status = parcrop::probe_image({file->data(), size}, limits, &info, nullptr);
            if (status.is_ok()) {
                CHECK(info.width == 24);
                CHECK(info.orientation == (file == &jpeg ? 6u : 7u));
            } else if (size < 8) {  // too short to tell the format by its signature
                CHECK((status.code() == PARCROP_E_TRUNCATED || status.code() == PARCROP_E_UNKNOWN_FORMAT));
            } else {
                CHECK(status.code() == PARCROP_E_TRUNCATED);
            }
        }
    }
}
