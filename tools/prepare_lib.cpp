#include "prepare_lib.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <set>
#include <thread>

#include "jpeg_rewrite.h"

namespace parcrop_prepare {

namespace fs = std::filesystem;

// ----- choosing the interval -----

uint32_t choose_restart_interval(uint32_t mcus_per_row, uint32_t mcu_width, uint32_t target_pixels) {
    if (mcus_per_row == 0 || mcu_width == 0) return 0;
    const double target = std::max<uint32_t>(target_pixels, 1);
    uint32_t best = 0;
    double best_score = 0;
    for (uint32_t d = 1; d <= mcus_per_row && d <= 65535; ++d) {
        if (mcus_per_row % d != 0) continue;
        const double span = double{1.0} * d * mcu_width;
        if (span * 2 < target && d != mcus_per_row) continue;
        const double score = std::fabs(std::log(span / target));
        if (best == 0 || score < best_score - 1e-9 || (score <= best_score + 1e-9 && d > best)) {
            best = d;
            best_score = score;
        }
    }
    if (best == 0) {
        // Only when mcus_per_row > 65535 (not possible for a valid JPEG's width) and no
        // divisor up to 65535 is wide enough: take the largest divisor that fits.
        for (uint32_t d = 65535; d >= 1; --d) {
            if (mcus_per_row % d == 0) return d;
        }
    }
    return best;
}

const char* outcome_name(Outcome outcome) {
    switch (outcome) {
        case Outcome::rewritten: return "rewritten";
        case Outcome::skipped: return "skipped";
        case Outcome::failed: return "failed";
        case Outcome::interrupted: return "interrupted";
    }
    return "?";
}

namespace {

// ----- small POSIX helpers; each returns an empty string on success -----

std::string errno_text(const std::string& what, const std::string& path) {
    return what + " " + path + ": " + std::strerror(errno);
}

std::string read_whole_file(const std::string& path, std::vector<uint8_t>* bytes) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return errno_text("cannot open", path);
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
        std::string error = errno_text("cannot stat", path);
        ::close(fd);
        return error;
    }
    bytes->clear();
    bytes->resize(static_cast<size_t>(st.st_size));
    size_t done = 0;
    while (true) {
        if (done == bytes->size()) bytes->resize(done + 65536);  // the file grew
        const ssize_t n = ::read(fd, bytes->data() + done, bytes->size() - done);
        if (n < 0) {
            if (errno == EINTR) continue;
            std::string error = errno_text("cannot read", path);
            ::close(fd);
            return error;
        }
        if (n == 0) break;
        done += static_cast<size_t>(n);
    }
    bytes->resize(done);
    ::close(fd);
    return {};
}

std::string write_all(int fd, const uint8_t* data, size_t size, const std::string& path) {
    while (size > 0) {
        const ssize_t n = ::write(fd, data, size);
        if (n < 0) {
            if (errno == EINTR) continue;
            return errno_text("cannot write", path);
        }
        data += n;
        size -= static_cast<size_t>(n);
    }
    return {};
}

// A temporary file next to the target, removed unless committed.
class TempFile {
public:
    ~TempFile() {
        if (fd_ >= 0) ::close(fd_);
        if (!path_.empty()) ::unlink(path_.c_str());
    }

    std::string create(const std::string& target) {
        const fs::path target_path(target);
        std::string dir = target_path.parent_path().string();
        if (dir.empty()) dir = ".";
        // Hidden, recognisable, and short enough for NAME_MAX whatever the original name.
        std::string name = target_path.filename().string().substr(0, 100);
        std::string pattern = dir + "/." + name + ".parcrop-tmp-XXXXXX";
        fd_ = ::mkstemp(pattern.data());
        if (fd_ < 0) return errno_text("cannot create a temporary file in", dir);
        path_ = pattern;
        return {};
    }

