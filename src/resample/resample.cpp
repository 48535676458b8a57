#include "resample/resample.h"

#include <algorithm>
#include <cmath>

namespace parcrop {
namespace {

constexpr double kPi = 3.14159265358979323846;

double sinc(double x) {
    if (x == 0.0) return 1.0;
    x *= kPi;
    return std::sin(x) / x;
}

// Each filter's kernel as a type, so that compute_taps' loop calls it inline rather
// than through a pointer per tap; the arithmetic is the same either way.
struct AreaKernel {
    static constexpr double support = 0.5;
    double operator()(double x) const { return (x > -0.5 && x <= 0.5) ? 1.0 : 0.0; }
};

struct BilinearKernel {
    static constexpr double support = 1.0;
    double operator()(double x) const {
        x = std::fabs(x);
        return x < 1.0 ? 1.0 - x : 0.0;
    }
};

struct BicubicKernel {
    static constexpr double support = 2.0;
    double operator()(double x) const {
        constexpr double a = -0.5;
        x = std::fabs(x);
        if (x < 1.0) return ((a + 2.0) * x - (a + 3.0)) * x * x + 1.0;
        if (x < 2.0) return (((x - 5.0) * x + 8.0) * x - 4.0) * a;
        return 0.0;
    }
};

struct Lanczos3Kernel {
    static constexpr double support = 3.0;
    double operator()(double x) const { return (x > -3.0 && x < 3.0) ? sinc(x) * sinc(x / 3.0) : 0.0; }
};

uint8_t clip_fixed(int32_t sum) {
    sum >>= kWeightBits;
    return static_cast<uint8_t>(std::clamp<int32_t>(sum, 0, 255));
}

template <class Kernel>
ResampleTaps compute_taps_with(Kernel kernel, double in0, double in1, uint32_t in_size, uint32_t out_size) {
    const double scale = (in1 - in0) / out_size;
    // Shrinking widens the kernel by the scale factor: that is the antialiasing.
    const double filter_scale = std::max(scale, 1.0);
    const double support = Kernel::support * filter_scale;
    const uint32_t max_count = static_cast<uint32_t>(std::ceil(support)) * 2 + 1;

    ResampleTaps taps;
    taps.max_count = max_count;
    taps.first.resize(out_size);
    taps.count.resize(out_size);
    taps.weights.assign(size_t{out_size} * max_count, 0);
    std::vector<double> w(max_count);
    // A multiplication by the inverse, as Pillow's precompute_coeffs does: dividing
    // instead would round differently in the last bit now and then.
    const double inverse_filter_scale = 1.0 / filter_scale;
    for (uint32_t o = 0; o < out_size; ++o) {
        const double center = in0 + (o + 0.5) * scale;
        int64_t lo = static_cast<int64_t>(center - support + 0.5);
        int64_t hi = static_cast<int64_t>(center + support + 0.5);
        lo = std::clamp<int64_t>(lo, 0, in_size - 1);
        hi = std::clamp<int64_t>(hi, lo + 1, in_size);
        const uint32_t n = static_cast<uint32_t>(std::min<int64_t>(hi - lo, max_count));
        double total = 0.0;
        for (uint32_t k = 0; k < n; ++k) {
            w[k] = kernel((lo + k - center + 0.5) * inverse_filter_scale);
            total += w[k];
        }
        // A box narrower than one pixel can miss every kernel centre: take the
        // nearest pixel rather than produce black.
        if (total == 0.0) {
            std::fill(w.begin(), w.begin() + n, 0.0);
            const int64_t nearest = std::clamp<int64_t>(static_cast<int64_t>(center), lo, lo + n - 1);
            w[nearest - lo] = 1.0;
            total = 1.0;
        }
        int32_t* out = &taps.weights[size_t{o} * max_count];
        for (uint32_t k = 0; k < n; ++k) {
            const double v = w[k] / total * (1 << kWeightBits);
            out[k] = static_cast<int32_t>(v < 0 ? v - 0.5 : v + 0.5);
        }
        taps.first[o] = static_cast<uint32_t>(lo);
        taps.count[o] = n;
    }
    return taps;
}

}  // namespace

ResampleTaps compute_taps(double in0, double in1, uint32_t in_size, uint32_t out_size, Filter filter) {
    switch (filter) {
        case Filter::area: return compute_taps_with(AreaKernel{}, in0, in1, in_size, out_size);
        case Filter::bilinear: return compute_taps_with(BilinearKernel{}, in0, in1, in_size, out_size);
        case Filter::bicubic: return compute_taps_with(BicubicKernel{}, in0, in1, in_size, out_size);
        case Filter::lanczos3:
        case Filter::nearest:
            break;
    }
    return compute_taps_with(Lanczos3Kernel{}, in0, in1, in_size, out_size);
}

std::vector<uint32_t> nearest_indices(float in0, float in1, uint32_t in_size, uint32_t out_size) {
    const float base = std::floor(in0);
    const float frac = in0 - base;
    const float step = (in1 - in0) / static_cast<float>(out_size);
    std::vector<uint32_t> indices(out_size);
    for (uint32_t o = 0; o < out_size; ++o) {
        const float offset = std::floor(frac + (static_cast<float>(o) + 0.5f) * step);
        const double index = static_cast<double>(base) + offset;
        indices[o] = static_cast<uint32_t>(std::clamp(index, 0.0, static_cast<double>(in_size - 1)));
    }
    return indices;
}

namespace {

// Sums stay within int32: the weights of a row add up to 1 << 22 and their absolute
// values to less than 1.3 times that (Lanczos' lobes), times 255.
template <uint32_t kChannels>
void resample_row_fixed(const uint8_t* in, const ResampleTaps& taps, uint8_t* __restrict out) {
    // Locals, not the vectors: stores to `out` (uint8_t may alias anything) would
    // otherwise make the compiler reload the vectors' data pointers in the loop.
    const uint32_t out_size = static_cast<uint32_t>(taps.first.size());
    const uint32_t* const first = taps.first.data();
    const uint32_t* const count = taps.count.data();
    const int32_t* weights = taps.weights.data();
    const uint32_t stride = taps.max_count;
    constexpr int32_t kHalf = int32_t{1} << (kWeightBits - 1);
    for (uint32_t o = 0; o < out_size; ++o, out += kChannels, weights += stride) {
        const uint8_t* src = in + size_t{first[o]} * kChannels;
        const uint32_t n = count[o];
        int32_t sum[kChannels];
        for (uint32_t c = 0; c < kChannels; ++c) sum[c] = kHalf;
        for (uint32_t k = 0; k < n; ++k, src += kChannels) {
            const int32_t w = weights[k];
            for (uint32_t c = 0; c < kChannels; ++c) sum[c] += int32_t{src[c]} * w;
        }
        for (uint32_t c = 0; c < kChannels; ++c) out[c] = clip_fixed(sum[c]);
    }
}

}  // namespace

void resample_row_scalar(const uint8_t* in, uint32_t channels, const ResampleTaps& taps, uint8_t* out) {
    switch (channels) {
        case 1: return resample_row_fixed<1>(in, taps, out);
        case 3: return resample_row_fixed<3>(in, taps, out);
        default: return resample_row_fixed<4>(in, taps, out);
    }
}

void resample_column_scalar(const uint8_t* const* rows, uint32_t width_bytes, const ResampleTaps& taps,
                            uint32_t o, uint8_t* out) {
    constexpr int32_t kHalf = int32_t{1} << (kWeightBits - 1);
    const int32_t* w = &taps.weights[size_t{o} * taps.max_count];
    const uint32_t n = taps.count[o];
    for (uint32_t x = 0; x < width_bytes; ++x) {
        int32_t sum = kHalf;
        for (uint32_t k = 0; k < n; ++k) sum += int32_t{rows[k][x]} * w[k];
        out[x] = clip_fixed(sum);
    }
}

}  // namespace parcrop
