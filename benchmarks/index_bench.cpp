// Times random access into plain JPEGs through an entropy index (src/decode/jpeg/jpeg_index.h)
// against the region path: for each workload folder, per image and single-threaded, a full
// decode, building the index, its size, and two crops each way: the seed's glimpse box
// (at most 25% of each side, as region_bench crops) and a box a quarter of each side at the
// glimpse's position. Both ways must deliver the same bytes; the run stops if not.
//
//   index_bench IMAGES_DIR [--trials N] [--k K]
//
// IMAGES_DIR holds one folder per workload (benchmarks/make_images.py writes them).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "batch/crop_plan.h"
#include "bench_files.h"
#include "decode/decoder.h"
#include "decode/jpeg/jpeg_index.h"
#include "parcrop.h"
#include "seed_glimpses.h"

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

// Every byte when comparing the two ways; when timing, every 61st (as region_bench's
// sink), so that the sink costs little next to either way.
class HashSink final : public parcrop::RowSink {
public:
    HashSink(size_t row_bytes, bool every_byte) : row_bytes_(row_bytes), every_byte_(every_byte) {}
    void row(uint32_t y, const uint8_t* pixels) override {
        if (!every_byte_) {
            for (size_t i = 0; i < row_bytes_; i += 61) hash_ += pixels[i];
            return;
        }
        // Eight bytes a step: a byte-wise hash would cost more than decoding the crop.
        uint64_t h = hash_ ^ y;
        size_t i = 0;
        for (; i + 8 <= row_bytes_; i += 8) {
            uint64_t word;
            std::memcpy(&word, pixels + i, 8);
            h = (h ^ word) * 0x100000001b3ull;
        }
        for (; i < row_bytes_; ++i) h = (h ^ pixels[i]) * 0x100000001b3ull;
        hash_ = h;
    }
    uint64_t hash() const { return hash_; }

private:
    size_t row_bytes_;
    bool every_byte_;
    uint64_t hash_ = 0xcbf29ce484222325ull;
};

struct Crop {
    uint32_t x0, x1;
    std::vector<uint32_t> rows;
};

[[noreturn]] void die(const char* what) {
    std::fprintf(stderr, "index_bench: %s\n", what);
    std::exit(1);
}

parcrop::ImageHeader header_of(const std::vector<uint8_t>& bytes) {
    std::unique_ptr<parcrop::Decoder> decoder;
    parcrop::ImageHeader header;
    if (!parcrop::make_decoder({bytes.data(), bytes.size()}, parcrop::Limits{}, &decoder).is_ok() ||
        !decoder->read_header(&header).is_ok()) {
        die("cannot read an image");
    }
    return header;
}

uint64_t decode_region(const std::vector<uint8_t>& bytes, const Crop& crop, bool every_byte = false,
                       uint32_t channels = 3) {
    std::unique_ptr<parcrop::Decoder> decoder;
    parcrop::ImageHeader header;
    if (!parcrop::make_decoder({bytes.data(), bytes.size()}, parcrop::Limits{}, &decoder).is_ok() ||
        !decoder->read_header(&header).is_ok()) {
        die("cannot read an image");
    }
    parcrop::DecodeRequest request;
    request.x0 = crop.x0;
    request.x1 = crop.x1;
    request.rows = &crop.rows;
    request.channels = channels;
    HashSink sink(size_t{crop.x1 - crop.x0} * channels, every_byte);
    if (!decoder->decode(request, sink).is_ok()) die("region decode failed");
    return sink.hash();
}