    // Writes, sets owner/mode/times like `original`, fsyncs and closes.
    std::string write_and_close(const uint8_t* data, size_t size, const struct stat& original,
                                bool preserve_times) {
        std::string error = write_all(fd_, data, size, path_);
        if (!error.empty()) return error;
        // Best effort: only root or the owner of both can keep the owner and group.
        if (::fchown(fd_, original.st_uid, original.st_gid) != 0) { /* keep ours */ }
        if (::fchmod(fd_, original.st_mode & 07777) != 0) return errno_text("cannot chmod", path_);
        if (preserve_times) {
            const struct timespec times[2] = {original.st_atim, original.st_mtim};
            if (::futimens(fd_, times) != 0) return errno_text("cannot set times of", path_);
        }
        if (::fsync(fd_) != 0) return errno_text("cannot fsync", path_);
        const int fd = fd_;
        fd_ = -1;
        if (::close(fd) != 0) return errno_text("cannot close", path_);
        return {};
    }

    std::string commit(const std::string& target) {
        if (::rename(path_.c_str(), target.c_str()) != 0) return errno_text("cannot rename over", target);
        path_.clear();
        // The folder is not fsync'ed: after a crash the name points to either the old or
        // the new file, both complete (the new one was fsync'ed before the rename), and
        // a second fsync per file would double the cost of a run.
        return {};
    }

    const std::string& path() const { return path_; }

private:
    int fd_ = -1;
    std::string path_;
};

bool has_jpeg_magic(const std::vector<uint8_t>& bytes) {
    return bytes.size() >= 3 && bytes[0] == 0xFF && bytes[1] == 0xD8 && bytes[2] == 0xFF;
}

bool cancelled(const std::atomic<bool>* cancel) {
    return cancel != nullptr && cancel->load(std::memory_order_relaxed);
}

// An interval good enough that rewriting the file would gain nothing: baseline, one
// interleaved scan, and an interval that tiles the MCU rows and is not much wider than
// asked for (or exactly the one asked for with --interval-mcus).
bool has_suitable_interval(const JpegInfo& info, uint32_t chosen, const Options& options) {
    if (info.progressive || info.arithmetic || info.restart_interval == 0) return false;
    if (info.comps_in_first_scan != info.components) return false;
    if (options.interval_mcus != 0) return info.restart_interval == options.interval_mcus;
    if (info.restart_interval == chosen) return true;
    if (info.mcus_per_row % info.restart_interval != 0) return false;
    const uint64_t span = uint64_t{info.restart_interval} * info.mcu_width;
    return span <= 2 * uint64_t{std::max<uint32_t>(options.interval_pixels, 1)};
}

FileResult make_result(Outcome outcome, std::string reason, uint64_t bytes_before = 0) {
    FileResult result;
    result.outcome = outcome;
    result.reason = std::move(reason);
    result.bytes_before = bytes_before;
    return result;
}

const char* error_kind(JpegError code) {
    switch (code) {
        case JpegError::ok: return "ok";
        case JpegError::corrupt: return "corrupt JPEG";
        case JpegError::truncated: return "truncated JPEG";
        case JpegError::unsupported: return "unsupported JPEG";
        case JpegError::no_memory: return "out of memory";
        case JpegError::interrupted: return "interrupted";
        case JpegError::mismatch: return "pixel mismatch";
    }
    return "error";
}

// Writes `bytes` to `target` through a verified temporary file.
// `verify` is given the bytes read back from disk and returns an error or "".
std::string replace_atomically(const std::string& target, const uint8_t* data, size_t size,
                               const struct stat& original, const Options& options,
                               const std::atomic<bool>* cancel,
                               const std::function<std::string(const std::vector<uint8_t>&)>& verify,
                               bool* interrupted) {
    *interrupted = false;
    TempFile temp;
    std::string error = temp.create(target);
    if (error.empty()) error = temp.write_and_close(data, size, original, options.preserve_times);
    if (!error.empty()) return error;
    if (options.before_verify) options.before_verify(temp.path());
    std::vector<uint8_t> written;
    error = read_whole_file(temp.path(), &written);
    if (!error.empty()) return error;
    error = verify(written);
    if (!error.empty()) return error;
    if (cancelled(cancel)) {
        *interrupted = true;
        return "interrupted before replacing the file";
    }
    return temp.commit(target);
}

std::string verify_copy(const std::vector<uint8_t>& written, const std::vector<uint8_t>& original) {
    return written == original ? std::string() : std::string("verification failed: the copy differs");
}

}  // namespace

// ----- one file -----

