// The public batch API end to end, through libparcrop.so: real files, every filter
// against an independent reference, bad items isolated, determinism across threads,
// shared sources, strides, limits and argument errors.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstring>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "image_fixtures.h"
#include "jpeg_fixtures.h"
#include "parcrop.h"
#include "reference_resize.h"
#include "region_capture.h"
#include "temp_dir.h"

using namespace parcrop_test;

namespace {

using ContextPtr = std::unique_ptr<parcrop_context, decltype(&parcrop_context_destroy)>;

ContextPtr make_context(uint32_t threads = 2, parcrop_options* options = nullptr) {
    parcrop_options defaults;
    parcrop_options_init(&defaults);
    if (options == nullptr) options = &defaults;
    options->num_threads = threads;
    parcrop_context* context = nullptr;
    REQUIRE(parcrop_context_create(options, &context) == PARCROP_OK);
    return ContextPtr(context, parcrop_context_destroy);
}

parcrop_crop_params params_for(uint32_t h, uint32_t w, uint32_t channels, parcrop_filter filter,
                               parcrop_decode_mode mode = PARCROP_DECODE_EXACT) {
    parcrop_crop_params params;
    parcrop_crop_params_init(&params);
    params.out_height = h;
    params.out_width = w;
    params.out_channels = channels;
    params.filter = filter;
    params.mode = mode;
    return params;
}

struct BatchResult {
    parcrop_status status = PARCROP_OK;
    std::vector<uint8_t> out;
    std::vector<parcrop_status> items;

    std::vector<uint8_t> slot(size_t i, size_t bytes) const {
        return std::vector<uint8_t>(out.begin() + i * bytes, out.begin() + (i + 1) * bytes);
    }
};

std::vector<parcrop_source> path_sources(const std::vector<std::string>& paths) {
    std::vector<parcrop_source> sources(paths.size());
    for (size_t i = 0; i < paths.size(); ++i) sources[i].path = paths[i].c_str();
    return sources;
}

BatchResult run(parcrop_context* context, const std::vector<parcrop_source>& sources,
                const std::vector<parcrop_box>& boxes, const parcrop_crop_params& params) {
    BatchResult r;
    // Pre-filled with a marker so that a slot left unwritten shows.
    r.out.assign(sources.size() * params.out_height * params.out_width * params.out_channels, 0xAB);
    r.items.assign(sources.size(), PARCROP_E_INTERNAL);
    r.status = parcrop_crop_batch(context, sources.data(), boxes.data(), sources.size(), &params, r.out.data(),
                                  r.items.data());
    return r;
}

double mean_abs_diff(const std::vector<uint8_t>& a, const std::vector<uint8_t>& b) {
    double total = 0;
    for (size_t i = 0; i < a.size(); ++i) total += std::abs(int{a[i]} - int{b[i]});
    return total / a.size();
}

int max_abs_diff(const std::vector<uint8_t>& a, const std::vector<uint8_t>& b) {
    int worst = 0;
    for (size_t i = 0; i < a.size(); ++i) worst = std::max(worst, std::abs(int{a[i]} - int{b[i]}));
    return worst;
}

constexpr uint8_t kRgb = 2, kGray = 0;  // PNG colour types

const std::vector<parcrop_box> kBoxes = {
    {0, 0, 640, 480}, {13, 7, 211, 190}, {300.25f, 100.5f, 333.75f, 170.0f}, {600, 440, 640, 480}, {5, 5, 9, 7}};

}  // namespace