// Reading the header is part of a crop either way: the indexed path reads it too.
uint64_t decode_indexed(const std::vector<uint8_t>& bytes, const parcrop::JpegEntropyIndex& index, const Crop& crop,
                        bool* fell_back, bool every_byte = false) {
    parcrop::DecodeRequest request;
    request.x0 = crop.x0;
    request.x1 = crop.x1;
    request.rows = &crop.rows;
    request.channels = 3;
    HashSink sink(size_t{crop.x1 - crop.x0} * 3, every_byte);
    const parcrop::Status status =
        parcrop::decode_region_through_index({bytes.data(), bytes.size()}, index, request, sink, parcrop::Limits{});
    if (status.code() == PARCROP_E_UNSUPPORTED) {
        *fell_back = true;
        return decode_region(bytes, crop, every_byte);
    }
    if (!status.is_ok()) die(status.message().c_str());
    return sink.hash();
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

template <typename F>
double time_per_image(size_t files, int trials, F&& once) {
    std::vector<double> times;
    for (int t = 0; t < trials; ++t) {
        const auto start = Clock::now();
        for (size_t i = 0; i < files; ++i) once(i);
        times.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count() / files);
    }
    return median(times);
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: %s IMAGES_DIR [--trials N] [--k K]\n", argv[0]);
        return 2;
    }
    int trials = 5;
    uint32_t k = 0;
    for (int i = 2; i + 1 < argc; i += 2) {
        if (!std::strcmp(argv[i], "--trials")) trials = std::max(1, std::atoi(argv[i + 1]));
        if (!std::strcmp(argv[i], "--k")) k = static_cast<uint32_t>(std::atoi(argv[i + 1]));
    }
    std::vector<fs::path> workloads;
    for (const auto& entry : fs::directory_iterator(argv[1])) {
        if (entry.is_directory()) workloads.push_back(entry.path());
    }
    std::sort(workloads.begin(), workloads.end());
    std::printf("index_bench: median of %d trials of the mean per image, single-threaded, crops in RGB, K %s\n\n",
                trials, k == 0 ? "default" : std::to_string(k).c_str());
    std::printf("| workload | full decode ms | index build ms (of full) | index size (of file) | glimpse: region ms | "
                "indexed ms (speed-up) | quarter: region ms | indexed ms (speed-up) | fallbacks |\n"
                "|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    uint64_t checksum = 0;
    for (const fs::path& dir : workloads) {
        std::vector<std::vector<uint8_t>> files;
        for (const auto& entry : fs::directory_iterator(dir)) {
            if (entry.path().extension() == ".jpg") files.push_back(read_bytes(entry.path()));
        }
        if (files.empty()) continue;
        const std::vector<parcrop_glimpse> glimpses = make_glimpses(files.size());
        std::vector<parcrop::JpegEntropyIndex> indexes(files.size());
        std::vector<Crop> glimpse_crops, quarter_crops;
        uint64_t file_bytes = 0, index_bytes = 0;
        for (size_t i = 0; i < files.size(); ++i) {
            const parcrop::ImageHeader header = header_of(files[i]);
            parcrop_box box;
            parcrop::glimpse_box(header.width, header.height, glimpses[i], 0.25f, &box);
            parcrop::OutputShape shape;
            shape.height = shape.width = 32;
            shape.channels = 3;
            const parcrop::CropPlan plan =
                parcrop::plan_crop(box, header.width, header.height, 1, shape, parcrop::Filter::bilinear);
            glimpse_crops.push_back({plan.x0, plan.x1, plan.needed_rows()});
            const uint32_t w = std::max(1u, header.width / 4), h = std::max(1u, header.height / 4);
            const uint32_t x0 = static_cast<uint32_t>(glimpses[i].x * static_cast<float>(header.width - w));
            const uint32_t y0 = static_cast<uint32_t>(glimpses[i].y * static_cast<float>(header.height - h));
            Crop quarter{x0, x0 + w, {}};
            for (uint32_t y = y0; y < y0 + h; ++y) quarter.rows.push_back(y);
            quarter_crops.push_back(quarter);
            const parcrop::Status status =
                parcrop::build_jpeg_entropy_index({files[i].data(), files[i].size()}, k, &indexes[i]);
            if (!status.is_ok()) die(status.message().c_str());
            file_bytes += files[i].size();
            index_bytes += indexes[i].serialize().size();
        }
        // Full decode, every row and column, in the file's own channels (gray stays gray).
        const double full = time_per_image(files.size(), trials, [&](size_t i) {
            const parcrop::ImageHeader header = header_of(files[i]);
            Crop all{0, header.width, {}};
            for (uint32_t y = 0; y < header.height; ++y) all.rows.push_back(y);
            checksum += decode_region(files[i], all, false, indexes[i].components == 1 ? 1 : 3);
        });
        const double build = time_per_image(files.size(), trials, [&](size_t i) {
            parcrop::JpegEntropyIndex index;
            if (!parcrop::build_jpeg_entropy_index({files[i].data(), files[i].size()}, k, &index).is_ok()) {
                die("index build failed");
            }
            checksum += index.end_position;
        });
        size_t fallbacks = 0;
        double region_ms[2], indexed_ms[2];
        for (int which = 0; which < 2; ++which) {
            const std::vector<Crop>& crops = which == 0 ? glimpse_crops : quarter_crops;
            for (size_t i = 0; i < files.size(); ++i) {
                bool fell_back = false;
                if (decode_region(files[i], crops[i], true) !=
                    decode_indexed(files[i], indexes[i], crops[i], &fell_back, true)) {
                    die("the indexed crop differs from the region path's");
                }
                fallbacks += fell_back;
            }
            region_ms[which] = time_per_image(files.size(), trials,
                                              [&](size_t i) { checksum += decode_region(files[i], crops[i]); });
            indexed_ms[which] = time_per_image(files.size(), trials, [&](size_t i) {
                bool fell_back = false;
                checksum += decode_indexed(files[i], indexes[i], crops[i], &fell_back);
            });
        }
        std::printf("| %s (%zu files) | %.2f | %.2f (%.2f) | %.2f%% | %.2f | %.2f (%.1fx) | %.2f | %.2f (%.1fx) | %zu |\n",
                    dir.filename().c_str(), files.size(), full, build, build / full,
                    100.0 * static_cast<double>(index_bytes) / static_cast<double>(file_bytes), region_ms[0],
                    indexed_ms[0], region_ms[0] / indexed_ms[0], region_ms[1], indexed_ms[1],
                    region_ms[1] / indexed_ms[1], fallbacks);
        std::fflush(stdout);
    }
    std::fprintf(stderr, "(checksum %llu)\n", static_cast<unsigned long long>(checksum));
    return 0;
}