FileResult prepare_file(const Job& job, const Options& options, const std::atomic<bool>* cancel) {
    try {
        if (cancelled(cancel)) return make_result(Outcome::interrupted, "interrupted");
        struct stat st {};
        if (::lstat(job.input.c_str(), &st) != 0) {
            return make_result(Outcome::failed, errno_text("cannot stat", job.input));
        }
        if (S_ISLNK(st.st_mode)) return make_result(Outcome::skipped, "symbolic link (not followed)");
        if (!S_ISREG(st.st_mode)) return make_result(Outcome::skipped, "not a regular file");

        const bool in_place = job.output.empty() || job.output == job.input ||
                              [&] {
                                  std::error_code ec;
                                  return fs::equivalent(job.input, job.output, ec);
                              }();
        const std::string target = in_place ? job.input : job.output;
        if (in_place && st.st_nlink > 1) {
            // rename() would give this name a new inode and leave the other links on the
            // old content: the "same" file would then differ depending on the name.
            return make_result(Outcome::skipped, "has several hard links (use -o DIR)",
                               static_cast<uint64_t>(st.st_size));
        }

        std::vector<uint8_t> original;
        std::string error = read_whole_file(job.input, &original);
        if (!error.empty()) return make_result(Outcome::failed, error);
        if (!has_jpeg_magic(original)) return make_result(Outcome::skipped, "not a JPEG (no FF D8 FF signature)");

        // A skipped JPEG is copied unchanged in output-folder mode, so the folder holds
        // every JPEG of the dataset.
        auto skip = [&](std::string reason, const JpegInfo* info) {
            FileResult result = make_result(Outcome::skipped, std::move(reason), original.size());
            if (info != nullptr) {
                result.restart_interval = info->restart_interval;
                result.mcu_width = info->mcu_width;
                result.mcus_per_row = info->mcus_per_row;
                result.was_progressive = info->progressive;
            }
            if (in_place || options.dry_run) return result;
            std::error_code ec;
            fs::create_directories(fs::path(target).parent_path(), ec);
            bool interrupted = false;
            const std::string copy_error = replace_atomically(
                target, original.data(), original.size(), st, options, cancel,
                [&](const std::vector<uint8_t>& written) { return verify_copy(written, original); },
                &interrupted);
            if (interrupted) return make_result(Outcome::interrupted, copy_error, original.size());
            if (!copy_error.empty()) return make_result(Outcome::failed, "copying unchanged: " + copy_error, original.size());
            result.copied = true;
            return result;
        };

        JpegInfo info;
        JpegStatus status = inspect_jpeg(original.data(), original.size(), &info);
        if (status.code == JpegError::unsupported) {
            return skip(std::string("unsupported: ") + status.message, nullptr);
        }
        if (status.code != JpegError::ok) {
            return make_result(Outcome::failed, std::string(error_kind(status.code)) + ": " + status.message,
                               original.size());
        }
        if (info.precision != 8) return skip("unsupported: " + std::to_string(info.precision) + "-bit samples", &info);
        if (info.arithmetic) return skip("unsupported: arithmetic coding", &info);
        if (info.progressive && !options.to_baseline) return skip("progressive (kept with --keep-progressive)", &info);

        const uint32_t chosen = options.interval_mcus != 0
                                    ? options.interval_mcus
                                    : choose_restart_interval(info.mcus_per_row, info.mcu_width, options.interval_pixels);
        if (!options.force && has_suitable_interval(info, chosen, options)) {
            return skip("already has a suitable restart interval", &info);
        }

        RewriteOutput rewritten;
        status = rewrite_jpeg(original.data(), original.size(), chosen, cancel, &rewritten);
        std::vector<uint8_t> bytes;
        if (rewritten.data != nullptr) {
            bytes.assign(rewritten.data, rewritten.data + rewritten.size);
            std::free(rewritten.data);
        }
        if (status.code == JpegError::interrupted) return make_result(Outcome::interrupted, "interrupted", original.size());
        if (status.code == JpegError::unsupported) return skip(std::string("unsupported: ") + status.message, &info);
        if (status.code != JpegError::ok) {
            return make_result(Outcome::failed, std::string(error_kind(status.code)) + ": " + status.message,
                               original.size());
        }
        if (rewritten.trailing_bytes > 0 && !rewritten.trailing_is_padding && !options.drop_trailing_data) {
            return skip("data after the end of the image would be lost (--drop-trailing-data)", &info);
        }

        // The new header must say what we asked for.
        JpegInfo written_info;
        status = inspect_jpeg(bytes.data(), bytes.size(), &written_info);
        if (status.code != JpegError::ok || written_info.restart_interval != chosen || written_info.progressive ||
            written_info.arithmetic || written_info.comps_in_first_scan != written_info.components) {
            return make_result(Outcome::failed, "internal error: the rewritten header is not as requested",
                               original.size());
        }

        auto verify = [&](const std::vector<uint8_t>& candidate) -> std::string {
            const JpegStatus compared = compare_jpeg_pixels(original.data(), original.size(), candidate.data(),
                                                            candidate.size(), cancel);
            if (compared.code == JpegError::ok) return {};
            if (compared.code == JpegError::interrupted) return "interrupted";
            return std::string("verification failed (") + error_kind(compared.code) + "): " + compared.message;
        };

        FileResult result;
        result.outcome = Outcome::rewritten;
        result.bytes_before = original.size();
        result.bytes_after = bytes.size();
        result.restart_interval = chosen;
        result.mcu_width = info.mcu_width;
        result.mcus_per_row = info.mcus_per_row;
        result.was_progressive = info.progressive;
        result.reason = info.progressive ? "progressive to baseline" : "";

        if (options.dry_run) {
            error = verify(bytes);
        } else {
            if (!in_place) {
                std::error_code ec;
                fs::create_directories(fs::path(target).parent_path(), ec);
                if (ec) return make_result(Outcome::failed, "cannot create the output folder: " + ec.message(), original.size());
            }
            bool interrupted = false;
            error = replace_atomically(target, bytes.data(), bytes.size(), st, options, cancel, verify, &interrupted);
            if (interrupted) return make_result(Outcome::interrupted, error, original.size());
        }
        if (error == "interrupted") return make_result(Outcome::interrupted, error, original.size());
        if (!error.empty()) return make_result(Outcome::failed, error, original.size());
        return result;
    } catch (const std::exception& e) {
        return make_result(Outcome::failed, std::string("internal error: ") + e.what());
    } catch (...) {
        return make_result(Outcome::failed, "internal error");
    }
}

