// parcrop-prepare's logic, as a library so that tests can call it directly: choosing a
// restart interval, finding the JPEGs of a dataset, rewriting one file safely, and
// running a batch on a thread pool with progress and a summary.
//
// Safety contract of prepare_file: the original is never modified in place. The new
// file is written to a temporary file in the target's directory (mkstemp), fsync'ed,
// read back, decoded fully and compared pixel for pixel with the original, and only
// then renamed over the target (atomic on POSIX). On any failure or interruption the
// temporary file is removed and the target is left as it was.
#pragma once

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace parcrop_prepare {

// Default pixels per restart interval. Measured on photographic test images (4000x4000
// gray q90, 2560x1600, 512x512 and 500x375 4:2:0), against the same files rewritten with
// optimized tables and no markers: a marker every ~128 px costs 1.0-2.2%, every ~64 px
// 2.1-4.3% (over the 3% budget), every 32 px 4-11%. Compared with the original files,
// which use the standard tables, the default makes them 1-6% smaller.
constexpr uint32_t kDefaultIntervalPixels = 128;

// The restart interval, in MCUs, for an image with `mcus_per_row` MCUs of `mcu_width`
// pixels per row: a divisor of mcus_per_row (so that no interval straddles two MCU
// rows) whose width in pixels is closest to `target_pixels` on a log scale, ties going
// to the larger one. Divisors narrower than target_pixels / 2 are not considered, except
// the whole row, which is always a candidate (a prime MCU count gets one interval per
// row rather than one per MCU). Returns 0 when mcus_per_row is 0; never over 65535.
uint32_t choose_restart_interval(uint32_t mcus_per_row, uint32_t mcu_width, uint32_t target_pixels);

struct Options {
    uint32_t interval_mcus = 0;  // exact interval in MCUs [0 = choose from interval_pixels]
    uint32_t interval_pixels = kDefaultIntervalPixels;  // target width of one interval
    bool to_baseline = true;     // rewrite progressive input as baseline [true]; false skips it
    bool force = false;          // rewrite files that already have a suitable interval [false]
    bool drop_trailing_data = false;  // allow losing non-padding bytes after EOI [false]
    bool dry_run = false;        // do everything in memory, write nothing [false]
    bool preserve_times = true;  // keep the original's atime/mtime on the new file [true]
    // Test hook: called with the temporary file's path after it is written and fsync'ed,
    // before it is read back and verified. A test can damage it to simulate a bad write.
    std::function<void(const std::string& temp_path)> before_verify;
};

// One file to process. `output` equals `input` for in-place rewriting.
struct Job {
    std::string input;
    std::string output;
};

enum class Outcome {
    rewritten,    // a new file is in place (or would be, in a dry run)
    skipped,      // left alone, for `reason` (in output-folder mode, copied unchanged)
    failed,       // an error; the original is untouched; `reason` says what happened
    interrupted,  // abandoned because of SIGINT/SIGTERM; the original is untouched
};

const char* outcome_name(Outcome outcome);

struct FileResult {
    Outcome outcome = Outcome::failed;
    std::string reason;  // skipped: a short category (summaries group by it); failed: the error
    uint64_t bytes_before = 0;
    uint64_t bytes_after = 0;      // rewritten only
    uint32_t restart_interval = 0;  // chosen (rewritten) or found (skipped as suitable), in MCUs
    uint32_t mcu_width = 0;
    uint32_t mcus_per_row = 0;
    bool was_progressive = false;
    bool copied = false;  // output-folder mode: a skipped file was copied unchanged
};

FileResult prepare_file(const Job& job, const Options& options, const std::atomic<bool>* cancel);

// Expands command-line paths. A file argument is taken whatever its name (its content
// is checked later); a folder is walked recursively (symbolic links to folders are not
// followed) for *.jpg, *.jpeg, *.jpe and *.jfif in any case, or every regular file with
// `all_files`; an output folder inside it is not walked. With an output folder, a file
// found under folder argument D goes to output_dir / (its path relative to D), and a
// file argument to output_dir / its name.
// Two inputs that would land on the same output are an error for the second.
struct Discovery {
    std::vector<Job> jobs;
    std::vector<std::string> errors;
};
Discovery discover_inputs(const std::vector<std::string>& paths, const std::string& output_dir,
                          bool all_files);

enum class ProgressMode {
    none,     // --quiet
    line,     // one line rewritten in place (a terminal)
    periodic  // a plain line every few seconds (a log file or pipe)
};

struct RunConfig {
    unsigned threads = 0;  // 0 = std::thread::hardware_concurrency()
    ProgressMode progress = ProgressMode::none;
    bool verbose = false;  // one line per file, not just per failure
    FILE* log = stderr;    // progress, per-file lines and failures
};

struct Summary {
    size_t total = 0;
    size_t rewritten = 0;
    size_t skipped = 0;
    size_t copied = 0;  // skipped files copied unchanged to the output folder
    size_t failed = 0;
    size_t not_processed = 0;  // interrupted or never started
    std::map<std::string, size_t> skip_reasons;
    uint64_t bytes_before = 0;  // of the rewritten files
    uint64_t bytes_after = 0;
    bool interrupted = false;
    double seconds = 0;
};

// Processes the jobs on a pool of threads. Once `cancel` is raised no new file is
// started, and files in flight are abandoned at their next check (their temporary files
// removed). `results`, when given, receives one entry per job in job order.
Summary run_batch(const std::vector<Job>& jobs, const Options& options, const RunConfig& config,
                  const std::atomic<bool>* cancel, std::vector<FileResult>* results);

void print_summary(FILE* out, const Summary& summary, bool dry_run);

}  // namespace parcrop_prepare