TEST_CASE("every filter on lossless PNG matches the double-precision reference", "[api]") {
    TempDir dir;
    const PngFixture png = make_png(PngVariant{kRgb, 8}, 640, 480, 21);
    const std::string path = dir.write("photo.png", png.bytes);
    auto context = make_context();
    const parcrop_filter filters[] = {PARCROP_FILTER_BILINEAR, PARCROP_FILTER_BICUBIC, PARCROP_FILTER_AREA,
                                      PARCROP_FILTER_LANCZOS3};
    for (const parcrop_filter filter : filters) {
        for (const auto& [h, w] : {std::pair<uint32_t, uint32_t>{32, 32}, {24, 40}, {300, 200}}) {
            const parcrop_crop_params params = params_for(h, w, 3, filter);
            const std::vector<std::string> paths(kBoxes.size(), path);
            const BatchResult r = run(context.get(), path_sources(paths), kBoxes, params);
            REQUIRE(r.status == PARCROP_OK);
            for (size_t i = 0; i < kBoxes.size(); ++i) {
                INFO("filter " << filter << ", " << w << "x" << h << ", box " << i);
                const std::vector<uint8_t> expected = reference_crop_resize(png.expected, kBoxes[i], w, h, filter);
                INFO(describe_difference(r.slot(i, expected.size()), expected, w, 3));
                // parcrop rounds to 8 bits between its two passes, as Pillow does (the
                // Python tests check it byte for byte against Pillow); that clips the
                // overshoot of the negative lobes, and moves a box-kernel edge pixel
                // in or out of an average.
                const int tolerance = filter == PARCROP_FILTER_BILINEAR ? 1 : filter == PARCROP_FILTER_AREA ? 8 : 3;
                CHECK(max_abs_diff(r.slot(i, expected.size()), expected) <= tolerance);
                CHECK(mean_abs_diff(r.slot(i, expected.size()), expected) < 0.3);
            }
        }
    }
}

TEST_CASE("crops of JPEG photographs agree with stb_image plus the reference resize", "[api]") {
    TempDir dir;
    const Pixels source = make_photo(640, 480, 3, 4);
    const std::vector<uint8_t> jpeg = encode_jpeg(source.data, 640, 480, 3, JpegOptions{});
    const std::string path = dir.write("photo.jpg", jpeg);
    const Pixels independent = stb_full_decode(jpeg, 3);
    auto context = make_context();
    const parcrop_crop_params params = params_for(32, 32, 3, PARCROP_FILTER_BILINEAR);
    const BatchResult r = run(context.get(), path_sources(std::vector<std::string>(kBoxes.size(), path)), kBoxes, params);
    REQUIRE(r.status == PARCROP_OK);
    for (size_t i = 0; i < kBoxes.size(); ++i) {
        INFO("box " << i);
        const std::vector<uint8_t> expected = reference_crop_resize(independent, kBoxes[i], 32, 32, PARCROP_FILTER_BILINEAR);
        // Two JPEG decoders differ in IDCT and chroma upsampling: small on average.
        CHECK(mean_abs_diff(r.slot(i, expected.size()), expected) < 1.5);
        CHECK(max_abs_diff(r.slot(i, expected.size()), expected) <= 16);
    }
}

TEST_CASE("nearest picks the source pixels of the stated rule", "[api]") {
    TempDir dir;
    const PngFixture png = make_png(PngVariant{kGray, 8}, 203, 117, 8);
    const std::string path = dir.write("gray.png", png.bytes);
    auto context = make_context();
    const std::vector<parcrop_box> boxes = {{0, 0, 203, 117}, {17, 3, 80, 61}, {200, 115, 203, 117}};
    const BatchResult r = run(context.get(), path_sources({path, path, path}), boxes,
                              params_for(32, 32, 1, PARCROP_FILTER_NEAREST));
    REQUIRE(r.status == PARCROP_OK);
    for (size_t i = 0; i < boxes.size(); ++i) {
        const auto x0 = static_cast<uint32_t>(boxes[i].x0), y0 = static_cast<uint32_t>(boxes[i].y0);
        const auto cw = static_cast<uint32_t>(boxes[i].x1) - x0, ch = static_cast<uint32_t>(boxes[i].y1) - y0;
        CHECK(r.slot(i, 32 * 32) == reference_nearest(png.expected, x0, y0, cw, ch, 32));
    }
}

