// The two resampling passes vectorised with Highway, compiled once per instruction set
// (foreach_target.h re-includes this file) and chosen at run time. They compute what
// resample_row_scalar and resample_column_scalar compute, in the same int32
// arithmetic: products of u8 pixels and 22-bit weights, summed from 1 << 21, shifted
// and clamped. int32 addition is associative, so summing in another order gives the
// same bytes. Neither pass reads a byte of `in` or of a row beyond the pixels its taps
// name, nor writes beyond `out`: the rows come straight from decoders' buffers.
#include <algorithm>
#include <cstring>

#include "resample/resample.h"

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "resample/resample_simd.cpp"
#include <hwy/foreach_target.h>  // IWYU pragma: keep
#include <hwy/highway.h>

HWY_BEFORE_NAMESPACE();
namespace parcrop {
namespace HWY_NAMESPACE {
namespace {

namespace hn = hwy::HWY_NAMESPACE;

#if HWY_TARGET != HWY_SCALAR
constexpr int32_t kHalf = int32_t{1} << (kWeightBits - 1);

inline uint8_t clip_scalar(int32_t sum) {
    sum >>= kWeightBits;
    return static_cast<uint8_t>(std::clamp<int32_t>(sum, 0, 255));
}

// One past the last source pixel any output reads. Flipped crops reverse the taps,
// so this is a maximum, not the last output's end.
uint32_t source_extent(const ResampleTaps& taps) {
    uint32_t extent = 0;
    for (size_t o = 0; o < taps.first.size(); ++o) extent = std::max(extent, taps.first[o] + taps.count[o]);
    return extent;
}

// 3 and 4 channels: a pixel is one 4-lane group of int32, one multiply per tap. A
// 3-channel pixel is loaded as 4 bytes, which is safe everywhere but at the end of the
// row; the 4th lane's sum is garbage and its byte is overwritten by the next output.
template <uint32_t kChannels>
void row_pixels(const uint8_t* in, const ResampleTaps& taps, uint8_t* HWY_RESTRICT out) {
    const hn::Full128<int32_t> d;
    const hn::Rebind<uint8_t, decltype(d)> d8;
    const uint32_t out_size = static_cast<uint32_t>(taps.first.size());
    const uint32_t* const first = taps.first.data();
    const uint32_t* const count = taps.count.data();
    const int32_t* weights = taps.weights.data();
    const uint32_t stride = taps.max_count;
    const uint32_t extent = kChannels == 3 ? source_extent(taps) : 0;
    const auto half = hn::Set(d, kHalf);
    for (uint32_t o = 0; o < out_size; ++o, out += kChannels, weights += stride) {
        const uint8_t* src = in + size_t{first[o]} * kChannels;
        const uint32_t n = count[o];
        const uint32_t whole = (kChannels == 3 && first[o] + n == extent) ? n - 1 : n;
        // Four taps a step from one load of their weights (they lie inside this
        // output's stride), into two sums so that each add waits on the one two taps
        // back rather than one.
        auto acc = half, odd = hn::Zero(d);
        size_t k = 0;
        for (; k + 4 <= whole; k += 4) {
            const auto wv = hn::LoadU(d, weights + k);
            const uint8_t* p = src + k * kChannels;
            acc = hn::Add(acc, hn::Mul(hn::PromoteTo(d, hn::LoadU(d8, p)), hn::Broadcast<0>(wv)));
            odd = hn::Add(odd, hn::Mul(hn::PromoteTo(d, hn::LoadU(d8, p + kChannels)), hn::Broadcast<1>(wv)));
            acc = hn::Add(acc, hn::Mul(hn::PromoteTo(d, hn::LoadU(d8, p + 2 * kChannels)), hn::Broadcast<2>(wv)));
            odd = hn::Add(odd, hn::Mul(hn::PromoteTo(d, hn::LoadU(d8, p + 3 * kChannels)), hn::Broadcast<3>(wv)));
        }
        for (; k < whole; ++k) {
            const auto px = hn::PromoteTo(d, hn::LoadU(d8, src + k * kChannels));
            acc = hn::Add(acc, hn::Mul(px, hn::Set(d, weights[k])));
        }
        acc = hn::Add(acc, odd);
        if (whole < n) {
            uint8_t last[4] = {0, 0, 0, 0};
            std::memcpy(last, src + whole * kChannels, kChannels);
            acc = hn::Add(acc, hn::Mul(hn::PromoteTo(d, hn::LoadU(d8, last)), hn::Set(d, weights[whole])));
        }
        // Saturating narrowing is the clamp to 0..255.
        const auto bytes = hn::DemoteTo(d8, hn::ShiftRight<kWeightBits>(acc));
        if (kChannels == 4 || o + 1 < out_size) {
            hn::StoreU(bytes, d8, out);
        } else {
            uint8_t last[4];
            hn::StoreU(bytes, d8, last);
            std::memcpy(out, last, kChannels);
        }
    }
}

template <class V>
auto to_128(V v) {
    const hn::DFromV<V> d;
    if constexpr (hn::MaxLanes(d) * sizeof(hn::TFromV<V>) > 16) {
        const hn::Half<decltype(d)> half;
        return to_128(hn::Add(hn::LowerHalf(half, v), hn::UpperHalf(half, v)));
    } else {
        return v;
    }
}

// 1 channel: an output's taps are consecutive bytes, so up to 8 taps are one vector
// (two 128-bit halves added), and four outputs' partial sums are transposed and
// added into one vector of four sums.
void row_gray(const uint8_t* in, const ResampleTaps& taps, uint8_t* HWY_RESTRICT out) {
    const hn::Full128<int32_t> d;
    const hn::Repartition<int64_t, decltype(d)> d64;
    const hn::Rebind<uint8_t, decltype(d)> d8;
    const hn::CappedTag<int32_t, 8> dw;
    const hn::Rebind<uint8_t, decltype(dw)> dw8;
    constexpr uint32_t kWide = static_cast<uint32_t>(hn::MaxLanes(dw));
    using V = hn::Vec<decltype(d)>;
    using VW = hn::Vec<decltype(dw)>;
    const uint32_t out_size = static_cast<uint32_t>(taps.first.size());
    const uint32_t* const first = taps.first.data();
    const uint32_t* const count = taps.count.data();
    const int32_t* const weights = taps.weights.data();
    const int32_t* const weights_end = weights + taps.weights.size();
    const uint32_t stride = taps.max_count;
    const uint32_t extent = source_extent(taps);

    // Lanes past the output's count get weight 0, whatever the pixels there are. Only
    // near the ends of the row and of the weights do the loads go through a copy.
    const auto dot = [&](uint32_t o) -> V {
        const uint8_t* src = in + first[o];
        const int32_t* w = weights + size_t{o} * stride;
        const uint32_t n = count[o];
        const uint32_t padded = (n + kWide - 1) / kWide * kWide;
        VW acc = hn::Zero(dw);
        if (first[o] + padded <= extent && w + padded <= weights_end) {
            uint32_t k = 0;
            for (; k + kWide <= n; k += kWide) {
                acc = hn::Add(acc, hn::Mul(hn::PromoteTo(dw, hn::LoadU(dw8, src + k)), hn::LoadU(dw, w + k)));
            }
            if (k < n) {
                const VW wv = hn::IfThenElseZero(hn::FirstN(dw, n - k), hn::LoadU(dw, w + k));
                acc = hn::Add(acc, hn::Mul(hn::PromoteTo(dw, hn::LoadU(dw8, src + k)), wv));
            }
        } else {
            for (uint32_t k = 0; k < n; k += kWide) {
                const uint32_t left = std::min<uint32_t>(n - k, kWide);
                uint8_t px[kWide] = {};
                int32_t wv[kWide] = {};
                std::memcpy(px, src + k, left);
                std::memcpy(wv, w + k, left * sizeof(int32_t));
                acc = hn::Add(acc, hn::Mul(hn::PromoteTo(dw, hn::LoadU(dw8, px)), hn::LoadU(dw, wv)));
            }
        }
        return to_128(acc);
    };

    const auto half = hn::Set(d, kHalf);
    for (uint32_t o = 0; o < out_size; o += 4) {
        const uint32_t outputs = std::min<uint32_t>(out_size - o, 4);
        const V a = dot(o);
        const V b = outputs > 1 ? dot(o + 1) : hn::Zero(d);
        const V c = outputs > 2 ? dot(o + 2) : hn::Zero(d);
        const V e = outputs > 3 ? dot(o + 3) : hn::Zero(d);
        // (a0+a2, b0+b2, a1+a3, b1+b3), then 64-bit halves interleaved and added.
        const V ab = hn::Add(hn::InterleaveLower(a, b), hn::InterleaveUpper(d, a, b));
        const V ce = hn::Add(hn::InterleaveLower(c, e), hn::InterleaveUpper(d, c, e));
        const auto ab64 = hn::BitCast(d64, ab);
        const auto ce64 = hn::BitCast(d64, ce);
        const V sums = hn::Add(hn::BitCast(d, hn::InterleaveLower(ab64, ce64)),
                               hn::BitCast(d, hn::InterleaveUpper(d64, ab64, ce64)));
        const auto bytes = hn::DemoteTo(d8, hn::ShiftRight<kWeightBits>(hn::Add(sums, half)));
        if (outputs == 4) {
            hn::StoreU(bytes, d8, out + o);
        } else {
            uint8_t last[4];
            hn::StoreU(bytes, d8, last);
            std::memcpy(out + o, last, outputs);
        }
    }
}

#endif  // HWY_TARGET != HWY_SCALAR

}  // namespace

// One-lane vectors gain nothing over the scalar passes, which Highway's scalar
// target (what GCC before 12.3 gets instead of its 128-bit emulation) falls back to.
#if HWY_TARGET == HWY_SCALAR
void RowGray(const uint8_t* in, const ResampleTaps& taps, uint8_t* out) { resample_row_scalar(in, 1, taps, out); }
void RowRgb(const uint8_t* in, const ResampleTaps& taps, uint8_t* out) { resample_row_scalar(in, 3, taps, out); }
void RowRgba(const uint8_t* in, const ResampleTaps& taps, uint8_t* out) { resample_row_scalar(in, 4, taps, out); }
void Column(const uint8_t* const* rows, uint32_t width_bytes, const ResampleTaps& taps, uint32_t o, uint8_t* out) {
    resample_column_scalar(rows, width_bytes, taps, o, out);
}
#else
void RowGray(const uint8_t* in, const ResampleTaps& taps, uint8_t* out) { row_gray(in, taps, out); }
void RowRgb(const uint8_t* in, const ResampleTaps& taps, uint8_t* out) { row_pixels<3>(in, taps, out); }
void RowRgba(const uint8_t* in, const ResampleTaps& taps, uint8_t* out) { row_pixels<4>(in, taps, out); }

// Across the row, a full vector of bytes at a time in four int32 accumulators, each
// source row's weight broadcast; the bytes past the last whole vector are done as
// the scalar pass does them.
void Column(const uint8_t* const* rows, uint32_t width_bytes, const ResampleTaps& taps, uint32_t o,
            uint8_t* HWY_RESTRICT out) {
    const int32_t* w = &taps.weights[size_t{o} * taps.max_count];
    const uint32_t n = taps.count[o];
    const hn::ScalableTag<int32_t> d;
    const hn::Rebind<uint8_t, decltype(d)> d8;
    const size_t lanes = hn::Lanes(d);
    const auto half = hn::Set(d, kHalf);
    size_t x = 0;
    for (; x + 4 * lanes <= width_bytes; x += 4 * lanes) {
        auto a0 = half, a1 = half, a2 = half, a3 = half;
        for (uint32_t k = 0; k < n; ++k) {
            const uint8_t* r = rows[k] + x;
            const auto wk = hn::Set(d, w[k]);
            a0 = hn::Add(a0, hn::Mul(hn::PromoteTo(d, hn::LoadU(d8, r)), wk));
            a1 = hn::Add(a1, hn::Mul(hn::PromoteTo(d, hn::LoadU(d8, r + lanes)), wk));
            a2 = hn::Add(a2, hn::Mul(hn::PromoteTo(d, hn::LoadU(d8, r + 2 * lanes)), wk));
            a3 = hn::Add(a3, hn::Mul(hn::PromoteTo(d, hn::LoadU(d8, r + 3 * lanes)), wk));
        }
        hn::StoreU(hn::DemoteTo(d8, hn::ShiftRight<kWeightBits>(a0)), d8, out + x);
        hn::StoreU(hn::DemoteTo(d8, hn::ShiftRight<kWeightBits>(a1)), d8, out + x + lanes);
        hn::StoreU(hn::DemoteTo(d8, hn::ShiftRight<kWeightBits>(a2)), d8, out + x + 2 * lanes);
        hn::StoreU(hn::DemoteTo(d8, hn::ShiftRight<kWeightBits>(a3)), d8, out + x + 3 * lanes);
    }
    for (; x + lanes <= width_bytes; x += lanes) {
        auto a = half;
        for (uint32_t k = 0; k < n; ++k) {
            a = hn::Add(a, hn::Mul(hn::PromoteTo(d, hn::LoadU(d8, rows[k] + x)), hn::Set(d, w[k])));
        }
        hn::StoreU(hn::DemoteTo(d8, hn::ShiftRight<kWeightBits>(a)), d8, out + x);
    }
    for (; x < width_bytes; ++x) {
        int32_t sum = kHalf;
        for (uint32_t k = 0; k < n; ++k) sum += int32_t{rows[k][x]} * w[k];
        out[x] = clip_scalar(sum);
    }
}

#endif  // HWY_TARGET == HWY_SCALAR

int64_t Target() { return HWY_TARGET; }

}  // namespace HWY_NAMESPACE
}  // namespace parcrop
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace parcrop {

HWY_EXPORT(RowGray);
HWY_EXPORT(RowRgb);
HWY_EXPORT(RowRgba);
HWY_EXPORT(Column);
HWY_EXPORT(Target);

void resample_row(const uint8_t* in, uint32_t channels, const ResampleTaps& taps, uint8_t* out) {
    switch (channels) {
        case 1: return HWY_DYNAMIC_DISPATCH(RowGray)(in, taps, out);
        case 3: return HWY_DYNAMIC_DISPATCH(RowRgb)(in, taps, out);
        default: return HWY_DYNAMIC_DISPATCH(RowRgba)(in, taps, out);
    }
}

void resample_column(const uint8_t* const* rows, uint32_t width_bytes, const ResampleTaps& taps,
                     uint32_t o, uint8_t* out) {
    HWY_DYNAMIC_DISPATCH(Column)(rows, width_bytes, taps, o, out);
}

const char* resample_simd_target() { return hwy::TargetName(HWY_DYNAMIC_DISPATCH(Target)()); }

std::vector<int64_t> resample_simd_targets() { return hwy::SupportedAndGeneratedTargets(); }

const char* resample_simd_target_name(int64_t target) { return hwy::TargetName(target); }

void resample_force_simd_target(int64_t target) { hwy::SetSupportedTargetsForTest(target); }

}  // namespace parcrop
#endif  // HWY_ONCE
