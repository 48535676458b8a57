// Runs one crop in a forked child, so that a hang, a crash or a large allocation is
// measured instead of suffered: the child reports its status, its time and how far its
// resident memory rose above what it had at the fork.
#pragma once

#include <cstdint>
#include <vector>

#include "parcrop.h"

namespace parcrop_test {

struct IsolatedCrop {
    bool finished = false;  // false: killed at the timeout, or died (see signal)
    int signal = 0;         // the signal that ended the child, if any
    parcrop_status status = PARCROP_E_INTERNAL;
    double seconds = 0;          // wall-clock time of the crop
    double cpu_seconds = 0;      // user and system time of the crop: what it costs on a busy machine
    double peak_growth_mib = 0;  // VmHWM at the end minus VmRSS at the start
};

// A 32x32 RGB bilinear crop of `box` from `bytes`, on one thread with default options.
IsolatedCrop crop_in_child(const std::vector<uint8_t>& bytes, parcrop_box box, double timeout_seconds);

}  // namespace parcrop_test
