// What a decompression bomb costs parcrop with its default limits: for every format, a
// file of a few hundred bytes claiming the largest image the defaults allow, cropped at
// a corner (64x64) and whole, each crop run 5 times in a fresh child process; prints the
// status and the median time and peak memory growth (VmHWM over the RSS at the start).
// The README's "Untrusted input" table comes from this program; tests/test_bombs.cpp
// holds the same files to looser bounds.
//
//   build/benchmarks/bomb_bench
#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "hostile_images.h"
#include "isolated_crop.h"

using namespace parcrop_test;

namespace {

constexpr int kRounds = 5;

double median(std::vector<double> values) {
    std::sort(values.begin(), values.end());
    return values[values.size() / 2];
}

void measure(const std::string& name, const std::string& claim, const Bytes& bytes, const char* box_name,
             parcrop_box box) {
    std::vector<double> seconds, growth;
    IsolatedCrop last;
    for (int round = 0; round < kRounds; ++round) {
        last = crop_in_child(bytes, box, 60.0);
        if (!last.finished) break;
        seconds.push_back(last.seconds);
        growth.push_back(last.peak_growth_mib);
    }
    if (!last.finished) {
        std::printf("| %-16s | %-11s | %5zu | %-6s | did not finish (signal %d) | | |\n", name.c_str(), claim.c_str(),
                    bytes.size(), box_name, last.signal);
        return;
    }
    std::printf("| %-16s | %-11s | %5zu | %-6s | %-44s | %8.1f | %6.1f |\n", name.c_str(), claim.c_str(), bytes.size(),
                box_name, parcrop_strerror(last.status), median(seconds) * 1000.0, median(growth));
}

}  // namespace

int main() {
    std::printf("| file             | claims      | bytes | box    | status                                       | ms       | MiB    |\n");
    std::printf("|------------------|-------------|------:|--------|----------------------------------------------|---------:|-------:|\n");
    const uint32_t sizes[][2] = {{13377, 13377}, {65535, 2730}};
    for (const auto& size : sizes) {
        const std::string claim = std::to_string(size[0]) + "x" + std::to_string(size[1]);
        for (const HostileFile& file : files_claiming(size[0], size[1])) {
            measure(file.name, claim, file.bytes, "corner", {0, 0, 64, 64});
            measure(file.name, claim, file.bytes, "whole",
                    {0, 0, static_cast<float>(size[0]), static_cast<float>(size[1])});
        }
    }
    for (const HostileFile& file : files_claiming(40000, 4400)) {
        if (file.name == "hdr") measure("hdr", "40000x4400", file.bytes, "whole", {0, 0, 40000, 4400});
    }
    const Bytes scans = progressive_jpeg_many_scans(5248, 5248);
    measure("jpeg-631-scans", "5248x5248", scans, "corner", {0, 0, 64, 64});
    return 0;
}
