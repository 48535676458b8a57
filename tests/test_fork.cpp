// A child forked after the parent ran a batch (as PyTorch DataLoader workers are)
// must crop correctly, not hang in GNU libgomp's inherited thread pool.
#include <catch2/catch.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "image_fixtures.h"
#include "jpeg_fixtures.h"
#include "parcrop.h"
#include "temp_dir.h"

using namespace parcrop_test;

namespace {

std::vector<uint8_t> crop_batch(parcrop_context* context, const std::vector<std::string>& paths) {
    std::vector<parcrop_source> sources(paths.size());
    std::vector<parcrop_glimpse> glimpses(paths.size());
    for (size_t i = 0; i < paths.size(); ++i) {
        sources[i].path = paths[i].c_str();
        glimpses[i] = {0.1f * static_cast<float>(i), 0.5f, 0.2f};
    }
    parcrop_crop_params params;
    parcrop_crop_params_init(&params);
    std::vector<uint8_t> out(paths.size() * 32 * 32 * 3);
    std::vector<parcrop_status> status(paths.size());
    if (parcrop_crop_glimpses(context, sources.data(), glimpses.data(), paths.size(), 0.25f, &params, out.data(),
                              status.data()) != PARCROP_OK) {
        out.clear();
    }
    return out;
}

}  // namespace

TEST_CASE("a child forked after a batch crops correctly on several threads", "[fork]") {
    TempDir dir;
    std::vector<std::string> paths;
    for (uint32_t i = 0; i < 8; ++i) {
        paths.push_back(dir.write(std::to_string(i) + ".jpg",
                                  encode_jpeg(make_photo(320, 240, 3, i).data, 320, 240, 3, JpegOptions{})));
    }
    parcrop_options options;
    parcrop_options_init(&options);
    options.num_threads = 2;
    parcrop_context* context = nullptr;
    REQUIRE(parcrop_context_create(&options, &context) == PARCROP_OK);
    const std::vector<uint8_t> in_parent = crop_batch(context, paths);
    REQUIRE_FALSE(in_parent.empty());

    int pipe_fds[2];
    REQUIRE(pipe(pipe_fds) == 0);
    const pid_t child = fork();
    REQUIRE(child >= 0);
    if (child == 0) {
        alarm(60);  // a hang becomes a failure, not a stuck test run
        close(pipe_fds[0]);
        const std::vector<uint8_t> in_child = crop_batch(context, paths);
        const char verdict = in_child == in_parent ? 'Y' : 'N';
        _exit(write(pipe_fds[1], &verdict, 1) == 1 ? 0 : 1);
    }
    close(pipe_fds[1]);
    char verdict = '?';
    const ssize_t got = read(pipe_fds[0], &verdict, 1);
    close(pipe_fds[0]);
    int status = 0;
    waitpid(child, &status, 0);
    CHECK(got == 1);
    CHECK(verdict == 'Y');
    CHECK(WIFEXITED(status));
    // The parent keeps its OpenMP pool and still works.
    CHECK(crop_batch(context, paths) == in_parent);
    parcrop_context_destroy(context);
}
