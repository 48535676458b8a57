// Where PNG decoding time goes, per image, single-threaded, on each folder of PNGs:
// inflating the image data alone with zlib and with ISA-L (the floor of any decoder
// built on each), libspng's whole-image decode (what parcrop used before), parcrop's
// whole-image decode, and parcrop's decode of the seed's glimpse regions (early stop,
// columns up to the crop's right edge).
//
//   png_bench IMAGES_DIR [--trials N]
#include <isa-l/igzip_lib.h>
#include <spng.h>
#include <zlib.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <string>
#include <vector>

#include "batch/crop_plan.h"
#include "decode/decoder.h"
#include "bench_files.h"
#include "seed_glimpses.h"

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

using Bytes = std::vector<uint8_t>;

uint32_t read_u32(const uint8_t* p) { return uint32_t{p[0]} << 24 | uint32_t{p[1]} << 16 | uint32_t{p[2]} << 8 | p[3]; }

// The concatenated IDAT payloads and the size of the filtered image they inflate to.
Bytes image_data(const Bytes& png, uint64_t* inflated_size) {
    Bytes stream;
    for (size_t offset = 8; offset + 12 <= png.size();) {
        const uint32_t length = read_u32(png.data() + offset);
        if (std::memcmp(png.data() + offset + 4, "IDAT", 4) == 0) {
            stream.insert(stream.end(), png.begin() + offset + 8, png.begin() + offset + 8 + length);
        }
        offset += 12 + size_t{length};
    }
    const uint32_t width = read_u32(png.data() + 16), height = read_u32(png.data() + 20);
    const uint32_t depth = png[24], color = png[25];
    const uint32_t samples = color == 2 ? 3 : color == 4 ? 2 : color == 6 ? 4 : 1;
    *inflated_size = (1 + (uint64_t{width} * samples * depth + 7) / 8) * height;
    return stream;
}

uint64_t inflate_zlib(const Bytes& stream, Bytes& out) {
    uLongf size = out.size();
    uncompress(out.data(), &size, stream.data(), stream.size());
    return out[size / 2];
}

uint64_t inflate_isal(const Bytes& stream, Bytes& out) {
    static inflate_state state;
    isal_inflate_init(&state);
    state.crc_flag = ISAL_ZLIB;
    state.next_in = const_cast<uint8_t*>(stream.data());
    state.avail_in = static_cast<uint32_t>(stream.size());
    state.next_out = out.data();
    state.avail_out = static_cast<uint32_t>(out.size());
    isal_inflate(&state);
    return out[out.size() / 2];
}

uint64_t spng_full(const Bytes& png) {
    spng_ctx* context = spng_ctx_new(0);
    spng_set_png_buffer(context, png.data(), png.size());
    spng_ihdr ihdr{};
    spng_get_ihdr(context, &ihdr);
    const int format = ihdr.color_type == SPNG_COLOR_TYPE_GRAYSCALE ? SPNG_FMT_G8 : SPNG_FMT_RGB8;
    size_t size = 0;
    spng_decoded_image_size(context, format, &size);
    Bytes out(size);
    spng_decode_image(context, out.data(), size, format, 0);
    spng_ctx_free(context);
    return out[size / 2];
}

class SumSink final : public parcrop::RowSink {
public:
    void row(uint32_t, const uint8_t* pixels) override { sum += pixels[0]; }
    uint64_t sum = 0;
};

