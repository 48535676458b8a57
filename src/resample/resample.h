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
void resample_row(const uint8_t* in, uint32_t channels, const ResampleTaps& taps, uint8_t* out);

// One output row from rows of an intermediate image: rows[k] is the row at source
// index taps.first[o] + k, each `width_bytes` long.
void resample_column(const uint8_t* const* rows, uint32_t width_bytes, const ResampleTaps& taps,
                     uint32_t o, uint8_t* out);

}  // namespace parcrop
