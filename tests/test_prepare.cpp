// parcrop-prepare (tools/): the restart interval rule, lossless rewriting of every
// subsampling and of progressive input, marker preservation, skips, failures that leave
// the original byte-identical, output-folder mirroring, interruption, and the CLI.
//
// Lossless means: two independent decoders (libjpeg and stb_image) each give the same
// pixels for the original and the prepared file.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>
#include <vector>

#include <jpeglib.h>

#include "jpeg_fixtures.h"
#include "prepare_lib.h"
#include "temp_dir.h"

extern char** environ;

namespace {

namespace fs = std::filesystem;
using namespace parcrop_prepare;
using parcrop_test::JpegOptions;
using parcrop_test::Pixels;
using parcrop_test::TempDir;

std::vector<uint8_t> read_bytes(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::vector<uint8_t> make_jpeg(uint32_t width, uint32_t height, uint32_t channels, JpegOptions options,
                               uint32_t seed = 7) {
    const Pixels photo = parcrop_test::make_photo(width, height, channels, seed);
    return parcrop_test::encode_jpeg(photo.data, width, height, channels, options);
}

struct Header {
    uint32_t width = 0, height = 0;
    int components = 0;
    int max_h = 0;
    bool progressive = false;
    unsigned restart_interval = 0;
};

// Read independently of the tool's own inspect_jpeg.
Header read_header(const std::vector<uint8_t>& jpeg) {
    jpeg_decompress_struct cinfo{};
    jpeg_error_mgr errors{};
    cinfo.err = jpeg_std_error(&errors);
    jpeg_create_decompress(&cinfo);
    jpeg_mem_src(&cinfo, jpeg.data(), jpeg.size());
    jpeg_read_header(&cinfo, TRUE);
    Header h;
    h.width = cinfo.image_width;
    h.height = cinfo.image_height;
    h.components = cinfo.num_components;
    for (int c = 0; c < cinfo.num_components; ++c) h.max_h = std::max(h.max_h, cinfo.comp_info[c].h_samp_factor);
    h.progressive = cinfo.progressive_mode != FALSE;
    h.restart_interval = cinfo.restart_interval;
    jpeg_destroy_decompress(&cinfo);
    return h;
}

uint32_t mcus_per_row(const Header& h) {
    const uint32_t mcu_width = h.components == 1 ? 8 : 8 * static_cast<uint32_t>(h.max_h);
    return (h.width + mcu_width - 1) / mcu_width;
}

void require_same_pixels(const std::vector<uint8_t>& a, const std::vector<uint8_t>& b, uint32_t channels) {
    const Pixels la = parcrop_test::libjpeg_full_decode(a, channels);
    const Pixels lb = parcrop_test::libjpeg_full_decode(b, channels);
    REQUIRE(la.width == lb.width);
    REQUIRE(la.height == lb.height);
    REQUIRE(la.data == lb.data);
    const Pixels sa = parcrop_test::stb_full_decode(a, channels);
    const Pixels sb = parcrop_test::stb_full_decode(b, channels);
    REQUIRE(sa.data == sb.data);
}

std::vector<std::string> list_dir(const std::string& dir) {
    std::vector<std::string> names;
    for (const auto& entry : fs::recursive_directory_iterator(dir)) {
        names.push_back(fs::relative(entry.path(), dir).string());
    }
    std::sort(names.begin(), names.end());
    return names;
}

bool has_temp_files(const std::string& dir) {
    for (const std::string& name : list_dir(dir)) {
        if (name.find(".parcrop-tmp-") != std::string::npos) return true;
    }
    return false;
}

// Position of the first marker `code` (FF code) at or after `from`, or npos.
size_t find_marker(const std::vector<uint8_t>& jpeg, uint8_t code, size_t from = 2) {
    for (size_t i = from; i + 1 < jpeg.size(); ++i) {
        if (jpeg[i] == 0xFF && jpeg[i + 1] == code) return i;
    }
    return std::string::npos;
}

std::vector<uint8_t> segment(uint8_t code, const std::string& payload) {
    const size_t length = payload.size() + 2;
    std::vector<uint8_t> s(payload.size() + 4);
    s[0] = 0xFF;
    s[1] = code;
    s[2] = static_cast<uint8_t>(length >> 8);
    s[3] = static_cast<uint8_t>(length & 0xFF);
    std::memcpy(s.data() + 4, payload.data(), payload.size());
    return s;
}

// Inserts EXIF-like APP1, ICC-like APP2 and a COM segment after the JFIF APP0 segment.
std::vector<uint8_t> with_markers(std::vector<uint8_t> jpeg, std::vector<std::vector<uint8_t>>* segments) {
    const size_t app0 = find_marker(jpeg, 0xE0);
    REQUIRE(app0 == 2);
    const size_t after_app0 = app0 + 2 + (size_t{jpeg[app0 + 2]} << 8 | jpeg[app0 + 3]);
    segments->push_back(segment(0xE1, std::string("Exif\0\0MM\0*\0\0\0\x08 fake exif", 24)));
    segments->push_back(segment(0xE2, std::string("ICC_PROFILE\0\x01\x01 fake icc profile", 31)));
    segments->push_back(segment(0xFE, "a comment kept verbatim"));
    std::vector<uint8_t> inserted;
    for (const auto& s : *segments) inserted.insert(inserted.end(), s.begin(), s.end());
    jpeg.insert(jpeg.begin() + static_cast<long>(after_app0), inserted.begin(), inserted.end());
    return jpeg;
}

size_t find_bytes(const std::vector<uint8_t>& haystack, const std::vector<uint8_t>& needle) {
    auto it = std::search(haystack.begin(), haystack.end(), needle.begin(), needle.end());
    return it == haystack.end() ? std::string::npos : static_cast<size_t>(it - haystack.begin());
}

Job in_place(const std::string& path) { return Job{path, path}; }

}  // namespace

TEST_CASE("prepare: the restart interval divides the MCUs per row and is near the target", "[prepare]") {
    CHECK(choose_restart_interval(32, 16, 128) == 8);   // 500 px 4:2:0: 8 MCUs = 128 px
    CHECK(choose_restart_interval(160, 16, 128) == 8);  // 2560 px 4:2:0
    CHECK(choose_restart_interval(500, 8, 128) == 20);  // 4000 px gray: 160 px beats 80 px
    CHECK(choose_restart_interval(37, 16, 128) == 37);  // prime: one interval per row, not one per MCU
    CHECK(choose_restart_interval(1, 16, 128) == 1);
    CHECK(choose_restart_interval(4, 16, 128) == 4);    // a narrow image: the whole row
    CHECK(choose_restart_interval(64, 8, 64) == 8);
    CHECK(choose_restart_interval(0, 8, 128) == 0);
    for (uint32_t mcus = 1; mcus <= 700; ++mcus) {
        for (uint32_t width : {8u, 16u, 32u}) {
            for (uint32_t target : {16u, 64u, 128u, 256u}) {
                const uint32_t r = choose_restart_interval(mcus, width, target);
                REQUIRE(r >= 1);
                REQUIRE(mcus % r == 0);
                REQUIRE((r == mcus || uint64_t{r} * width * 2 >= target));
            }
        }
    }
}

TEST_CASE("prepare: lossless for every subsampling and for progressive input", "[prepare]") {
    struct Case {
        const char* name;
        uint32_t channels;
        int h, v;
        bool progressive;
        uint32_t width, height;
    };
    const Case cases[] = {
        {"4:4:4", 3, 1, 1, false, 333, 211}, {"4:2:2", 3, 2, 1, false, 400, 170},
        {"4:2:0", 3, 2, 2, false, 517, 263}, {"4:4:0", 3, 1, 2, false, 240, 99},
        {"gray", 1, 1, 1, false, 621, 130},  {"progressive 4:2:0", 3, 2, 2, true, 480, 320},
        {"progressive gray", 1, 1, 1, true, 250, 77}, {"1x1", 3, 2, 2, false, 1, 1},
    };
    for (const Case& c : cases) {
        SECTION(c.name) {
            JpegOptions o;
            o.h_samp = c.h;
            o.v_samp = c.v;
            o.progressive = c.progressive;
            std::vector<std::vector<uint8_t>> segments;
            const std::vector<uint8_t> original = with_markers(make_jpeg(c.width, c.height, c.channels, o), &segments);
            TempDir dir;
            const std::string path = dir.write("image.jpg", original);

            const FileResult result = prepare_file(in_place(path), Options{}, nullptr);
            INFO(result.reason);
            REQUIRE(result.outcome == Outcome::rewritten);
            CHECK(result.was_progressive == c.progressive);
            const std::vector<uint8_t> prepared = read_bytes(path);
            CHECK(result.bytes_before == original.size());
            CHECK(result.bytes_after == prepared.size());

            require_same_pixels(original, prepared, c.channels);

            const Header header = read_header(prepared);
            CHECK_FALSE(header.progressive);
            CHECK(header.restart_interval == result.restart_interval);
            REQUIRE(header.restart_interval >= 1);
            CHECK(mcus_per_row(header) == result.mcus_per_row);
            CHECK(mcus_per_row(header) % header.restart_interval == 0);

            // APP1, APP2 and COM verbatim and in order, right after the JFIF APP0.
            size_t at = 0;
            for (const auto& s : segments) {
                const size_t found = find_bytes(prepared, s);
                REQUIRE(found != std::string::npos);
                CHECK(found > at);
                at = found;
            }
            CHECK(find_marker(prepared, 0xE0) == 2);
            CHECK(list_dir(dir.path("")) == std::vector<std::string>{"image.jpg"});
        }
    }
}

TEST_CASE("prepare: chosen intervals match the options", "[prepare]") {
    TempDir dir;
    const std::vector<uint8_t> original = make_jpeg(640, 48, 3, JpegOptions{});  // 4:2:0: 40 MCUs per row
    SECTION("default: 8 MCUs (128 px)") {
        const std::string path = dir.write("a.jpg", original);
        REQUIRE(prepare_file(in_place(path), Options{}, nullptr).outcome == Outcome::rewritten);
        CHECK(read_header(read_bytes(path)).restart_interval == 8);
    }
    SECTION("--interval-pixels 64: 4 MCUs") {
        const std::string path = dir.write("a.jpg", original);
        Options options;
        options.interval_pixels = 64;
        REQUIRE(prepare_file(in_place(path), options, nullptr).outcome == Outcome::rewritten);
        CHECK(read_header(read_bytes(path)).restart_interval == 4);
    }
    SECTION("--interval-mcus 5") {
        const std::string path = dir.write("a.jpg", original);
        Options options;
        options.interval_mcus = 5;
        REQUIRE(prepare_file(in_place(path), options, nullptr).outcome == Outcome::rewritten);
        CHECK(read_header(read_bytes(path)).restart_interval == 5);
        require_same_pixels(original, read_bytes(path), 3);
    }
}

TEST_CASE("prepare: skips, with reasons, and leaves skipped files byte-identical", "[prepare]") {
    TempDir dir;
    Options options;
    SECTION("already suitable, unless --force") {
        JpegOptions o;
        o.restart_mcus = 8;  // 640 px 4:2:0: 40 MCUs per row, 8 divides it
        const std::vector<uint8_t> original = make_jpeg(640, 64, 3, o);
        const std::string path = dir.write("a.jpg", original);
        FileResult r = prepare_file(in_place(path), options, nullptr);
        CHECK(r.outcome == Outcome::skipped);
        CHECK(r.reason.find("suitable") != std::string::npos);
        CHECK(read_bytes(path) == original);
        options.force = true;
        r = prepare_file(in_place(path), options, nullptr);
        CHECK(r.outcome == Outcome::rewritten);
        require_same_pixels(original, read_bytes(path), 3);
    }
    SECTION("an interval that straddles rows is not suitable") {
        JpegOptions o;
        o.restart_mcus = 7;  // does not divide 40
        const std::vector<uint8_t> original = make_jpeg(640, 64, 3, o);
        const std::string path = dir.write("a.jpg", original);
        CHECK(prepare_file(in_place(path), options, nullptr).outcome == Outcome::rewritten);
        CHECK(read_header(read_bytes(path)).restart_interval == 8);
    }
    SECTION("--keep-progressive") {
        JpegOptions o;
        o.progressive = true;
        const std::vector<uint8_t> original = make_jpeg(200, 100, 3, o);
        const std::string path = dir.write("a.jpg", original);
        options.to_baseline = false;
        const FileResult r = prepare_file(in_place(path), options, nullptr);
        CHECK(r.outcome == Outcome::skipped);
        CHECK(r.reason.find("progressive") != std::string::npos);
        CHECK(read_bytes(path) == original);
    }
    SECTION("arithmetic coding") {
        JpegOptions o;
        o.arithmetic = true;
        const std::vector<uint8_t> original = make_jpeg(200, 100, 3, o);
        const std::string path = dir.write("a.jpg", original);
        const FileResult r = prepare_file(in_place(path), options, nullptr);
        CHECK(r.outcome == Outcome::skipped);
        CHECK(r.reason.find("arithmetic") != std::string::npos);
        CHECK(read_bytes(path) == original);
    }
    SECTION("12-bit and lossless (SOF3) headers") {
        std::vector<uint8_t> twelve = make_jpeg(64, 64, 3, JpegOptions{});
        const size_t sof = find_marker(twelve, 0xC0);
        REQUIRE(sof != std::string::npos);
        std::vector<uint8_t> lossless = twelve;
        twelve[sof + 4] = 12;      // sample precision
        lossless[sof + 1] = 0xC3;  // SOF3
        for (const auto& bytes : {twelve, lossless}) {
            const std::string path = dir.write("odd.jpg", bytes);
            const FileResult r = prepare_file(in_place(path), options, nullptr);
            INFO(r.reason);
            CHECK(r.outcome == Outcome::skipped);
            CHECK(r.reason.find("unsupported") != std::string::npos);
            CHECK(read_bytes(path) == bytes);
        }
    }
    SECTION("not a JPEG") {
        const std::vector<uint8_t> text = {'h', 'e', 'l', 'l', 'o'};
        const std::string path = dir.write("fake.jpg", text);
        const FileResult r = prepare_file(in_place(path), options, nullptr);
        CHECK(r.outcome == Outcome::skipped);
        CHECK(read_bytes(path) == text);
    }
    SECTION("data after EOI is not silently dropped") {
        std::vector<uint8_t> original = make_jpeg(128, 64, 3, JpegOptions{});
        const std::string trailer = "a second picture or a vendor trailer";
        original.insert(original.end(), trailer.begin(), trailer.end());
        const std::string path = dir.write("a.jpg", original);
        FileResult r = prepare_file(in_place(path), options, nullptr);
        CHECK(r.outcome == Outcome::skipped);
        CHECK(r.reason.find("after the end") != std::string::npos);
        CHECK(read_bytes(path) == original);
        options.drop_trailing_data = true;
        r = prepare_file(in_place(path), options, nullptr);
        CHECK(r.outcome == Outcome::rewritten);
        require_same_pixels(original, read_bytes(path), 3);
    }
    SECTION("a file with several hard links, in place") {
        const std::vector<uint8_t> original = make_jpeg(128, 64, 3, JpegOptions{});
        const std::string path = dir.write("a.jpg", original);
        REQUIRE(::link(path.c_str(), dir.path("b.jpg").c_str()) == 0);
        const FileResult r = prepare_file(in_place(path), options, nullptr);
        CHECK(r.outcome == Outcome::skipped);
        CHECK(read_bytes(path) == original);
    }
    CHECK_FALSE(has_temp_files(dir.path("")));
}

TEST_CASE("prepare: damaged input is reported and left byte-identical", "[prepare]") {
    const std::vector<uint8_t> good = make_jpeg(320, 240, 3, JpegOptions{});
    std::vector<std::pair<std::string, std::vector<uint8_t>>> damaged;
    damaged.emplace_back("truncated", std::vector<uint8_t>(good.begin(), good.begin() + good.size() / 2));
    damaged.emplace_back("header only", std::vector<uint8_t>(good.begin(), good.begin() + 200));
    {
        std::vector<uint8_t> zero_width = good;
        const size_t sof = find_marker(zero_width, 0xC0);
        zero_width[sof + 7] = 0;
        zero_width[sof + 8] = 0;
        damaged.emplace_back("zero width", zero_width);
    }
    {
        std::vector<uint8_t> garbage = good;  // a marker in the middle of the scan data
        const size_t sos = find_marker(garbage, 0xDA);
        const size_t at = sos + (garbage.size() - sos) / 2;
        garbage[at] = 0xFF;
        garbage[at + 1] = 0xD0;
        damaged.emplace_back("stray RST marker", garbage);
    }
    damaged.emplace_back("magic only", std::vector<uint8_t>{0xFF, 0xD8, 0xFF, 0xE0, 0x00});
    for (const auto& [name, bytes] : damaged) {
        SECTION(name) {
            TempDir dir;
            const std::string path = dir.write("bad.jpg", bytes);
            const FileResult r = prepare_file(in_place(path), Options{}, nullptr);
            INFO(r.reason);
            CHECK(r.outcome == Outcome::failed);
            CHECK_FALSE(r.reason.empty());
            CHECK(read_bytes(path) == bytes);
            CHECK(list_dir(dir.path("")) == std::vector<std::string>{"bad.jpg"});
        }
    }
}

TEST_CASE("prepare: a failed verification keeps the original and removes the temporary file", "[prepare]") {
    TempDir dir;
    const std::vector<uint8_t> original = make_jpeg(256, 128, 3, JpegOptions{});
    const std::string path = dir.write("a.jpg", original);
    Options options;
    SECTION("a flipped bit in the written scan data") {
        options.before_verify = [](const std::string& temp) {
            std::vector<uint8_t> bytes = read_bytes(temp);
            const size_t sos = find_marker(bytes, 0xDA);
            REQUIRE(sos != std::string::npos);
            size_t at = sos + (bytes.size() - sos) / 2;
            while (bytes[at] == 0xFF || bytes[at - 1] == 0xFF || bytes[at] == 0x00) ++at;
            bytes[at] ^= 0x10;
            std::ofstream(temp, std::ios::binary | std::ios::trunc)
                .write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
        };
    }
    SECTION("a short write") {
        options.before_verify = [](const std::string& temp) { REQUIRE(::truncate(temp.c_str(), 1000) == 0); };
    }
    const FileResult r = prepare_file(in_place(path), options, nullptr);
    INFO(r.reason);
    CHECK(r.outcome == Outcome::failed);
    CHECK(r.reason.find("verification failed") != std::string::npos);
    CHECK(read_bytes(path) == original);
    CHECK(list_dir(dir.path("")) == std::vector<std::string>{"a.jpg"});
}

TEST_CASE("prepare: permissions and modification time are kept", "[prepare]") {
    TempDir dir;
    const std::string path = dir.write("a.jpg", make_jpeg(160, 96, 3, JpegOptions{}));
    REQUIRE(::chmod(path.c_str(), 0640) == 0);
    const struct timespec times[2] = {{1000000000, 0}, {1234567890, 500}};
    REQUIRE(::utimensat(AT_FDCWD, path.c_str(), times, 0) == 0);
    REQUIRE(prepare_file(in_place(path), Options{}, nullptr).outcome == Outcome::rewritten);
    struct stat st {};
    REQUIRE(::stat(path.c_str(), &st) == 0);
    CHECK((st.st_mode & 07777) == 0640);
    CHECK(st.st_mtim.tv_sec == 1234567890);
    CHECK(st.st_mtim.tv_nsec == 500);
}

TEST_CASE("prepare: output folder mirrors the layout, inputs untouched", "[prepare]") {
    TempDir dir;
    const std::string in = dir.path("in");
    fs::create_directories(in + "/a/b");
    const std::vector<uint8_t> x = make_jpeg(200, 120, 3, JpegOptions{}, 1);
    JpegOptions gray;
    const std::vector<uint8_t> y = make_jpeg(90, 40, 1, gray, 2);
    JpegOptions arith;
    arith.arithmetic = true;
    const std::vector<uint8_t> z = make_jpeg(64, 64, 3, arith, 3);
    const std::vector<uint8_t> text = {'n', 'o', 't', 'e', 's'};
    dir.write("in/a/b/x.jpg", x);
    dir.write("in/a/y.JPEG", y);
    dir.write("in/z.Jpg", z);
    dir.write("in/notes.txt", text);
    dir.write("in/fake.jpg", text);
    const auto before = list_dir(in);

    const Discovery found = discover_inputs({in}, dir.path("out"), false);
    CHECK(found.errors.empty());
    REQUIRE(found.jobs.size() == 4);  // notes.txt is not a JPEG name
    std::vector<FileResult> results;
    RunConfig config;
    config.threads = 2;
    config.log = nullptr;
    const Summary summary = run_batch(found.jobs, Options{}, config, nullptr, &results);
    CHECK(summary.rewritten == 2);
    CHECK(summary.skipped == 2);  // z: arithmetic (copied); fake.jpg: not a JPEG (not copied)
    CHECK(summary.copied == 1);
    CHECK(summary.failed == 0);

    CHECK(list_dir(in) == before);
    CHECK(read_bytes(in + "/a/b/x.jpg") == x);
    CHECK(read_bytes(in + "/a/y.JPEG") == y);
    CHECK(list_dir(dir.path("out")) ==
          std::vector<std::string>{"a", "a/b", "a/b/x.jpg", "a/y.JPEG", "z.Jpg"});
    require_same_pixels(x, read_bytes(dir.path("out/a/b/x.jpg")), 3);
    require_same_pixels(y, read_bytes(dir.path("out/a/y.JPEG")), 1);
    CHECK(read_bytes(dir.path("out/z.Jpg")) == z);
    CHECK(read_header(read_bytes(dir.path("out/a/b/x.jpg"))).restart_interval > 0);
}

TEST_CASE("prepare: discovery", "[prepare]") {
    TempDir dir;
    const std::vector<uint8_t> jpeg = make_jpeg(32, 32, 3, JpegOptions{});
    fs::create_directories(dir.path("in/prepared"));
    dir.write("in/a.jpg", jpeg);
    dir.write("in/b.jpeg.bak", jpeg);
    dir.write("in/prepared/a.jpg", jpeg);
    // An output folder inside the input folder is not walked.
    Discovery found = discover_inputs({dir.path("in")}, dir.path("in/prepared"), false);
    REQUIRE(found.jobs.size() == 1);
    CHECK(found.jobs[0].output == dir.path("in/prepared/a.jpg"));
    // --all-files: every file, picked by content later; a file argument whatever its name.
    found = discover_inputs({dir.path("in")}, "", true);
    CHECK(found.jobs.size() == 3);
    found = discover_inputs({dir.path("in/b.jpeg.bak"), dir.path("in/b.jpeg.bak"), dir.path("nope")}, "", false);
    CHECK(found.jobs.size() == 1);  // named twice, taken once
    CHECK(found.errors.size() == 1);
}

TEST_CASE("prepare: interruption abandons files cleanly", "[prepare]") {
    TempDir dir;
    std::vector<std::vector<uint8_t>> originals;
    std::vector<Job> jobs;
    for (int i = 0; i < 6; ++i) {
        originals.push_back(make_jpeg(256, 160, 3, JpegOptions{}, static_cast<uint32_t>(i)));
        jobs.push_back(in_place(dir.write("f" + std::to_string(i) + ".jpg", originals.back())));
    }
    std::atomic<bool> cancel{false};
    Options options;
    // The "signal" arrives while the first file is between writing and renaming.
    options.before_verify = [&](const std::string&) { cancel.store(true); };
    RunConfig config;
    config.threads = 1;
    config.log = nullptr;
    std::vector<FileResult> results;
    const Summary summary = run_batch(jobs, options, config, &cancel, &results);
    CHECK(summary.interrupted);
    CHECK(summary.rewritten == 0);
    CHECK(summary.not_processed == jobs.size());
    for (size_t i = 0; i < jobs.size(); ++i) {
        CHECK(results[i].outcome == Outcome::interrupted);
        CHECK(read_bytes(jobs[i].input) == originals[i]);
    }
    CHECK_FALSE(has_temp_files(dir.path("")));
}

#ifdef PARCROP_PREPARE_PATH
namespace {

int run_tool(const std::vector<std::string>& args, const std::string& output_file) {
    std::vector<std::string> all = {PARCROP_PREPARE_PATH};
    all.insert(all.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (std::string& a : all) argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, output_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_addopen(&actions, 2, (output_file + ".err").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    pid_t pid = 0;
    const int rc = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    REQUIRE(rc == 0);
    int status = 0;
    REQUIRE(::waitpid(pid, &status, 0) == pid);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

std::string read_text(const std::string& path) {
    const std::vector<uint8_t> bytes = read_bytes(path);
    return std::string(bytes.begin(), bytes.end());
}

}  // namespace

TEST_CASE("prepare: command line", "[prepare][cli]") {
    TempDir dir;
    const std::string data = dir.path("data");
    fs::create_directories(data + "/sub");
    const std::vector<uint8_t> good = make_jpeg(300, 200, 3, JpegOptions{});
    dir.write("data/sub/good.jpg", good);
    const std::string log = dir.path("log.txt");

    CHECK(run_tool({"-q", data}, log) == 0);
    CHECK(read_text(log).find("1 rewritten") != std::string::npos);
    require_same_pixels(good, read_bytes(data + "/sub/good.jpg"), 3);
    CHECK(run_tool({"-q", data}, log) == 0);  // second run: already suitable
    CHECK(read_text(log).find("suitable") != std::string::npos);

    const std::vector<uint8_t> bad(good.begin(), good.begin() + good.size() / 3);
    dir.write("data/bad.jpg", bad);
    CHECK(run_tool({"-q", "-j", "2", data}, log) == 1);
    CHECK(read_text(log).find("1 failed") != std::string::npos);
    CHECK(read_text(log + ".err").find("bad.jpg") != std::string::npos);
    CHECK(read_bytes(data + "/bad.jpg") == bad);

    CHECK(run_tool({"--interval-mcus", "0", data}, log) == 2);
    CHECK(run_tool({"--no-such-option", data}, log) == 2);
    CHECK(run_tool({dir.path("missing")}, log) == 1);
    CHECK_FALSE(has_temp_files(dir.path("")));
}

TEST_CASE("prepare: SIGINT stops the tool with every file either original or complete", "[prepare][cli]") {
    TempDir dir;
    const std::string data = dir.path("data");
    fs::create_directories(data);
    std::vector<std::vector<uint8_t>> originals;
    for (int i = 0; i < 40; ++i) {
        originals.push_back(make_jpeg(640, 480, 3, JpegOptions{}, static_cast<uint32_t>(i)));
        dir.write("data/f" + std::to_string(i) + ".jpg", originals.back());
    }
    std::vector<std::string> all = {PARCROP_PREPARE_PATH, "-j", "2", data};
    std::vector<char*> argv;
    for (std::string& a : all) argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
    pid_t pid = 0;
    REQUIRE(posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ) == 0);
    posix_spawn_file_actions_destroy(&actions);
    std::this_thread::sleep_for(std::chrono::milliseconds(150));
    ::kill(pid, SIGINT);
    int status = 0;
    REQUIRE(::waitpid(pid, &status, 0) == pid);
    REQUIRE(WIFEXITED(status));
    CHECK((WEXITSTATUS(status) == 130 || WEXITSTATUS(status) == 0));  // 0 if it finished first

    CHECK_FALSE(has_temp_files(data));
    for (int i = 0; i < 40; ++i) {
        const std::vector<uint8_t> now = read_bytes(data + "/f" + std::to_string(i) + ".jpg");
        if (now != originals[static_cast<size_t>(i)]) {
            CHECK(read_header(now).restart_interval > 0);
            require_same_pixels(originals[static_cast<size_t>(i)], now, 3);
        }
    }
}
#endif