TEST_CASE("each bad item gets its own status and a zero slot; the rest are untouched", "[api][bad-input]") {
    TempDir dir;
    const PngFixture png = make_png(PngVariant{kRgb, 8}, 120, 90, 2);
    const std::vector<uint8_t> jpeg = encode_jpeg(make_photo(120, 90, 3, 3).data, 120, 90, 3, JpegOptions{});
    const std::string good_png = dir.write("good.png", png.bytes);
    const std::string good_jpg = dir.write("good.jpg", jpeg);
    std::vector<uint8_t> corrupt_png = png.bytes;
    const long idat = find_png_chunk(corrupt_png, "IDAT");
    REQUIRE(idat > 0);
    for (long i = idat + 8; i < idat + 40; ++i) corrupt_png[i] ^= 0x5A;
    fix_png_chunk_crc(&corrupt_png, idat);
    const std::string html = "<!DOCTYPE html><html><body>404 not found</body></html>";

    struct Bad {
        const char* why;
        std::string path;
        parcrop_box box;
        parcrop_status expected;
    };
    const parcrop_box whole = {0, 0, 120, 90};
    const float nan = std::numeric_limits<float>::quiet_NaN();
    const std::vector<Bad> bad = {
        {"missing file", dir.path("nope.jpg"), whole, PARCROP_E_FILE_NOT_FOUND},
        {"directory", dir.path(""), whole, PARCROP_E_NOT_A_FILE},
        {"empty file", dir.write("empty.jpg", {}), whole, PARCROP_E_EMPTY_INPUT},
        {"truncated JPEG", dir.write("cut.jpg", std::vector<uint8_t>(jpeg.begin(), jpeg.begin() + jpeg.size() / 3)), whole,
         PARCROP_E_TRUNCATED},
        {"truncated PNG", dir.write("cut.png", std::vector<uint8_t>(png.bytes.begin(), png.bytes.begin() + png.bytes.size() / 2)),
         whole, PARCROP_E_TRUNCATED},
        {"corrupt PNG data", dir.write("corrupt.png", corrupt_png), whole, PARCROP_E_CORRUPT},
        {"HTML saved as .jpg", dir.write("page.jpg", std::vector<uint8_t>(html.begin(), html.end())), whole,
         PARCROP_E_UNKNOWN_FORMAT},
        {"NaN box", good_png, {nan, 0, 10, 10}, PARCROP_E_INVALID_BOX},
        {"box outside the image", good_jpg, {100, 80, 130, 95}, PARCROP_E_INVALID_BOX},
        {"empty box", good_png, {10, 10, 10, 20}, PARCROP_E_INVALID_BOX},
    };
    const std::vector<std::string> good_paths = {good_png, good_jpg, good_png};
    const std::vector<parcrop_box> good_boxes = {{3, 4, 100, 77}, {0, 0, 120, 90}, {60, 45, 120, 90}};
    auto context = make_context();
    for (const parcrop_filter filter : {PARCROP_FILTER_NEAREST, PARCROP_FILTER_BILINEAR}) {
        const parcrop_crop_params params = params_for(16, 16, 3, filter);
        const size_t slot_bytes = 16 * 16 * 3;
        const BatchResult clean = run(context.get(), path_sources(good_paths), good_boxes, params);
        REQUIRE(clean.status == PARCROP_OK);
        // Each bad item between the good ones.
        for (const Bad& b : bad) {
            INFO(b.why);
            std::vector<std::string> paths = {good_paths[0], b.path, good_paths[1], good_paths[2]};
            std::vector<parcrop_box> boxes = {good_boxes[0], b.box, good_boxes[1], good_boxes[2]};
            const BatchResult r = run(context.get(), path_sources(paths), boxes, params);
            CHECK(r.status == PARCROP_ITEMS_FAILED);
            CHECK(r.items[1] == b.expected);
            CHECK(r.items[0] == PARCROP_OK);
            CHECK(r.items[2] == PARCROP_OK);
            CHECK(r.items[3] == PARCROP_OK);
            CHECK(r.slot(1, slot_bytes) == std::vector<uint8_t>(slot_bytes, 0));
            CHECK(r.slot(0, slot_bytes) == clean.slot(0, slot_bytes));
            CHECK(r.slot(2, slot_bytes) == clean.slot(1, slot_bytes));
            CHECK(r.slot(3, slot_bytes) == clean.slot(2, slot_bytes));
            CHECK(parcrop_last_item_status(context.get(), 1) == b.expected);
            CHECK(std::strlen(parcrop_last_item_message(context.get(), 1)) > 0);
            CHECK(std::string(parcrop_last_item_message(context.get(), 0)).empty());
        }
    }
}