// ----- finding the inputs -----

namespace {

bool has_jpeg_extension(const fs::path& path) {
    std::string ext = path.extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return ext == ".jpg" || ext == ".jpeg" || ext == ".jpe" || ext == ".jfif";
}

}  // namespace

Discovery discover_inputs(const std::vector<std::string>& paths, const std::string& output_dir, bool all_files) {
    Discovery found;
    std::set<std::string> seen_inputs;
    std::set<std::string> seen_outputs;
    auto add = [&](const fs::path& file, const fs::path& relative) {
        std::error_code ec;
        fs::path canonical = fs::weakly_canonical(file, ec);
        const std::string key = ec ? file.lexically_normal().string() : canonical.string();
        if (!seen_inputs.insert(key).second) return;  // the same file named twice
        Job job;
        job.input = file.string();
        if (output_dir.empty()) {
            job.output = job.input;
        } else {
            job.output = (fs::path(output_dir) / relative).lexically_normal().string();
            if (!seen_outputs.insert(job.output).second) {
                found.errors.push_back(job.input + ": output " + job.output + " is already the output of another input");
                return;
            }
        }
        found.jobs.push_back(std::move(job));
    };

    for (const std::string& arg : paths) {
        std::error_code ec;
        const fs::path root(arg);
        const fs::file_status status = fs::symlink_status(root, ec);
        if (ec || !fs::exists(status)) {
            found.errors.push_back(arg + ": no such file or folder");
            continue;
        }
        if (fs::is_directory(status) || (fs::is_symlink(status) && fs::is_directory(fs::status(root, ec)))) {
            std::vector<fs::path> files;
            fs::recursive_directory_iterator it(root, fs::directory_options::skip_permission_denied, ec);
            if (ec) {
                found.errors.push_back(arg + ": " + ec.message());
                continue;
            }
            for (; it != fs::recursive_directory_iterator(); it.increment(ec)) {
                if (ec) {
                    found.errors.push_back(arg + ": " + ec.message());
                    break;
                }
                const fs::directory_entry& entry = *it;
                std::error_code entry_ec;
                if (entry.is_directory(entry_ec)) {
                    // An output folder inside the input folder is not input (a second
                    // run would otherwise prepare the prepared copies).
                    if (!output_dir.empty() && fs::equivalent(entry.path(), output_dir, entry_ec)) {
                        it.disable_recursion_pending();
                    }
                    continue;
                }
                if (!all_files && !has_jpeg_extension(entry.path())) continue;
                files.push_back(entry.path());
            }
            std::sort(files.begin(), files.end());  // a stable order for logs and tests
            for (const fs::path& file : files) add(file, file.lexically_relative(root));
        } else {
            add(root, root.filename());
        }
    }
    return found;
}

