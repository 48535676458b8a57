// parcrop-prepare: puts restart markers into a dataset's JPEGs, losslessly, so that
// parcrop can decode only the restart intervals a crop needs. The logic lives in
// prepare_lib; this file parses arguments, installs the signal handlers and prints the
// summary.
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "prepare_lib.h"

namespace {

std::atomic<bool> g_cancel{false};
static_assert(std::atomic<bool>::is_always_lock_free, "the signal handler stores to this atomic");

extern "C" void on_signal(int) { g_cancel.store(true); }

const char kUsage[] =
    "usage: parcrop-prepare [options] PATH...\n"
    "\n"
    "Rewrites JPEG files losslessly (the DCT coefficients are copied, not re-encoded) with\n"
    "restart markers every few MCUs, so that parcrop can decode only the part of an image a\n"
    "crop needs. Huffman tables are optimized, which keeps the size change small (usually a\n"
    "saving for files written with the standard tables). Progressive files become baseline.\n"
    "Each PATH is a file or a folder (searched recursively for *.jpg, *.jpeg, *.jpe, *.jfif,\n"
    "any case); only files that start with the JPEG signature FF D8 FF are touched.\n"
    "\n"
    "Every new file is written to a temporary file in the same folder, fsync'ed, decoded\n"
    "and compared pixel for pixel with the original, and only then renamed over it; on\n"
    "any error or interruption the original is left as it was. APPn (JFIF, EXIF, ICC, XMP)\n"
    "and COM markers, permissions and times are kept.\n"
    "\n"
    "options:\n"
    "  -o, --output DIR       write to DIR, mirroring the layout under each folder argument\n"
    "                         (skipped JPEGs are copied unchanged) [rewrite in place]\n"
    "  -j, --jobs N           files processed in parallel [all cores]\n"
    "  --interval-pixels P    target width of a restart interval in pixels; the interval is\n"
    "                         the divisor of the MCUs per row closest to it [128]\n"
    "  --interval-mcus N      use exactly N MCUs per restart interval (1..65535)\n"
    "  --baseline             rewrite progressive files as baseline [on]\n"
    "  --keep-progressive     leave progressive files unchanged\n"
    "  --force                rewrite files that already have a suitable restart interval\n"
    "  --drop-trailing-data   rewrite files with data after the end of the image (for\n"
    "                         example an MPF second picture), losing that data [skip them]\n"
    "  --all-files            in folders, consider every file, not just JPEG names\n"
    "  --no-preserve-times    give new files the current time\n"
    "  -n, --dry-run          do everything in memory and report, but write nothing\n"
    "  -q, --quiet            no progress; failures and the summary only\n"
    "  -v, --verbose          one line per file\n"
    "  -h, --help             this text\n"
    "\n"
    "exit status: 0 success (files rewritten or skipped), 1 some files failed or a path was\n"
    "not found, 2 usage error, 130 interrupted (SIGINT/SIGTERM).\n";

bool parse_uint(const char* text, uint32_t low, uint32_t high, uint32_t* value) {
    if (text == nullptr || *text == '\0') return false;
    char* end = nullptr;
    errno = 0;
    const unsigned long long parsed = std::strtoull(text, &end, 10);
    if (errno != 0 || *end != '\0' || text[0] == '-' || parsed < low || parsed > high) return false;
    *value = static_cast<uint32_t>(parsed);
    return true;
}

int usage_error(const std::string& message) {
    std::fprintf(stderr, "parcrop-prepare: %s\n(see parcrop-prepare --help)\n", message.c_str());
    return 2;
}

}  // namespace

int main(int argc, char** argv) {
    using namespace parcrop_prepare;
    Options options;
    RunConfig config;
    std::string output_dir;
    std::vector<std::string> paths;
    bool quiet = false;
    bool all_files = false;
    bool no_more_options = false;

    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        auto value = [&](const char* name) -> const char* {
            if (i + 1 >= argc) return nullptr;
            (void)name;
            return argv[++i];
        };
        if (no_more_options || arg.empty() || arg[0] != '-' || arg == "-") {
            paths.push_back(arg);
        } else if (arg == "--") {
            no_more_options = true;
        } else if (arg == "-h" || arg == "--help") {
            std::fputs(kUsage, stdout);
            return 0;
        } else if (arg == "-o" || arg == "--output") {
            const char* v = value("-o");
            if (v == nullptr || *v == '\0') return usage_error("-o needs a folder");
            output_dir = v;
        } else if (arg == "-j" || arg == "--jobs") {
            if (!parse_uint(value("-j"), 1, 1024, &config.threads)) return usage_error("-j needs a number from 1 to 1024");
        } else if (arg == "--interval-mcus") {
            if (!parse_uint(value(arg.c_str()), 1, 65535, &options.interval_mcus)) {
                return usage_error("--interval-mcus needs a number from 1 to 65535");
            }
        } else if (arg == "--interval-pixels") {
            if (!parse_uint(value(arg.c_str()), 1, 1u << 20, &options.interval_pixels)) {
                return usage_error("--interval-pixels needs a positive number");
            }
        } else if (arg == "--baseline") {
            options.to_baseline = true;
        } else if (arg == "--keep-progressive") {
            options.to_baseline = false;
        } else if (arg == "--force") {
            options.force = true;
        } else if (arg == "--drop-trailing-data") {
            options.drop_trailing_data = true;
        } else if (arg == "--all-files") {
            all_files = true;
        } else if (arg == "--no-preserve-times") {
            options.preserve_times = false;
        } else if (arg == "-n" || arg == "--dry-run") {
            options.dry_run = true;
        } else if (arg == "-q" || arg == "--quiet") {
            quiet = true;
        } else if (arg == "-v" || arg == "--verbose") {
            config.verbose = true;
        } else {
            return usage_error("unknown option " + arg);
        }
    }
    if (paths.empty()) return usage_error("no file or folder given");

    config.progress = quiet ? ProgressMode::none : ::isatty(STDERR_FILENO) ? ProgressMode::line : ProgressMode::periodic;
    config.log = stderr;

    struct sigaction action {};
    action.sa_handler = on_signal;
    sigemptyset(&action.sa_mask);
    sigaction(SIGINT, &action, nullptr);
    sigaction(SIGTERM, &action, nullptr);

    Discovery discovery = discover_inputs(paths, output_dir, all_files);
    for (const std::string& error : discovery.errors) std::fprintf(stderr, "parcrop-prepare: %s\n", error.c_str());
    if (!quiet) {
        std::fprintf(stderr, "parcrop-prepare: %zu files to examine%s\n", discovery.jobs.size(),
                     options.dry_run ? " (dry run: nothing is written)" : "");
    }

    const Summary summary = run_batch(discovery.jobs, options, config, &g_cancel, nullptr);
    print_summary(stdout, summary, options.dry_run);
    std::fflush(stdout);

    if (summary.interrupted) return 130;
    return summary.failed > 0 || !discovery.errors.empty() ? 1 : 0;
}