TEST_CASE("a source with neither path nor data is refused on its own", "[api][bad-input]") {
    auto context = make_context();
    std::vector<parcrop_source> sources(1);
    const BatchResult r = run(context.get(), sources, {{0, 0, 1, 1}}, params_for(4, 4, 3, PARCROP_FILTER_NEAREST));
    CHECK(r.status == PARCROP_ITEMS_FAILED);
    CHECK(r.items[0] == PARCROP_E_INVALID_SOURCE);
}

TEST_CASE("output bytes are identical for 1 and 2 threads", "[api]") {
    TempDir dir;
    std::vector<std::string> paths;
    std::vector<parcrop_box> boxes;
    for (uint32_t i = 0; i < 12; ++i) {
        const uint32_t w = 150 + 37 * i, h = 120 + 11 * i;
        JpegOptions options;
        options.h_samp = 1 + i % 2;
        paths.push_back(dir.write("p" + std::to_string(i) + ".jpg", encode_jpeg(make_photo(w, h, 3, i).data, w, h, 3, options)));
        boxes.push_back({float(i), float(2 * i), float(w - i), float(h - 3)});
    }
    for (const parcrop_decode_mode mode : {PARCROP_DECODE_EXACT, PARCROP_DECODE_FAST}) {
        const parcrop_crop_params params = params_for(32, 32, 3, PARCROP_FILTER_BILINEAR, mode);
        auto one = make_context(1);
        auto two = make_context(2);
        const BatchResult a = run(one.get(), path_sources(paths), boxes, params);
        const BatchResult b = run(two.get(), path_sources(paths), boxes, params);
        REQUIRE(a.status == PARCROP_OK);
        CHECK(a.out == b.out);
    }
}

TEST_CASE("items sharing a source give the bytes they give in separate batches", "[api]") {
    TempDir dir;
    const uint32_t w = 1024, h = 768;
    const std::string path = dir.write("big.jpg", encode_jpeg(make_photo(w, h, 3, 9).data, w, h, 3, JpegOptions{}));
    // A glimpse sequence: nested windows at growing scales around one point, plus a far one.
    const std::vector<parcrop_box> boxes = {
        {480, 360, 544, 424}, {448, 328, 576, 456}, {384, 264, 640, 520}, {256, 136, 768, 648}, {0, 0, 200, 100}, {900, 700, 1024, 768}};
    for (const parcrop_filter filter : {PARCROP_FILTER_NEAREST, PARCROP_FILTER_BILINEAR, PARCROP_FILTER_LANCZOS3}) {
        for (const parcrop_decode_mode mode : {PARCROP_DECODE_EXACT, PARCROP_DECODE_FAST}) {
            INFO("filter " << filter << " mode " << mode);
            const parcrop_crop_params params = params_for(32, 32, 3, filter, mode);
            auto context = make_context();
            const BatchResult together = run(context.get(), path_sources(std::vector<std::string>(boxes.size(), path)), boxes, params);
            REQUIRE(together.status == PARCROP_OK);
            for (size_t i = 0; i < boxes.size(); ++i) {
                const BatchResult alone = run(context.get(), path_sources({path}), {boxes[i]}, params);
                CHECK(together.slot(i, 32 * 32 * 3) == alone.out);
            }
        }
    }
}

TEST_CASE("in-memory sources give the bytes of path sources", "[api]") {
    TempDir dir;
    const PngFixture png = make_png(PngVariant{kRgb, 8}, 200, 150, 5);
    const std::vector<uint8_t> jpeg = encode_jpeg(make_photo(200, 150, 3, 6).data, 200, 150, 3, JpegOptions{});
    const std::vector<std::string> paths = {dir.write("a.png", png.bytes), dir.write("b.jpg", jpeg)};
    std::vector<parcrop_source> memory(2);
    memory[0].data = png.bytes.data();
    memory[0].size = png.bytes.size();
    memory[1].data = jpeg.data();
    memory[1].size = jpeg.size();
    const std::vector<parcrop_box> boxes = {{10, 10, 150, 120}, {0, 0, 200, 150}};
    auto context = make_context();
    const parcrop_crop_params params = params_for(40, 30, 4, PARCROP_FILTER_BICUBIC, PARCROP_DECODE_FAST);
    const BatchResult from_files = run(context.get(), path_sources(paths), boxes, params);
    const BatchResult from_memory = run(context.get(), memory, boxes, params);
    REQUIRE(from_files.status == PARCROP_OK);
    CHECK(from_files.out == from_memory.out);
}

