// A main() for the fuzz targets without libFuzzer: runs LLVMFuzzerTestOneInput on every
// file named on the command line (directories: every regular file in them, sorted), so
// that tests/crashers/ and the seed corpus are replayed by CTest in any build, with gcc
// or clang, with or without sanitizers. An input that breaks an invariant, or runs past
// its time bound, aborts.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <signal.h>
#include <unistd.h>

#include <cstring>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace fs = std::filesystem;

namespace {

// A hang must fail the test, not stall CI: every input gets this long, even under the
// sanitizers (the slowest seed takes well under a second there).
constexpr unsigned kSecondsPerInput = 20;
char current_input[4096];

void on_alarm(int) {
    static const char kPrefix[] = "replay: an input ran longer than its time bound (a hang?): ";
    ssize_t ignored = write(STDERR_FILENO, kPrefix, sizeof kPrefix - 1);
    ignored = write(STDERR_FILENO, current_input, std::strlen(current_input));
    ignored = write(STDERR_FILENO, "\n", 1);
    (void)ignored;
    abort();
}

}  // namespace

int main(int argc, char** argv) {
    std::vector<fs::path> files;
    for (int i = 1; i < argc; ++i) {
        const fs::path path = argv[i];
        std::error_code error;
        if (fs::is_directory(path, error)) {
            std::vector<fs::path> found;
            for (const auto& entry : fs::directory_iterator(path)) {
                if (entry.is_regular_file() && entry.path().filename().string()[0] != '.') {
                    found.push_back(entry.path());
                }
            }
            std::sort(found.begin(), found.end());
            files.insert(files.end(), found.begin(), found.end());
        } else if (fs::is_regular_file(path, error)) {
            files.push_back(path);
        } else {
            std::fprintf(stderr, "replay: %s is neither a file nor a directory\n", argv[i]);
            return 2;
        }
    }
    for (const fs::path& file : files) {
        std::ifstream in(file, std::ios::binary);
        const std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        if (!in.eof() && in.fail()) {
            std::fprintf(stderr, "replay: cannot read %s\n", file.c_str());
            return 2;
        }
        std::fprintf(stderr, "replay: %s (%zu bytes)\n", file.c_str(), bytes.size());
        std::snprintf(current_input, sizeof current_input, "%s", file.c_str());
        signal(SIGALRM, on_alarm);
        alarm(kSecondsPerInput);
        LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
        alarm(0);
    }
    std::printf("replayed %zu inputs without a failure\n", files.size());
    return 0;
}
