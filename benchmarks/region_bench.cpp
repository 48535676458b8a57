// Times what region decoding saves: for each workload folder of images, decode the
// seed's glimpse boxes (at most max_img_percent of each side, window 32) three ways:
// the whole image, the region at full resolution (exact), and the region with DCT
// scaling (fast); single-threaded per image, then whole batches on all cores through
// the public API, with the peak resident memory of a process that runs only that.
//
//   region_bench IMAGES_DIR [--trials N] [--threads N] [--window N]
//
// IMAGES_DIR holds one folder per workload (benchmarks/make_images.py writes them).
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "batch/crop_plan.h"
#include "decode/decoder.h"
#include "parcrop.h"
#include "bench_files.h"
#include "seed_glimpses.h"

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

struct Settings {
    int trials = 5;
    uint32_t threads = 0;
    uint32_t window = 32;
    float max_img_percent = 0.25f;
};

class ChecksumSink final : public parcrop::RowSink {
public:
    explicit ChecksumSink(size_t row_bytes) : row_bytes_(row_bytes) {}
    void row(uint32_t, const uint8_t* pixels) override {
        for (size_t i = 0; i < row_bytes_; i += 61) sum_ += pixels[i];
    }
    uint64_t sum() const { return sum_; }

private:
    size_t row_bytes_;
    uint64_t sum_ = 0;
};

enum class Way { full, region, region_scaled, header_only, first_row };

// Decodes what `way` needs of one image for one glimpse; returns a checksum so that
// the work cannot be optimised away.
uint64_t decode_once(const std::vector<uint8_t>& bytes, const parcrop_glimpse& glimpse, Way way,
                     const Settings& settings) {
    std::unique_ptr<parcrop::Decoder> decoder;
    parcrop::ImageHeader header;
    if (!parcrop::make_decoder({bytes.data(), bytes.size()}, parcrop::Limits{}, &decoder).is_ok() ||
        !decoder->read_header(&header).is_ok()) {
        std::fprintf(stderr, "cannot read an image\n");
        std::exit(1);
    }
    if (way == Way::header_only) return header.width;
    parcrop_box box;
    parcrop::glimpse_box(header.width, header.height, glimpse, settings.max_img_percent, &box);
    parcrop::OutputShape shape;
    shape.height = shape.width = settings.window;
    shape.channels = 3;
    const uint32_t denom = way == Way::region_scaled ? parcrop::choose_scale_denom(box, shape, header.max_scale_denom) : 1;
    parcrop::DecodeRequest request;
    request.scale_denom = denom;
    request.channels = 3;
    std::vector<uint32_t> rows;
    if (way == Way::full) {
        request.x1 = header.width;
        for (uint32_t y = 0; y < header.height; ++y) rows.push_back(y);
    } else {
        const parcrop::CropPlan plan =
            parcrop::plan_crop(box, header.width, header.height, denom, shape, parcrop::Filter::bilinear);
        request.x0 = plan.x0;
        request.x1 = plan.x1;
        rows = plan.needed_rows();
        if (way == Way::first_row) rows.resize(1);
    }
    request.rows = &rows;
    ChecksumSink sink(size_t{request.x1 - request.x0} * 3);
    if (!decoder->decode(request, sink).is_ok()) {
        std::fprintf(stderr, "decode failed\n");
        std::exit(1);
    }
    return sink.sum();
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

// Median over trials of the mean time per image, single-threaded, in ms.
double time_per_image(const std::vector<std::vector<uint8_t>>& files, const std::vector<parcrop_glimpse>& glimpses,
                      Way way, const Settings& settings, uint64_t* checksum) {
    std::vector<double> trials;
    for (int t = 0; t < settings.trials; ++t) {
        const auto start = Clock::now();
        for (size_t i = 0; i < files.size(); ++i) *checksum += decode_once(files[i], glimpses[i], way, settings);
        trials.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count() / files.size());
    }
    return median(trials);
}

struct BatchTiming {
    double median_ms = 0;
    long peak_rss_kb = 0;
};