TEST_CASE("normalized boxes are fractions of each image's size", "[api]") {
    TempDir dir;
    const PngFixture png = make_png(PngVariant{kRgb, 8}, 200, 100, 5);
    const std::string path = dir.write("a.png", png.bytes);
    auto context = make_context();
    parcrop_crop_params params = params_for(20, 20, 3, PARCROP_FILTER_AREA);
    const BatchResult pixels = run(context.get(), path_sources({path}), {{50, 25, 150, 75}}, params);
    params.flags = PARCROP_FLAG_NORMALIZED_BOXES;
    const BatchResult fractions = run(context.get(), path_sources({path}), {{0.25f, 0.25f, 0.75f, 0.75f}}, params);
    REQUIRE(pixels.status == PARCROP_OK);
    CHECK(pixels.out == fractions.out);
}

TEST_CASE("strides place crops inside a larger tensor and leave the padding alone", "[api]") {
    TempDir dir;
    const PngFixture png = make_png(PngVariant{kRgb, 8}, 64, 64, 1);
    const std::string path = dir.write("a.png", png.bytes);
    auto context = make_context();
    const std::vector<parcrop_box> boxes = {{0, 0, 64, 64}, {8, 8, 40, 40}};
    parcrop_crop_params params = params_for(8, 8, 3, PARCROP_FILTER_BILINEAR);
    const BatchResult packed = run(context.get(), path_sources({path, path}), boxes, params);
    params.row_stride = 8 * 3 + 5;
    params.item_stride = params.row_stride * 8 + 7;
    std::vector<uint8_t> padded(params.item_stride * 2, 0xEE);
    std::vector<parcrop_status> items(2);
    const std::vector<std::string> paths = {path, path};
    const std::vector<parcrop_source> sources = path_sources(paths);
    REQUIRE(parcrop_crop_batch(context.get(), sources.data(), boxes.data(), 2, &params, padded.data(), items.data()) == PARCROP_OK);
    for (size_t i = 0; i < 2; ++i) {
        for (size_t y = 0; y < 8; ++y) {
            const uint8_t* row = padded.data() + i * params.item_stride + y * params.row_stride;
            CHECK(std::vector<uint8_t>(row, row + 24) == std::vector<uint8_t>(packed.out.begin() + (i * 8 + y) * 24,
                                                                              packed.out.begin() + (i * 8 + y + 1) * 24));
            CHECK(std::vector<uint8_t>(row + 24, row + 29) == std::vector<uint8_t>(5, 0xEE));
        }
    }
}

TEST_CASE("fast mode stays close to exact mode", "[api][fast]") {
    TempDir dir;
    const uint32_t w = 1600, h = 1200;
    const std::string path = dir.write("big.jpg", encode_jpeg(make_photo(w, h, 3, 12).data, w, h, 3, JpegOptions{}));
    std::vector<parcrop_box> boxes;
    for (uint32_t i = 0; i < 8; ++i) boxes.push_back({float(37 * i), float(23 * i), float(37 * i + 300 + 100 * i), float(23 * i + 260 + 90 * i)});
    auto context = make_context();
    for (const parcrop_filter filter : {PARCROP_FILTER_BILINEAR, PARCROP_FILTER_AREA, PARCROP_FILTER_LANCZOS3}) {
        const BatchResult exact = run(context.get(), path_sources(std::vector<std::string>(boxes.size(), path)), boxes,
                                      params_for(32, 32, 3, filter, PARCROP_DECODE_EXACT));
        const BatchResult fast = run(context.get(), path_sources(std::vector<std::string>(boxes.size(), path)), boxes,
                                     params_for(32, 32, 3, filter, PARCROP_DECODE_FAST));
        REQUIRE(fast.status == PARCROP_OK);
        double squared = 0;
        for (size_t i = 0; i < exact.out.size(); ++i) squared += std::pow(double(exact.out[i]) - fast.out[i], 2);
        const double psnr = 10 * std::log10(255.0 * 255.0 / (squared / exact.out.size()));
        INFO("filter " << filter << ": PSNR " << psnr << " dB");
        CHECK(psnr >= 30.0);
    }
}