// parcrop's decoder: the whole image, or the glimpse's region of it.
uint64_t parcrop_decode(const Bytes& png, bool whole, const parcrop_glimpse& glimpse) {
    std::unique_ptr<parcrop::Decoder> decoder;
    parcrop::ImageHeader header;
    parcrop::make_decoder({png.data(), png.size()}, parcrop::Limits{}, &decoder);
    decoder->read_header(&header);
    parcrop::DecodeRequest request;
    std::vector<uint32_t> rows;
    request.channels = 1;
    if (whole) {
        request.x1 = header.width;
        for (uint32_t y = 0; y < header.height; ++y) rows.push_back(y);
    } else {
        parcrop_box box;
        parcrop::glimpse_box(header.width, header.height, glimpse, 0.25f, &box);
        parcrop::OutputShape shape;
        shape.height = shape.width = 32;
        const parcrop::CropPlan plan =
            parcrop::plan_crop(box, header.width, header.height, 1, shape, parcrop::Filter::bilinear);
        request.x0 = plan.x0;
        request.x1 = plan.x1;
        rows = plan.needed_rows();
    }
    request.rows = &rows;
    SumSink sink;
    decoder->decode(request, sink);
    return sink.sum;
}

// Median over trials of the mean ms per file.
double time_ms(size_t files, int trials, const std::function<uint64_t(size_t)>& run, uint64_t* checksum) {
    std::vector<double> times;
    for (int t = 0; t < trials; ++t) {
        const auto start = Clock::now();
        for (size_t i = 0; i < files; ++i) *checksum += run(i);
        times.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count() / files);
    }
    std::sort(times.begin(), times.end());
    return times[times.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: %s IMAGES_DIR [--trials N]\n", argv[0]);
        return 2;
    }
    int trials = 5;
    if (argc >= 4 && !std::strcmp(argv[2], "--trials")) trials = std::max(1, std::atoi(argv[3]));
    std::vector<fs::path> folders;
    for (const auto& entry : fs::directory_iterator(argv[1])) {
        if (entry.is_directory()) folders.push_back(entry.path());
    }
    std::sort(folders.begin(), folders.end());
    std::printf("png_bench: ms per image, single-threaded, median of %d trials\n\n", trials);
    std::printf("| workload | zlib inflate | ISA-L inflate | libspng full decode | parcrop full decode | "
                "parcrop glimpse region |\n|---|---:|---:|---:|---:|---:|\n");
    uint64_t checksum = 0;
    for (const fs::path& folder : folders) {
        std::vector<fs::path> paths;  // sorted, as region_bench takes them: the same glimpse per file
        for (const auto& entry : fs::directory_iterator(folder)) {
            if (entry.path().extension() == ".png") paths.push_back(entry.path());
        }
        std::sort(paths.begin(), paths.end());
        std::vector<Bytes> files, streams;
        uint64_t inflated = 0;
        for (const fs::path& path : paths) files.push_back(read_bytes(path));
        if (files.empty()) continue;
        for (const Bytes& png : files) streams.push_back(image_data(png, &inflated));
        Bytes out(inflated);  // the folder's images share one size
        const size_t n = files.size();
        const std::vector<parcrop_glimpse> glimpses = make_glimpses(n);
        const double zlib_ms = time_ms(n, trials, [&](size_t i) { return inflate_zlib(streams[i], out); }, &checksum);
        const double isal_ms = time_ms(n, trials, [&](size_t i) { return inflate_isal(streams[i], out); }, &checksum);
        const double spng_ms = time_ms(n, trials, [&](size_t i) { return spng_full(files[i]); }, &checksum);
        const double full_ms = time_ms(n, trials, [&](size_t i) { return parcrop_decode(files[i], true, glimpses[i]); }, &checksum);
        const double region_ms = time_ms(
            n, trials, [&](size_t i) { return parcrop_decode(files[i], false, glimpses[i]); }, &checksum);
        std::printf("| %s (%zu files) | %.2f | %.2f | %.2f | %.2f (%.2fx libspng) | %.2f (%.2fx full) |\n",
                    folder.filename().c_str(), n, zlib_ms, isal_ms, spng_ms, full_ms, full_ms / spng_ms, region_ms,
                    region_ms / full_ms);
        std::fflush(stdout);
    }
    std::fprintf(stderr, "(checksum %llu)\n", static_cast<unsigned long long>(checksum));
    return 0;
}
