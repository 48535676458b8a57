// Stress at a size CI can afford: a 10,000-item batch, 1,000 context lifetimes, and
// no memory growth over repeated batches.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <fstream>
#include <string>
#include <vector>

#include "image_fixtures.h"
#include "jpeg_fixtures.h"
#include "parcrop.h"

using namespace parcrop_test;

namespace {

long resident_kb() {
    std::ifstream statm("/proc/self/statm");
    long pages = 0, resident = 0;
    statm >> pages >> resident;
    return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

}  // namespace

TEST_CASE("a 10,000-item batch with bad items mixed in", "[stress]") {
    const std::vector<uint8_t> jpeg = encode_jpeg(make_photo(96, 64, 3, 1).data, 96, 64, 3, JpegOptions{});
    const PngFixture png = make_png(PngVariant{2, 8}, 80, 60, 2);
    const std::vector<uint8_t> garbage(100, 0x42);
    constexpr size_t n = 10000;
    std::vector<parcrop_source> sources(n);
    std::vector<parcrop_box> boxes(n);
    // Distinct addresses would make each item its own group; use a few buffers so that
    // grouping by source is exercised too, and vary the boxes.
    std::vector<std::vector<uint8_t>> copies;
    for (int c = 0; c < 16; ++c) copies.push_back(c % 2 ? png.bytes : jpeg);
    for (size_t i = 0; i < n; ++i) {
        const std::vector<uint8_t>& bytes = i % 97 == 0 ? garbage : copies[i % copies.size()];
        sources[i].data = bytes.data();
        sources[i].size = bytes.size();
        const float x = static_cast<float>(i % 40);
        boxes[i] = {x, 1.0f, x + 20.0f + static_cast<float>(i % 7), 50.0f};
    }
    parcrop_context* context = nullptr;
    REQUIRE(parcrop_context_create(nullptr, &context) == PARCROP_OK);
    parcrop_crop_params params;
    parcrop_crop_params_init(&params);
    params.out_height = params.out_width = 8;
    std::vector<uint8_t> out(n * 8 * 8 * 3);
    std::vector<parcrop_status> status(n);
    CHECK(parcrop_crop_batch(context, sources.data(), boxes.data(), n, &params, out.data(), status.data()) ==
          PARCROP_ITEMS_FAILED);
    size_t failed = 0;
    for (size_t i = 0; i < n; ++i) {
        if (i % 97 == 0) {
            CHECK(status[i] == PARCROP_E_UNKNOWN_FORMAT);
            ++failed;
        } else if (status[i] != PARCROP_OK) {
            FAIL("item " << i << ": " << parcrop_strerror(status[i]));
        }
    }
    CHECK(failed == (n + 96) / 97);
    // Items with the same source and box have the same bytes wherever they sit.
    const size_t slot = 8 * 8 * 3;
    const size_t period = 16 * 40 * 7;  // sources repeat every 16 items, boxes every 40 and 7
    for (size_t i = 1; i + period < n; i += 331) {
        if (i % 97 == 0 || (i + period) % 97 == 0) continue;
        CHECK(std::equal(out.begin() + i * slot, out.begin() + (i + 1) * slot, out.begin() + (i + period) * slot));
    }
    parcrop_context_destroy(context);
}

TEST_CASE("1,000 contexts created and destroyed, with a batch on some", "[stress]") {
    const std::vector<uint8_t> jpeg = encode_jpeg(make_photo(64, 48, 3, 1).data, 64, 48, 3, JpegOptions{});
    parcrop_source source{nullptr, jpeg.data(), jpeg.size()};
    const parcrop_box box{0, 0, 64, 48};
    parcrop_crop_params params;
    parcrop_crop_params_init(&params);
    std::vector<uint8_t> out(32 * 32 * 3);
    parcrop_status status;
    for (int i = 0; i < 1000; ++i) {
        parcrop_context* context = nullptr;
        REQUIRE(parcrop_context_create(nullptr, &context) == PARCROP_OK);
        if (i % 10 == 0) {
            REQUIRE(parcrop_crop_batch(context, &source, &box, 1, &params, out.data(), &status) == PARCROP_OK);
        }
        parcrop_context_destroy(context);
        void* handle = initialize(1, i % 2 == 0);
        REQUIRE(handle != nullptr);
        destroy(handle);
    }
}

#if defined(__SANITIZE_ADDRESS__)
#define PARCROP_TEST_UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define PARCROP_TEST_UNDER_ASAN 1
#endif
#endif

TEST_CASE("repeated batches do not grow memory", "[stress]") {
#ifdef PARCROP_TEST_UNDER_ASAN
    WARN("skipped under AddressSanitizer, whose quarantine keeps freed memory resident; LeakSanitizer checks leaks");
    return;
#endif
    const std::vector<uint8_t> jpeg = encode_jpeg(make_photo(400, 300, 3, 3).data, 400, 300, 3, JpegOptions{});
    const PngFixture png = make_png(PngVariant{6, 8}, 200, 150, 4);
    std::vector<parcrop_source> sources;
    std::vector<parcrop_box> boxes;
    for (int i = 0; i < 32; ++i) {
        const bool use_png = i % 3 == 0;
        sources.push_back({nullptr, use_png ? png.bytes.data() : jpeg.data(), use_png ? png.bytes.size() : jpeg.size()});
        boxes.push_back({float(i), float(i), float(i + 100), float(i + 90)});
    }
    parcrop_context* context = nullptr;
    REQUIRE(parcrop_context_create(nullptr, &context) == PARCROP_OK);
    parcrop_crop_params params;
    parcrop_crop_params_init(&params);
    std::vector<uint8_t> out(32 * 32 * 32 * 3);
    std::vector<parcrop_status> status(32);
    auto run = [&] {
        REQUIRE(parcrop_crop_batch(context, sources.data(), boxes.data(), 32, &params, out.data(), status.data()) ==
                PARCROP_OK);
    };
    for (int i = 0; i < 20; ++i) run();  // warm up: thread pools, allocator arenas
    const long before = resident_kb();
    for (int i = 0; i < 300; ++i) run();
    const long growth = resident_kb() - before;
    INFO("resident memory grew by " << growth << " kB over 300 batches");
    CHECK(growth < 4096);
    parcrop_context_destroy(context);
}