TEST_CASE("limits refuse oversized items before decoding", "[api][limits]") {
    TempDir dir;
    const std::string path = dir.write("a.jpg", encode_jpeg(make_photo(300, 200, 3, 1).data, 300, 200, 3, JpegOptions{}));
    const parcrop_crop_params params = params_for(8, 8, 3, PARCROP_FILTER_BILINEAR);
    parcrop_options options;
    parcrop_options_init(&options);
    options.max_pixels = 300 * 200 - 1;
    auto small_pixels = make_context(1, &options);
    CHECK(run(small_pixels.get(), path_sources({path}), {{0, 0, 10, 10}}, params).items[0] == PARCROP_E_TOO_MANY_PIXELS);
    parcrop_options_init(&options);
    options.max_height = 199;
    auto short_images = make_context(1, &options);
    CHECK(run(short_images.get(), path_sources({path}), {{0, 0, 10, 10}}, params).items[0] == PARCROP_E_IMAGE_TOO_LARGE);
    parcrop_options_init(&options);
    options.max_file_size = 100;
    auto small_files = make_context(1, &options);
    CHECK(run(small_files.get(), path_sources({path}), {{0, 0, 10, 10}}, params).items[0] == PARCROP_E_FILE_TOO_LARGE);
}

TEST_CASE("invalid calls are refused whole and write nothing", "[api][arguments]") {
    auto context = make_context();
    const std::vector<std::string> paths = {"/nonexistent.png"};
    const std::vector<parcrop_source> sources = path_sources(paths);
    const parcrop_box box{0, 0, 1, 1};
    std::vector<uint8_t> out(64 * 64 * 4, 0x11);
    parcrop_status item = PARCROP_OK;
    auto call = [&](const parcrop_crop_params& p) {
        return parcrop_crop_batch(context.get(), sources.data(), &box, 1, &p, out.data(), &item);
    };
    parcrop_crop_params p = params_for(0, 8, 3, PARCROP_FILTER_NEAREST);
    CHECK(call(p) == PARCROP_E_INVALID_SIZE);
    p = params_for(8, 70000, 3, PARCROP_FILTER_NEAREST);
    CHECK(call(p) == PARCROP_E_INVALID_SIZE);
    p = params_for(8, 8, 2, PARCROP_FILTER_NEAREST);
    CHECK(call(p) == PARCROP_E_INVALID_CHANNELS);
    p = params_for(8, 8, 3, static_cast<parcrop_filter>(99));
    CHECK(call(p) == PARCROP_E_INVALID_FILTER);
    p = params_for(8, 8, 3, PARCROP_FILTER_NEAREST);
    p.row_stride = 5;
    CHECK(call(p) == PARCROP_E_INVALID_STRIDE);
    p = params_for(8, 8, 3, PARCROP_FILTER_NEAREST);
    p.struct_size = 3;
    CHECK(call(p) == PARCROP_E_STRUCT_SIZE);
    p = params_for(8, 8, 3, PARCROP_FILTER_NEAREST);
    p.flip = 4;
    CHECK(call(p) == PARCROP_E_INVALID_OPTION);
    p = params_for(8, 8, 3, PARCROP_FILTER_NEAREST);
    const uint8_t bad_flip = 8;
    p.item_flip = &bad_flip;
    CHECK(call(p) == PARCROP_E_INVALID_OPTION);
    p = params_for(8, 8, 3, PARCROP_FILTER_NEAREST);
    int policy = 3;
    std::memcpy(&p.out_of_bounds, &policy, sizeof policy);
    CHECK(call(p) == PARCROP_E_INVALID_OPTION);
    CHECK(std::all_of(out.begin(), out.end(), [](uint8_t v) { return v == 0x11; }));

    p = params_for(8, 8, 3, PARCROP_FILTER_NEAREST);
    CHECK(parcrop_crop_batch(nullptr, sources.data(), &box, 1, &p, out.data(), &item) == PARCROP_E_NULL_ARGUMENT);
    CHECK(parcrop_crop_batch(context.get(), nullptr, &box, 1, &p, out.data(), &item) == PARCROP_E_NULL_ARGUMENT);
    CHECK(parcrop_crop_batch(context.get(), sources.data(), nullptr, 1, &p, out.data(), &item) == PARCROP_E_NULL_ARGUMENT);
    CHECK(parcrop_crop_batch(context.get(), sources.data(), &box, 1, &p, nullptr, &item) == PARCROP_E_NULL_ARGUMENT);
    CHECK(parcrop_crop_batch(context.get(), sources.data(), &box, 1, &p, out.data(), nullptr) == PARCROP_E_NULL_ARGUMENT);
    CHECK(parcrop_crop_batch(context.get(), sources.data(), &box, 1, nullptr, out.data(), &item) == PARCROP_E_NULL_ARGUMENT);
    CHECK(parcrop_crop_batch(context.get(), nullptr, nullptr, 0, &p, nullptr, nullptr) == PARCROP_OK);
    CHECK(parcrop_last_item_status(context.get(), 1000) == PARCROP_E_INVALID_OPTION);
    CHECK(std::string(parcrop_last_item_message(context.get(), 1000)).empty());
}

