// Decompression bombs: for every format, a file of a few hundred bytes claiming the
// largest image the default limits allow, cropped at a corner and whole, each in a
// child process. None may hang, crash, or cost more than kMaxGrowthMiB of memory or
// kMaxSeconds of CPU time (not wall time, which a busy machine stretches); the figures
// of the README's "Untrusted input" section come from benchmarks/bomb_bench, which
// measures the same files.
#include <catch2/catch.hpp>

#include "hostile_images.h"
#include "isolated_crop.h"

using namespace parcrop_test;

namespace {

#if defined(PARCROP_SANITIZED)
// Shadow memory and checks: time is slower and resident memory is not the library's.
constexpr double kMaxSeconds = 20.0;
constexpr bool kCheckMemory = false;
#else
constexpr double kMaxSeconds = 2.0;
constexpr bool kCheckMemory = true;
#endif
constexpr double kMaxGrowthMiB = 64.0;

void check_bounded(const std::string& name, const Bytes& bytes, parcrop_box box) {
    INFO(name << " (" << bytes.size() << " bytes), box " << box.x0 << "," << box.y0 << "," << box.x1 << ","
              << box.y1);
    const IsolatedCrop crop = crop_in_child(bytes, box, 10 * kMaxSeconds);
    INFO("status " << crop.status << ", " << crop.cpu_seconds << " s of CPU, +" << crop.peak_growth_mib
                   << " MiB, signal " << crop.signal);
    REQUIRE(crop.finished);
    CHECK(crop.status != PARCROP_E_INTERNAL);
    CHECK(crop.cpu_seconds < kMaxSeconds);
    if (kCheckMemory) CHECK(crop.peak_growth_mib < kMaxGrowthMiB);
}

}  // namespace

TEST_CASE("small files claiming the largest images the defaults allow cost little", "[untrusted][bombs]") {
    // Both at most max_pixels (178956970): a square and the widest shape.
    const uint32_t sizes[][2] = {{13377, 13377}, {65535, 2730}};
    for (const auto& size : sizes) {
        const float w = static_cast<float>(size[0]), h = static_cast<float>(size[1]);
        for (const HostileFile& file : files_claiming(size[0], size[1])) {
            check_bounded(file.name, file.bytes, {0, 0, 64, 64});
            check_bounded(file.name, file.bytes, {0, 0, w, h});
        }
    }
    // stb_image 2.27 took 2.5 GB and 7 s for this one.
    for (const HostileFile& file : files_claiming(40000, 4400)) {
        if (file.name == "hdr") check_bounded("hdr 40000x4400", file.bytes, {0, 0, 40000, 4400});
    }
}

TEST_CASE("a progressive JPEG with hundreds of scans is refused for its work, not decoded", "[untrusted][bombs]") {
    const Bytes jpeg = progressive_jpeg_many_scans(5248, 5248);
    const IsolatedCrop crop = crop_in_child(jpeg, {0, 0, 64, 64}, 10 * kMaxSeconds);
    REQUIRE(crop.finished);
    CHECK(crop.status == PARCROP_E_DECODE_WORK);
    // The refusal comes after 2^27 block visits, about 1.1 s of CPU here.
    CHECK(crop.cpu_seconds < 2 * kMaxSeconds);
}

TEST_CASE("run-length HDR rows that never advance fail instead of hanging", "[untrusted][bombs][hdr]") {
    for (const uint32_t width : {8u, 100u, 32767u}) {
        INFO("width " << width);
        const IsolatedCrop zero = crop_in_child(hdr_rle_zero_count(width), {0, 0, 4, 4}, 10 * kMaxSeconds);
        REQUIRE(zero.finished);
        CHECK(zero.status == PARCROP_E_CORRUPT);
        const IsolatedCrop cut = crop_in_child(hdr_rle_cut_inside_run(width), {0, 0, 4, 4}, 10 * kMaxSeconds);
        REQUIRE(cut.finished);
        CHECK(cut.status == PARCROP_E_TRUNCATED);
    }
}
