// Pure resampling kernels: no I/O, no threads. A crop is resized in two separable
// passes, horizontal then vertical, each with an 8-bit intermediate and 22-bit fixed
// point weights computed as Pillow computes them, so that a crop matches Pillow's
// img.crop(box).resize(size, filter) to within rounding. Rows are resampled
// horizontally as the decoder delivers them, so no full-resolution region is kept.
#pragma once

#include <cstdint>
#include <vector>

namespace parcrop {

enum class Filter { nearest, bilinear, bicubic, area, lanczos3 };

// The source pixels [0, in_size) are the pixel hull of the box [in0, in1); for each
// output pixel, `first` and `count` give the source pixels it reads and `weights`
// (count entries at o * max_count) their fixed-point weights summing to 1 << 22.
struct ResampleTaps {
    std::vector<uint32_t> first;
    std::vector<uint32_t> count;
    std::vector<int32_t> weights;
    uint32_t max_count = 0;
};

constexpr int kWeightBits = 22;

ResampleTaps compute_taps(double in0, double in1, uint32_t in_size, uint32_t out_size,
                          Filter filter);

// The source pixel that each of out_size nearest-neighbour outputs takes, in float32
// as parallel_image_crop computed it: floor(in0) + floor(frac(in0) + (o + 0.5) *
// ((in1 - in0) / out_size)), clamped to [0, in_size).
std::vector<uint32_t> nearest_indices(float in0, float in1, uint32_t in_size, uint32_t out_size);

// One row: out[o] = sum over the taps of o of in[first + k] * weight (per channel).
// `in` need only hold the pixels the taps name, `out` exactly out_size pixels.
// Vectorised for the best instruction set the CPU has (resample_simd.cpp). It builds a
// RowResampler on each call; rows that share taps should share one instead.
void resample_row(const uint8_t* in, uint32_t channels, const ResampleTaps& taps, uint8_t* out);

// The horizontal pass for one set of taps and channel count, resample_row's work with
// what the kernel derives from the taps alone (the source extent; on AVX3_DL each
// group of outputs' window, gather indices and split weights) derived once for all
// of an item's rows instead of on each. It copies the taps, so it does not see later
// changes to them (crop_plan's and orientation's flips reverse taps in place): build
// it from final taps. The instruction set is the one dispatch chooses at construction,
// and stays with it.
class RowResampler {
public:
    RowResampler(const ResampleTaps& taps, uint32_t channels);
    // One row, as resample_row(in, channels, taps, out).
    void operator()(const uint8_t* in, uint8_t* out) const { kernel(*this, in, out); }

    // What the chosen instruction set's kernel reads; resample_simd.cpp fills it.
    struct alignas(64) Vector64 {
        uint8_t bytes[64];
    };
    using Kernel = void (*)(const RowResampler&, const uint8_t* in, uint8_t* out);
    ResampleTaps taps;
    uint32_t channels = 0;
    uint32_t extent = 0;              // one past the last source pixel any output reads
    std::vector<uint64_t> words;      // per-kernel layout, see resample_simd.cpp
    std::vector<Vector64> vectors;    // per-kernel layout, see resample_simd.cpp
    Kernel kernel = nullptr;
};

// One output row from rows of an intermediate image: rows[k] is the row at source
// index taps.first[o] + k, each `width_bytes` long.
void resample_column(const uint8_t* const* rows, uint32_t width_bytes, const ResampleTaps& taps,
                     uint32_t o, uint8_t* out);

// The plain C++ passes: the definition of the output bytes, which resample_row and
// resample_column must reproduce exactly on every instruction set.
void resample_row_scalar(const uint8_t* in, uint32_t channels, const ResampleTaps& taps, uint8_t* out);
void resample_column_scalar(const uint8_t* const* rows, uint32_t width_bytes, const ResampleTaps& taps,
                            uint32_t o, uint8_t* out);

// The instruction set the dispatching passes run on now, e.g. "AVX2".
const char* resample_simd_target();

// For tests and benchmarks, which must not depend on Highway themselves: every
// instruction set compiled in that this CPU runs (Highway's target bits), its name,
// and forcing the dispatch to one of them (0 restores the normal choice). Forcing
// is process-wide and not thread-safe.
std::vector<int64_t> resample_simd_targets();
const char* resample_simd_target_name(int64_t target);
void resample_force_simd_target(int64_t target);

}  // namespace parcrop