// ----- the batch -----

namespace {

std::string format_duration(double seconds) {
    if (!(seconds >= 0) || seconds > 1e7) return "?";
    const long s = std::lround(seconds);
    char text[32];
    if (s >= 3600) {
        std::snprintf(text, sizeof text, "%ld:%02ld:%02ld", s / 3600, s / 60 % 60, s % 60);
    } else {
        std::snprintf(text, sizeof text, "%ld:%02ld", s / 60, s % 60);
    }
    return text;
}

class Reporter {
public:
    Reporter(const RunConfig& config, size_t total) : config_(config), total_(total) {}

    void file_done(const Job& job, const FileResult& result) {
        std::lock_guard<std::mutex> lock(mutex_);
        ++done_;
        switch (result.outcome) {
            case Outcome::rewritten: ++rewritten_; break;
            case Outcome::skipped: ++skipped_; break;
            case Outcome::failed: ++failed_; break;
            case Outcome::interrupted: break;
        }
        const bool show = result.outcome == Outcome::failed || config_.verbose;
        if (!show || config_.log == nullptr) return;
        clear_line();
        if (result.outcome == Outcome::rewritten) {
            std::fprintf(config_.log, "rewritten %s: %llu -> %llu bytes, restart every %u MCUs (%u px)%s%s\n",
                         job.input.c_str(), static_cast<unsigned long long>(result.bytes_before),
                         static_cast<unsigned long long>(result.bytes_after), result.restart_interval,
                         result.restart_interval * result.mcu_width, result.reason.empty() ? "" : ", ",
                         result.reason.c_str());
        } else {
            std::fprintf(config_.log, "%s %s: %s%s\n", outcome_name(result.outcome), job.input.c_str(),
                         result.reason.c_str(), result.copied ? " (copied unchanged)" : "");
        }
    }

    void message(const std::string& text) {
        std::lock_guard<std::mutex> lock(mutex_);
        if (config_.log == nullptr) return;
        clear_line();
        std::fprintf(config_.log, "%s\n", text.c_str());
    }

    // Called by the main thread every tick; prints when due.
    void tick(double elapsed, bool final) {
        std::lock_guard<std::mutex> lock(mutex_);
        if (config_.log == nullptr || config_.progress == ProgressMode::none) return;
        if (config_.progress == ProgressMode::periodic && !final && elapsed - last_print_ < 5.0) return;
        if (config_.progress == ProgressMode::periodic && final && done_ == last_done_printed_) return;
        last_print_ = elapsed;
        last_done_printed_ = done_;
        const double rate = elapsed > 0 ? done_ / elapsed : 0;
        const double eta = rate > 0 ? (total_ - done_) / rate : -1;
        const double percent = total_ > 0 ? 100.0 * done_ / total_ : 100.0;
        char line[256];
        std::snprintf(line, sizeof line, "%zu/%zu files (%.1f%%), %.1f files/s, ETA %s, %zu rewritten, %zu skipped, %zu failed",
                      done_, total_, percent, rate, final ? "0:00" : format_duration(eta).c_str(), rewritten_,
                      skipped_, failed_);
        if (config_.progress == ProgressMode::line) {
            std::fprintf(config_.log, "\r\033[K%s", line);
            line_shown_ = true;
            if (final) {
                std::fprintf(config_.log, "\n");
                line_shown_ = false;
            }
        } else {
            std::fprintf(config_.log, "parcrop-prepare: %s\n", line);
        }
        std::fflush(config_.log);
    }

private:
    void clear_line() {
        if (line_shown_) {
            std::fprintf(config_.log, "\r\033[K");
            line_shown_ = false;
        }
    }