TEST_CASE("crop params of 0.1's size are accepted, with the later fields at their defaults", "[api][arguments]") {
    const PngFixture png = make_png(PngVariant{kRgb, 8}, 40, 30, 3);
    std::vector<parcrop_source> sources(1);
    sources[0].data = png.bytes.data();
    sources[0].size = png.bytes.size();
    auto context = make_context(1);
    parcrop_crop_params current = params_for(8, 8, 3, PARCROP_FILTER_BILINEAR);
    const BatchResult want = run(context.get(), sources, {{2, 3, 30, 25}}, current);
    REQUIRE(want.status == PARCROP_OK);
    // What a 0.1 caller passes: its struct ends where flip begins, and whatever follows
    // in memory is not its own.
    parcrop_crop_params old = current;
    old.struct_size = offsetof(parcrop_crop_params, flip);
    old.flip = PARCROP_FLIP_HORIZONTAL;
    old.out_of_bounds = PARCROP_OUT_OF_BOUNDS_PAD;
    CHECK(run(context.get(), sources, {{2, 3, 30, 25}}, old).out == want.out);
    CHECK(run(context.get(), sources, {{-2, 3, 30, 25}}, old).items[0] == PARCROP_E_INVALID_BOX);
}

TEST_CASE("flips reverse the output's rows and columns for every filter and mode", "[api][geometry]") {
    const PngFixture png = make_png(PngVariant{kRgb, 8}, 97, 61, 8);
    std::vector<parcrop_source> sources(1);
    sources[0].data = png.bytes.data();
    sources[0].size = png.bytes.size();
    auto context = make_context(1);
    const uint32_t h = 13, w = 17, c = 3;
    for (const parcrop_filter filter : {PARCROP_FILTER_NEAREST, PARCROP_FILTER_BILINEAR, PARCROP_FILTER_LANCZOS3}) {
        parcrop_crop_params params = params_for(h, w, c, filter);
        const BatchResult plain = run(context.get(), sources, {{4.5f, 2, 90, 57}}, params);
        REQUIRE(plain.status == PARCROP_OK);
        params.flip = PARCROP_FLIP_HORIZONTAL | PARCROP_FLIP_VERTICAL;
        const BatchResult flipped = run(context.get(), sources, {{4.5f, 2, 90, 57}}, params);
        REQUIRE(flipped.status == PARCROP_OK);
        for (uint32_t y = 0; y < h; ++y) {
            for (uint32_t x = 0; x < w; ++x) {
                INFO("filter " << filter << " at " << x << "," << y);
                const uint8_t* a = &plain.out[(size_t{y} * w + x) * c];
                const uint8_t* b = &flipped.out[(size_t{h - 1 - y} * w + (w - 1 - x)) * c];
                CHECK(std::equal(a, a + c, b));
            }
        }
    }
}