// Runs whole batches through the public API in a child process, so that its peak
// resident memory is that of the batch alone.
BatchTiming time_batches(const std::vector<std::string>& paths, const std::vector<parcrop_glimpse>& glimpses,
                         parcrop_decode_mode mode, const Settings& settings) {
    int pipe_fds[2];
    if (pipe(pipe_fds) != 0) std::exit(1);
    const pid_t child = fork();
    if (child == 0) {
        close(pipe_fds[0]);
        parcrop_options options;
        parcrop_options_init(&options);
        options.num_threads = settings.threads;
        parcrop_context* context = nullptr;
        parcrop_context_create(&options, &context);
        parcrop_crop_params params;
        parcrop_crop_params_init(&params);
        params.out_height = params.out_width = settings.window;
        params.mode = mode;
        std::vector<parcrop_source> sources(paths.size());
        for (size_t i = 0; i < paths.size(); ++i) sources[i].path = paths[i].c_str();
        std::vector<uint8_t> out(paths.size() * settings.window * settings.window * 3);
        std::vector<parcrop_status> status(paths.size());
        std::vector<double> times;
        for (int t = 0; t < settings.trials; ++t) {
            const auto start = Clock::now();
            if (parcrop_crop_glimpses(context, sources.data(), glimpses.data(), paths.size(), settings.max_img_percent,
                                      &params, out.data(), status.data()) != PARCROP_OK) {
                _exit(1);
            }
            times.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
        }
        const double m = median(times);
        if (write(pipe_fds[1], &m, sizeof m) != sizeof m) _exit(1);
        parcrop_context_destroy(context);
        _exit(0);
    }
    close(pipe_fds[1]);
    BatchTiming timing;
    if (read(pipe_fds[0], &timing.median_ms, sizeof timing.median_ms) != sizeof timing.median_ms) {
        std::fprintf(stderr, "batch child failed\n");
        std::exit(1);
    }
    close(pipe_fds[0]);
    int wstatus = 0;
    struct rusage usage {};
    wait4(child, &wstatus, 0, &usage);
    timing.peak_rss_kb = usage.ru_maxrss;
    return timing;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: %s IMAGES_DIR [--trials N] [--threads N] [--window N]\n", argv[0]);
        return 2;
    }
    Settings settings;
    for (int i = 2; i + 1 < argc; i += 2) {
        if (!std::strcmp(argv[i], "--trials")) settings.trials = std::max(1, std::atoi(argv[i + 1]));
        if (!std::strcmp(argv[i], "--threads")) settings.threads = static_cast<uint32_t>(std::atoi(argv[i + 1]));
        if (!std::strcmp(argv[i], "--window")) settings.window = static_cast<uint32_t>(std::atoi(argv[i + 1]));
    }
    std::vector<fs::path> workloads;
    for (const auto& entry : fs::directory_iterator(argv[1])) {
        if (entry.is_directory()) workloads.push_back(entry.path());
    }
    std::sort(workloads.begin(), workloads.end());
    std::printf("region_bench: window %u, max_img_percent %.2f, median of %d trials; per image single-threaded, "
                "batch on %u threads (0 = all cores)\n\n",
                settings.window, settings.max_img_percent, settings.trials, settings.threads);
    std::printf("| workload | full decode ms/img | region ms/img (ratio) | region+DCT ms/img (ratio) | batch exact ms | "
                "batch fast ms | peak RSS exact / fast MB |\n|---|---|---|---|---|---|---|\n");
    uint64_t checksum = 0;
    struct Breakdown {
        std::string workload;
        double header_ms, first_row_ms, region_ms;
    };
    std::vector<Breakdown> breakdown;
    for (const fs::path& dir : workloads) {
        std::vector<std::string> paths;
        for (const auto& entry : fs::directory_iterator(dir)) {
            const std::string ext = entry.path().extension().string();
            if (ext == ".jpg" || ext == ".png") paths.push_back(entry.path().string());
        }
        if (paths.empty()) continue;
        std::sort(paths.begin(), paths.end());
        std::vector<std::vector<uint8_t>> files;
        for (const auto& p : paths) files.push_back(read_bytes(p));
        const std::vector<parcrop_glimpse> glimpses = make_glimpses(paths.size());
        const double full = time_per_image(files, glimpses, Way::full, settings, &checksum);
        const double region = time_per_image(files, glimpses, Way::region, settings, &checksum);
        const double scaled = time_per_image(files, glimpses, Way::region_scaled, settings, &checksum);
        const double header_ms = time_per_image(files, glimpses, Way::header_only, settings, &checksum);
        const double first_row_ms = time_per_image(files, glimpses, Way::first_row, settings, &checksum);
        breakdown.push_back({dir.filename().string(), header_ms, first_row_ms, region});
        files.clear();
        const BatchTiming exact = time_batches(paths, glimpses, PARCROP_DECODE_EXACT, settings);
        const BatchTiming fast = time_batches(paths, glimpses, PARCROP_DECODE_FAST, settings);
        std::printf("| %s (%zu files) | %.2f | %.2f (%.2fx) | %.2f (%.2fx) | %.1f | %.1f | %.0f / %.0f |\n",
                    dir.filename().c_str(), paths.size(), full, region, region / full, scaled, scaled / full,
                    exact.median_ms, fast.median_ms, exact.peak_rss_kb / 1024.0, fast.peak_rss_kb / 1024.0);
        std::fflush(stdout);
    }
    // Where a region decode's time goes (exact mode, per image, single-threaded).
    std::printf("\n| workload | header ms/img | to the crop's first row ms/img | whole region ms/img | "
                "share before the first row |\n|---|---:|---:|---:|---:|\n");
    for (const Breakdown& b : breakdown) {
        std::printf("| %s | %.3f | %.3f | %.3f | %.0f%% |\n", b.workload.c_str(), b.header_ms, b.first_row_ms,
                    b.region_ms, 100.0 * b.first_row_ms / b.region_ms);
    }
    std::fprintf(stderr, "(checksum %llu)\n", static_cast<unsigned long long>(checksum));
    return 0;
}