    const RunConfig& config_;
    std::mutex mutex_;
    size_t total_;
    size_t done_ = 0, rewritten_ = 0, skipped_ = 0, failed_ = 0;
    size_t last_done_printed_ = static_cast<size_t>(-1);
    double last_print_ = 0;
    bool line_shown_ = false;
};

}  // namespace

Summary run_batch(const std::vector<Job>& jobs, const Options& options, const RunConfig& config,
                  const std::atomic<bool>* cancel, std::vector<FileResult>* results) {
    const auto start = std::chrono::steady_clock::now();
    auto elapsed = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(); };

    std::vector<FileResult> local(jobs.size());
    std::vector<char> started(jobs.size(), 0);
    std::atomic<size_t> next{0};
    std::atomic<size_t> finished_workers{0};
    Reporter reporter(config, jobs.size());
    std::mutex wake_mutex;
    std::condition_variable wake;

    unsigned threads = config.threads != 0 ? config.threads : std::max(1u, std::thread::hardware_concurrency());
    threads = static_cast<unsigned>(std::min<size_t>(threads, std::max<size_t>(jobs.size(), 1)));

    auto worker = [&] {
        while (!cancelled(cancel)) {
            const size_t i = next.fetch_add(1);
            if (i >= jobs.size()) break;
            started[i] = 1;
            local[i] = prepare_file(jobs[i], options, cancel);
            reporter.file_done(jobs[i], local[i]);
        }
        finished_workers.fetch_add(1);
        std::lock_guard<std::mutex> lock(wake_mutex);
        wake.notify_all();
    };
    std::vector<std::thread> pool;
    pool.reserve(threads);
    for (unsigned t = 0; t < threads; ++t) pool.emplace_back(worker);

    bool announced = false;
    while (finished_workers.load() < threads) {
        {
            std::unique_lock<std::mutex> lock(wake_mutex);
            wake.wait_for(lock, std::chrono::milliseconds(200));
        }
        if (cancelled(cancel) && !announced) {
            announced = true;
            reporter.message("parcrop-prepare: interrupted; abandoning the files in progress (originals are kept)");
        }
        reporter.tick(elapsed(), false);
    }
    for (std::thread& thread : pool) thread.join();
    reporter.tick(elapsed(), true);

    Summary summary;
    summary.total = jobs.size();
    summary.interrupted = cancelled(cancel);
    for (size_t i = 0; i < jobs.size(); ++i) {
        if (!started[i]) {
            local[i] = make_result(Outcome::interrupted, "not started");
        }
        const FileResult& r = local[i];
        switch (r.outcome) {
            case Outcome::rewritten:
                ++summary.rewritten;
                summary.bytes_before += r.bytes_before;
                summary.bytes_after += r.bytes_after;
                break;
            case Outcome::skipped:
                ++summary.skipped;
                ++summary.skip_reasons[r.reason];
                if (r.copied) ++summary.copied;
                break;
            case Outcome::failed: ++summary.failed; break;
            case Outcome::interrupted: ++summary.not_processed; break;
        }
    }
    summary.seconds = elapsed();
    if (results != nullptr) *results = std::move(local);
    return summary;
}

void print_summary(FILE* out, const Summary& s, bool dry_run) {
    std::fprintf(out, "parcrop-prepare: %zu files in %.1f s: %zu %s, %zu skipped, %zu failed", s.total, s.seconds,
                 s.rewritten, dry_run ? "would be rewritten (dry run)" : "rewritten", s.skipped, s.failed);
    if (s.not_processed > 0) std::fprintf(out, ", %zu not processed (interrupted)", s.not_processed);
    std::fprintf(out, "\n");
    for (const auto& [reason, count] : s.skip_reasons) {
        std::fprintf(out, "  skipped %zu: %s\n", count, reason.c_str());
    }
    if (s.copied > 0) std::fprintf(out, "  (%zu skipped files copied unchanged to the output folder)\n", s.copied);
    if (s.rewritten > 0) {
        const double overhead = s.bytes_before > 0 ? 100.0 * (double(s.bytes_after) / double(s.bytes_before) - 1.0) : 0.0;
        std::fprintf(out, "  rewritten files: %llu bytes before, %llu after (%+.2f%%)\n",
                     static_cast<unsigned long long>(s.bytes_before), static_cast<unsigned long long>(s.bytes_after),
                     overhead);
    }
}

}  // namespace parcrop_prepare
