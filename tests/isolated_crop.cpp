#include "isolated_crop.h"

#include <poll.h>
#include <sys/resource.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>

namespace parcrop_test {
namespace {

// A field of /proc/self/status in KiB ("VmRSS", "VmHWM"), or -1.
long status_kib(const char* field) {
    FILE* file = std::fopen("/proc/self/status", "r");
    if (file == nullptr) return -1;
    char line[256];
    long value = -1;
    const size_t length = std::strlen(field);
    while (std::fgets(line, sizeof line, file) != nullptr) {
        if (std::strncmp(line, field, length) == 0 && line[length] == ':') {
            value = std::strtol(line + length + 1, nullptr, 10);
            break;
        }
    }
    std::fclose(file);
    return value;
}

struct Report {
    parcrop_status status;
    double seconds;
    double cpu_seconds;
    double peak_growth_mib;
};

double cpu_seconds_so_far() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    const auto seconds = [](const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; };
    return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

[[noreturn]] void run_child(const std::vector<uint8_t>& bytes, parcrop_box box, int report_fd) {
    // The high-water mark starts over at the child's current size.
    if (FILE* reset = std::fopen("/proc/self/clear_refs", "w")) {
        std::fputs("5", reset);
        std::fclose(reset);
    }
    const long rss_at_start = status_kib("VmRSS");
    parcrop_options options;
    parcrop_options_init(&options);
    options.num_threads = 1;
    parcrop_context* context = nullptr;
    Report report{PARCROP_E_INTERNAL, 0, 0, 0};
    std::vector<uint8_t> out(32 * 32 * 3);
    const double cpu_at_start = cpu_seconds_so_far();
    const auto start = std::chrono::steady_clock::now();
    if (parcrop_context_create(&options, &context) == PARCROP_OK) {
        parcrop_source source{nullptr, bytes.data(), bytes.size()};
        parcrop_crop_params params;
        parcrop_crop_params_init(&params);
        parcrop_crop_batch(context, &source, &box, 1, &params, out.data(), &report.status);
        parcrop_context_destroy(context);
    }
    report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    report.cpu_seconds = cpu_seconds_so_far() - cpu_at_start;
    report.peak_growth_mib = static_cast<double>(status_kib("VmHWM") - rss_at_start) / 1024.0;
    const ssize_t written = write(report_fd, &report, sizeof report);
    _exit(written == static_cast<ssize_t>(sizeof report) ? 0 : 3);
}

}  // namespace

IsolatedCrop crop_in_child(const std::vector<uint8_t>& bytes, parcrop_box box, double timeout_seconds) {
    IsolatedCrop result;
    int fds[2];
    if (pipe(fds) != 0) return result;
    const pid_t child = fork();
    if (child < 0) {
        close(fds[0]);
        close(fds[1]);
        return result;
    }
    if (child == 0) {
        close(fds[0]);
        run_child(bytes, box, fds[1]);
    }
    close(fds[1]);
    pollfd ready{fds[0], POLLIN, 0};
    const int polled = poll(&ready, 1, static_cast<int>(timeout_seconds * 1000));
    Report report{};
    const bool reported = polled == 1 && read(fds[0], &report, sizeof report) == static_cast<ssize_t>(sizeof report);
    close(fds[0]);
    if (!reported) kill(child, SIGKILL);
    int wait_status = 0;
    waitpid(child, &wait_status, 0);
    if (WIFSIGNALED(wait_status)) result.signal = WTERMSIG(wait_status);
    result.finished = reported && WIFEXITED(wait_status) && WEXITSTATUS(wait_status) == 0;
    result.status = report.status;
    result.seconds = report.seconds;
    result.cpu_seconds = report.cpu_seconds;
    result.peak_growth_mib = report.peak_growth_mib;
    return result;
}

}  // namespace parcrop_test
