// The glimpses every C++ benchmark crops: x, y and scale uniform in [0, 1) from one
// fixed generator, one per file, so that the benchmarks time the same boxes.
#pragma once

#include <cstdint>
#include <vector>

#include "parcrop.h"

inline std::vector<parcrop_glimpse> make_glimpses(size_t n) {
    std::vector<parcrop_glimpse> glimpses(n);
    uint64_t state = 42;
    auto next = [&state] {
        state = state * 6364136223846793005ULL + 1442695040888963407ULL;
        return static_cast<float>(state >> 40) / static_cast<float>(1 << 24);
    };
    for (auto& g : glimpses) g = {next(), next(), next()};
    return glimpses;
}
