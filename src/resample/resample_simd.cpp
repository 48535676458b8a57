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

// AVX3_DL (Ice Lake, Zen 4 and later) brings VNNI and VBMI, which the 3- and
// 4-channel horizontal pass is built on there; Highway leaves it out unless asked.
#ifndef HWY_WANT_AVX3_DL
#define HWY_WANT_AVX3_DL
#endif
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "resample/resample_simd.cpp"
#include <hwy/foreach_target.h>  // IWYU pragma: keep
#include <hwy/highway.h>

HWY_BEFORE_NAMESPACE();
namespace parcrop {
namespace HWY_NAMESPACE {
namespace {

namespace hn = hwy::HWY_NAMESPACE;

// Highway 1.0.3's AVX3_DL target string lacks AVX512-VNNI, though its run-time
// check for AVX3_DL requires it: the functions using VPDPBUSD add it themselves.
#undef PARCROP_HAVE_VNNI
#undef PARCROP_GROUP_ATTR
#if HWY_TARGET == HWY_AVX3_DL
#define PARCROP_HAVE_VNNI 1
#define PARCROP_GROUP_ATTR __attribute__((target(HWY_TARGET_STR ",avx512vnni")))
#else
#define PARCROP_HAVE_VNNI 0
#define PARCROP_GROUP_ATTR
#endif

#if HWY_TARGET != HWY_SCALAR
constexpr int32_t kHalf = int32_t{1} << (kWeightBits - 1);

inline uint8_t clip_scalar(int32_t sum) {
    sum >>= kWeightBits;
    return static_cast<uint8_t>(std::clamp<int32_t>(sum, 0, 255));
}

// The end of one 3- or 4-channel output: the tap on the row's last pixel, which a
// 3-channel pixel cannot load as 4 bytes (taps [whole, n)), then the shift, the
// saturating narrowing (the clamp to 0..255) and the store, 3 bytes for the row's
// last output so nothing is written past it.
template <uint32_t kChannels>
HWY_INLINE void finish_pixel(hn::Vec<hn::Full128<int32_t>> acc, const uint8_t* src, uint32_t whole, uint32_t n,
                             const int32_t* weights, bool last_output, uint8_t* HWY_RESTRICT out) {
    const hn::Full128<int32_t> d;
    const hn::Rebind<uint8_t, decltype(d)> d8;
    if (whole < n) {
        uint8_t last[4] = {0, 0, 0, 0};
        std::memcpy(last, src + whole * kChannels, kChannels);
        acc = hn::Add(acc, hn::Mul(hn::PromoteTo(d, hn::LoadU(d8, last)), hn::Set(d, weights[whole])));
    }
    const auto bytes = hn::DemoteTo(d8, hn::ShiftRight<kWeightBits>(acc));
    if (kChannels == 4 || !last_output) {
        hn::StoreU(bytes, d8, out);
    } else {
        uint8_t stored[4];
        hn::StoreU(bytes, d8, stored);
        std::memcpy(out, stored, kChannels);
    }
}

// 3 and 4 channels, one output at a time: a pixel is one 4-lane group of int32, one
// multiply per tap. A 3-channel pixel is loaded as 4 bytes, which is safe everywhere
// but at the end of the row; the 4th lane's sum is garbage and its byte is
// overwritten by the next output. On SSE4 and AVX2 this beat row_groups below, whose
// 128-bit blocks cost more to assemble than the narrower multiplies save.
template <uint32_t kChannels>
void row_pixels_single(const uint8_t* in, const ResampleTaps& taps, uint32_t extent, uint8_t* HWY_RESTRICT out) {
    const hn::Full128<int32_t> d;
    const hn::Rebind<uint8_t, decltype(d)> d8;
    const uint32_t out_size = static_cast<uint32_t>(taps.first.size());
    const uint32_t* const first = taps.first.data();
    const uint32_t* const count = taps.count.data();
    const int32_t* weights = taps.weights.data();
    const uint32_t stride = taps.max_count;
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
        finish_pixel<kChannels>(hn::Add(acc, odd), src, whole, n, weights, o + 1 == out_size, out);
    }
}

// One output of 3 or 4 channels, a pixel one 4-lane group of int32 and one multiply
// per tap: the path for outputs whose vector loads would pass the row's end. A
// 3-channel pixel is loaded as 4 bytes but for the row's last; the 4th lane's sum is
// garbage and its byte is overwritten by the next output.
template <uint32_t kChannels>
HWY_NOINLINE void one_pixel(const uint8_t* in, const ResampleTaps& taps, uint32_t extent, uint32_t o,
                            uint8_t* HWY_RESTRICT out) {
    const hn::Full128<int32_t> d;
    const hn::Rebind<uint8_t, decltype(d)> d8;
    const uint32_t out_size = static_cast<uint32_t>(taps.first.size());
    const int32_t* weights = taps.weights.data() + size_t{o} * taps.max_count;
    out += size_t{o} * kChannels;
    const uint32_t f = taps.first[o];
    const uint8_t* src = in + size_t{f} * kChannels;
    const uint32_t n = taps.count[o];
    const uint32_t whole = (kChannels == 3 && f + n == extent) ? n - 1 : n;
    auto acc = hn::Set(d, kHalf);
    for (uint32_t k = 0; k < whole; ++k) {
        const auto px = hn::PromoteTo(d, hn::LoadU(d8, src + k * kChannels));
        acc = hn::Add(acc, hn::Mul(px, hn::Set(d, weights[k])));
    }
    finish_pixel<kChannels>(acc, src, whole, n, weights, o + 1 == out_size, out);
}

template <uint32_t kChannels, class D>
HWY_INLINE hn::Vec<D> load_blocks(D d, const uint8_t* const* p) {
    if constexpr (hn::MaxLanes(d) > 16) {
        const hn::Half<D> dh;
        constexpr size_t kHalfBlocks = hn::MaxLanes(dh) / 16;
        return hn::Combine(d, load_blocks<kChannels>(dh, p + kHalfBlocks), load_blocks<kChannels>(dh, p));
    } else {
        return hn::LoadU(d, p[0]);
    }
}

template <class D>
HWY_INLINE hn::Vec<D> load_weight_blocks(D d, const int32_t* w, uint32_t stride) {
    if constexpr (hn::MaxLanes(d) > 4) {
        const hn::Half<D> dh;
        const uint32_t half_blocks = static_cast<uint32_t>(hn::MaxLanes(dh) / 4);
        return hn::Combine(d, load_weight_blocks(dh, w + size_t{half_blocks} * stride, stride),
                           load_weight_blocks(dh, w, stride));
    } else {
        return hn::LoadU(d, w);
    }
}

// 3 and 4 channels, several outputs at once: each 128-bit block of a vector is one
// output pixel, its 4 int32 lanes the channels, so an AVX-512 vector holds 4 outputs.
// A step takes four taps: one 16-byte load per output covers them (4 RGBA or 5 RGB
// pixels). The 22-bit weights are split into parts small enough for the narrow
// multiply-adds, each part's products summed apart and the sums recombined:
//  - kVnni (AVX3_DL): w = d2 * 2^16 + d1 * 2^8 + d0 with signed bytes d0, d1 in
//    [-128, 128) and d2 in [-64, 64] for |w| < 2^22: adding 0x8080 makes the low two
//    bytes d0 + 128 and d1 + 128 and the rest d2, and xor 0x80 on each of those two
//    bytes recovers d0 and d1. VPDPBUSD sums four u8 pixel x s8 digit products
//    exactly into each int32 lane: one instruction per digit for four taps of four
//    channels of four outputs.
//  - otherwise (AVX3): w = hi * 2^11 + lo with hi = w >> 11 in [-2^11, 2^11) and
//    lo = w & 0x7ff, both int16; 16-bit multiply-adds take pixel pairs (taps k, k + 1)
//    of one channel, at most 2 * 255 * 2^11 per lane.
// Recombining, (d2_sum << 16) + (d1_sum << 8) + d0_sum or (hi_sum << 11) + lo_sum
// equals the scalar sum modulo 2^32, every step being int32 addition, multiplication
// or left shift, which wrap alike; the scalar sum itself lies within int32 (see
// resample.cpp), so the two are equal.
// On AVX3_DL this serves strides over 8 taps; row_windows takes the shorter ones.
template <uint32_t kChannels, bool kVnni>
PARCROP_GROUP_ATTR void row_groups(const uint8_t* in, const ResampleTaps& taps, uint32_t extent,
                                   uint8_t* HWY_RESTRICT out) {
    const hn::ScalableTag<int32_t> d;
    const hn::Repartition<int16_t, decltype(d)> d16;
    const hn::Repartition<uint8_t, decltype(d)> du8;
    const hn::Rebind<uint8_t, decltype(d)> d8;
    constexpr uint32_t kBlocks = static_cast<uint32_t>(hn::MaxLanes(d) / 4);
    const uint32_t out_size = static_cast<uint32_t>(taps.first.size());
    const uint32_t* const first = taps.first.data();
    [[maybe_unused]] const uint32_t* const count = taps.count.data();
    const int32_t* const weights = taps.weights.data();
    const size_t weights_size = taps.weights.size();
    const uint32_t stride = taps.max_count;
    const uint32_t steps = (stride + 3) / 4;
    if (steps == 0) return;

    // Byte indices within each block; 0x80 gives a zero byte. Pixels become int16
    // lanes (tap k, tap k + 1) per channel, RGB's 4th channel zero.
    constexpr uint8_t z = 0x80;
    alignas(16) static constexpr uint8_t kPairs[2][2][16] = {
        {{0, z, 3, z, 1, z, 4, z, 2, z, 5, z, z, z, z, z}, {6, z, 9, z, 7, z, 10, z, 8, z, 11, z, z, z, z, z}},
        {{0, z, 4, z, 1, z, 5, z, 2, z, 6, z, 3, z, 7, z}, {8, z, 12, z, 9, z, 13, z, 10, z, 14, z, 11, z, 15, z}}};
    // A weight lane holds (lo, hi) as int16; these gather (hi_k, hi_k+1) etc. in pairs.
    alignas(16) static constexpr uint8_t kWeightPairs[4][16] = {
        {2, 3, 6, 7, 2, 3, 6, 7, 2, 3, 6, 7, 2, 3, 6, 7},
        {0, 1, 4, 5, 0, 1, 4, 5, 0, 1, 4, 5, 0, 1, 4, 5},
        {10, 11, 14, 15, 10, 11, 14, 15, 10, 11, 14, 15, 10, 11, 14, 15},
        {8, 9, 12, 13, 8, 9, 12, 13, 8, 9, 12, 13, 8, 9, 12, 13}};
    const auto pair0 = hn::LoadDup128(du8, kPairs[kChannels - 3][0]);
    const auto pair1 = hn::LoadDup128(du8, kPairs[kChannels - 3][1]);
    const auto hi0 = hn::LoadDup128(du8, kWeightPairs[0]);
    const auto lo0 = hn::LoadDup128(du8, kWeightPairs[1]);
    const auto hi1 = hn::LoadDup128(du8, kWeightPairs[2]);
    const auto lo1 = hn::LoadDup128(du8, kWeightPairs[3]);
    // The last step's weights past the stride belong to the next output.
    alignas(16) static constexpr int32_t kIota[4] = {0, 1, 2, 3};
    const auto last_valid = hn::LoadDup128(d, kIota) < hn::Set(d, static_cast<int32_t>(stride - (steps - 1) * 4));
    const auto lo_mask = hn::Set(d, 0x7ff);
    const auto hi_mask = hn::Set(d, static_cast<int32_t>(0xffff0000u));
    const auto half = hn::Set(d, kHalf);
    [[maybe_unused]] const auto bias = hn::Set(d, 0x8080);
    // The VNNI split (AVX3_DL) uses the next ones, the 16-bit split the ones above.
    alignas(16) static constexpr uint8_t kQuads[2][16] = {{0, 3, 6, 9, 1, 4, 7, 10, 2, 5, 8, 11, z, z, z, z},
                                                          {0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15}};
    alignas(16) static constexpr uint8_t kDigits[3][16] = {{0, 4, 8, 12, 0, 4, 8, 12, 0, 4, 8, 12, 0, 4, 8, 12},
                                                           {1, 5, 9, 13, 1, 5, 9, 13, 1, 5, 9, 13, 1, 5, 9, 13},
                                                           {2, 6, 10, 14, 2, 6, 10, 14, 2, 6, 10, 14, 2, 6, 10, 14}};
    [[maybe_unused]] const auto quad = hn::LoadDup128(du8, kQuads[kChannels - 3]);
    [[maybe_unused]] const auto digit0 = hn::LoadDup128(du8, kDigits[0]);
    [[maybe_unused]] const auto digit1 = hn::LoadDup128(du8, kDigits[1]);
    [[maybe_unused]] const auto digit2 = hn::LoadDup128(du8, kDigits[2]);

    // Outputs whose 16-byte loads or 4-weight loads would pass the row's or the
    // weights' end go through the one-pixel path.
    const size_t read_bytes = size_t{steps - 1} * 4 * kChannels + 16;

    uint32_t o = 0;
    for (; o + kBlocks <= out_size; o += kBlocks) {
        uint32_t max_first = 0;
        for (uint32_t i = 0; i < kBlocks; ++i) max_first = std::max(max_first, first[o + i]);
        if (size_t{max_first} * kChannels + read_bytes > size_t{extent} * kChannels ||
            size_t{o + kBlocks - 1} * stride + steps * 4 > weights_size) {
            for (uint32_t i = 0; i < kBlocks; ++i) one_pixel<kChannels>(in, taps, extent, o + i, out);
            continue;
        }
        const uint8_t* src[kBlocks];
        for (uint32_t i = 0; i < kBlocks; ++i) src[i] = in + size_t{first[o + i]} * kChannels;
        const int32_t* w = weights + size_t{o} * stride;
        auto acc_hi = hn::Zero(d), acc_lo = hn::Zero(d), acc_top = hn::Zero(d), unused = hn::Zero(d);
        for (uint32_t s = 0; s < steps; ++s) {
            auto wv = load_weight_blocks(d, w + s * 4, stride);
            if (s + 1 == steps) wv = hn::IfThenElseZero(last_valid, wv);
            const auto px = load_blocks<kChannels>(du8, src);
            for (uint32_t i = 0; i < kBlocks; ++i) src[i] += 4 * kChannels;
            if constexpr (kVnni) {
#if PARCROP_HAVE_VNNI
                const auto digits = hn::BitCast(du8, hn::Xor(hn::Add(wv, bias), bias));
                const auto q = hn::TableLookupBytesOr0(px, quad);
                acc_hi = hn::Vec<decltype(d)>{_mm512_dpbusd_epi32(acc_hi.raw, q.raw, hn::TableLookupBytes(digits, digit0).raw)};
                acc_lo = hn::Vec<decltype(d)>{_mm512_dpbusd_epi32(acc_lo.raw, q.raw, hn::TableLookupBytes(digits, digit1).raw)};
                acc_top = hn::Vec<decltype(d)>{_mm512_dpbusd_epi32(acc_top.raw, q.raw, hn::TableLookupBytes(digits, digit2).raw)};
#endif
            } else {
                const auto split = hn::BitCast(du8, hn::Or(hn::And(hn::ShiftLeft<5>(wv), hi_mask), hn::And(wv, lo_mask)));
                const auto p0 = hn::BitCast(d16, hn::TableLookupBytesOr0(px, pair0));
                const auto p1 = hn::BitCast(d16, hn::TableLookupBytesOr0(px, pair1));
                acc_hi = hn::ReorderWidenMulAccumulate(d, p0, hn::BitCast(d16, hn::TableLookupBytes(split, hi0)), acc_hi, unused);
                acc_lo = hn::ReorderWidenMulAccumulate(d, p0, hn::BitCast(d16, hn::TableLookupBytes(split, lo0)), acc_lo, unused);
                acc_hi = hn::ReorderWidenMulAccumulate(d, p1, hn::BitCast(d16, hn::TableLookupBytes(split, hi1)), acc_hi, unused);
                acc_lo = hn::ReorderWidenMulAccumulate(d, p1, hn::BitCast(d16, hn::TableLookupBytes(split, lo1)), acc_lo, unused);
            }
        }
        hn::Vec<decltype(d)> sum;
        if constexpr (kVnni) {
            sum = hn::Add(hn::Add(hn::ShiftLeft<16>(acc_top), hn::ShiftLeft<8>(acc_lo)), hn::Add(acc_hi, half));
        } else {
            sum = hn::Add(hn::Add(hn::ShiftLeft<11>(acc_hi), acc_lo), half);
        }
        // Saturating narrowing is the clamp to 0..255.
        const auto bytes = hn::DemoteTo(d8, hn::ShiftRight<kWeightBits>(sum));
        uint8_t* dst = out + size_t{o} * kChannels;
        if constexpr (kChannels == 4) {
            hn::StoreU(bytes, d8, dst);
        } else {
            alignas(16) static constexpr uint8_t kPack[16] = {0, 1, 2, 4, 5, 6, 8, 9, 10, 12, 13, 14, 3, 7, 11, 15};
            const auto packed = hn::TableLookupBytes(bytes, hn::LoadU(d8, kPack));
            // The byte past each group is the next output's and is rewritten by it.
            if (size_t{o} * 3 + 4 * kBlocks <= size_t{out_size} * 3) {
                hn::StoreU(packed, d8, dst);
            } else {
                uint8_t tmp[4 * kBlocks];
                hn::StoreU(packed, d8, tmp);
                std::memcpy(dst, tmp, 3 * kBlocks);
            }
        }
    }
    for (; o < out_size; ++o) one_pixel<kChannels>(in, taps, extent, o, out);
}

#if PARCROP_HAVE_VNNI
// AVX3_DL for strides up to 8 taps (every upscale, bilinear downscales up to 3x,
// bicubic up to 1.5x). A group is as many outputs as fill a vector's 16 int32 lanes
// with their channels (5 RGB outputs and one unused lane, or 4 RGBA), and its taps
// read at most 64 bytes of the row, so its pixels are one 64-byte load (masked at
// the row's end) and each step's four taps one byte permute of it: lane (output,
// channel) gets that channel of the four tap pixels, which VPDPBUSD multiplies by
// row_groups' three weight digits. Everything but the pixels (the window's place,
// the permute indices, the digits) depends on the taps alone and is laid out once by
// prepare_windows, not on every row. A group takes as many steps as its own largest
// count needs, which for most scales is fewer than the stride's. The digits' sums
// are combined by Horner's rule, (((2^21 >> 16) + d2_sum) << 8 + d1_sum) << 8 +
// d0_sum, which is row_groups' recombination with the rounding half folded in and
// the same modulo 2^32. Four groups' sums are narrowed together into one store.
//
// words, 3 per group: the window's load mask, its byte offset in the row, and
// steps | first_vector << 8, steps 0 marking a group whose taps span more than 64
// bytes (computed one output at a time). vectors, 4 per step: the permute indices,
// then digits 2, 1 and 0 of the weights, each byte where its pixel lands.
constexpr uint32_t kWindowWordsPerGroup = 3;
constexpr uint32_t kWindowMaxStride = 8;

template <uint32_t kChannels>
constexpr uint32_t kWindowOutputs = 16 / kChannels;

template <uint32_t kChannels>
void prepare_windows(RowResampler* r) {
    constexpr uint32_t kOutputs = kWindowOutputs<kChannels>;
    const ResampleTaps& taps = r->taps;
    const uint32_t out_size = static_cast<uint32_t>(taps.first.size());
    const uint32_t groups = (out_size + kOutputs - 1) / kOutputs;
    const size_t row_bytes = size_t{r->extent} * kChannels;
    r->words.assign(size_t{groups} * kWindowWordsPerGroup, 0);
    r->vectors.clear();
    for (uint32_t g = 0; g < groups; ++g) {
        const uint32_t o = g * kOutputs;
        const uint32_t outputs = std::min(kOutputs, out_size - o);
        size_t start = SIZE_MAX, end = 0;
        uint32_t steps = 0;
        for (uint32_t i = 0; i < outputs; ++i) {
            start = std::min(start, size_t{taps.first[o + i]} * kChannels);
            end = std::max(end, size_t{taps.first[o + i] + taps.count[o + i]} * kChannels);
            steps = std::max(steps, (taps.count[o + i] + 3) / 4);
        }
        if (end - start > 64) continue;
        uint64_t* words = &r->words[size_t{g} * kWindowWordsPerGroup];
        words[0] = row_bytes - start >= 64 ? ~uint64_t{0} : (uint64_t{1} << (row_bytes - start)) - 1;
        words[1] = start;
        words[2] = steps | uint64_t{r->vectors.size()} << 8;
        for (uint32_t st = 0; st < steps; ++st) {
            RowResampler::Vector64 v[4] = {};  // lanes of absent outputs and taps: index 0, weight 0
            for (uint32_t i = 0; i < outputs; ++i) {
                const uint32_t f = taps.first[o + i], n = taps.count[o + i];
                const int32_t* w = &taps.weights[size_t{o + i} * taps.max_count];
                for (uint32_t t = 0; t < 4 && 4 * st + t < n; ++t) {
                    const uint32_t k = 4 * st + t;
                    // row_groups' split: the bytes of (w + 0x8080) ^ 0x8080 are the digits.
                    const uint32_t digits = (static_cast<uint32_t>(w[k]) + 0x8080u) ^ 0x8080u;
                    for (uint32_t c = 0; c < kChannels; ++c) {
                        const size_t byte = 4 * (i * kChannels + c) + t;
                        v[0].bytes[byte] = static_cast<uint8_t>(size_t{f + k} * kChannels + c - start);
                        v[1].bytes[byte] = static_cast<uint8_t>(digits >> 16);
                        v[2].bytes[byte] = static_cast<uint8_t>(digits >> 8);
                        v[3].bytes[byte] = static_cast<uint8_t>(digits);
                    }
                }
            }
            r->vectors.insert(r->vectors.end(), v, v + 4);
        }
    }
}

template <uint32_t kChannels>
PARCROP_GROUP_ATTR void row_windows(const RowResampler& r, const uint8_t* in, uint8_t* HWY_RESTRICT out) {
    constexpr uint32_t kOutputs = kWindowOutputs<kChannels>;
    constexpr uint32_t kGroupBytes = kOutputs * kChannels;
    const uint32_t out_size = static_cast<uint32_t>(r.taps.first.size());
    const size_t out_bytes = size_t{out_size} * kChannels;
    const uint32_t groups = (out_size + kOutputs - 1) / kOutputs;
    const uint64_t* const words = r.words.data();
    const RowResampler::Vector64* const vectors = r.vectors.data();
    const __m512i half_top = _mm512_set1_epi32(kHalf >> 16);
    // After the two narrowing packs, byte 16 (j / 4) + 4 i + j % 4 is lane j of group
    // i; lane j is byte j of the group's outputs.
    alignas(64) static constexpr auto kOrder = [] {
        struct Bytes {
            uint8_t b[64];
        } order = {};
        for (uint32_t i = 0; i < 4; ++i) {
            for (uint32_t j = 0; j < kGroupBytes; ++j) order.b[i * kGroupBytes + j] = static_cast<uint8_t>(16 * (j / 4) + 4 * i + j % 4);
        }
        return order;
    }();
    const __m512i order = _mm512_load_si512(kOrder.b);
    // One group's sums shifted down, or zero with its bit set in one_at_a_time.
    const auto group_sums = [&](uint32_t group_index, uint32_t bit, uint32_t* one_at_a_time) PARCROP_GROUP_ATTR {
        if (group_index >= groups) return _mm512_setzero_si512();
        const uint64_t* group = words + size_t{group_index} * kWindowWordsPerGroup;
        const uint32_t steps = static_cast<uint32_t>(group[2] & 0xff);
        if (steps == 0) {
            *one_at_a_time |= bit;
            return _mm512_setzero_si512();
        }
        // Masked only at the row's end: the masked load costs more.
        const __m512i window = group[0] == ~uint64_t{0} ? _mm512_loadu_si512(in + group[1])
                                                         : _mm512_maskz_loadu_epi8(group[0], in + group[1]);
        const RowResampler::Vector64* v = vectors + (group[2] >> 8);
        const __m512i px = _mm512_permutexvar_epi8(_mm512_load_si512(v[0].bytes), window);
        __m512i sum;
        if (steps == 1) {
            sum = _mm512_dpbusd_epi32(half_top, px, _mm512_load_si512(v[1].bytes));
            sum = _mm512_dpbusd_epi32(_mm512_slli_epi32(sum, 8), px, _mm512_load_si512(v[2].bytes));
            sum = _mm512_dpbusd_epi32(_mm512_slli_epi32(sum, 8), px, _mm512_load_si512(v[3].bytes));
        } else {  // 2, the most a stride of 8 needs
            const __m512i px1 = _mm512_permutexvar_epi8(_mm512_load_si512(v[4].bytes), window);
            sum = _mm512_dpbusd_epi32(half_top, px, _mm512_load_si512(v[1].bytes));
            sum = _mm512_dpbusd_epi32(sum, px1, _mm512_load_si512(v[5].bytes));
            sum = _mm512_dpbusd_epi32(_mm512_slli_epi32(sum, 8), px, _mm512_load_si512(v[2].bytes));
            sum = _mm512_dpbusd_epi32(sum, px1, _mm512_load_si512(v[6].bytes));
            sum = _mm512_dpbusd_epi32(_mm512_slli_epi32(sum, 8), px, _mm512_load_si512(v[3].bytes));
            sum = _mm512_dpbusd_epi32(sum, px1, _mm512_load_si512(v[7].bytes));
        }
        return _mm512_srai_epi32(sum, kWeightBits);
    };
    for (uint32_t g = 0; g < groups; g += 4) {
        uint32_t one_at_a_time = 0;  // bit i: group g + i
        const __m512i sums0 = group_sums(g, 1, &one_at_a_time);
        const __m512i sums1 = group_sums(g + 1, 2, &one_at_a_time);
        const __m512i sums2 = group_sums(g + 2, 4, &one_at_a_time);
        const __m512i sums3 = group_sums(g + 3, 8, &one_at_a_time);
        const uint32_t o = g * kOutputs;
        // Before the store: one_pixel writes a 4th byte into the next output, which
        // the store or the next one_pixel then rewrites.
        for (uint32_t i = 0; i < 4; ++i) {
            if (((one_at_a_time >> i) & 1) == 0) continue;
            const uint32_t end = std::min(o + (i + 1) * kOutputs, out_size);
            for (uint32_t q = o + i * kOutputs; q < end; ++q) one_pixel<kChannels>(in, r.taps, r.extent, q, out);
        }
        // Signed then unsigned saturation: the clamp to 0..255.
        const __m512i bytes = _mm512_permutexvar_epi8(
            order, _mm512_packus_epi16(_mm512_packs_epi32(sums0, sums1), _mm512_packs_epi32(sums2, sums3)));
        uint8_t* dst = out + size_t{o} * kChannels;
        const size_t left = out_bytes - size_t{o} * kChannels;
        if (one_at_a_time == 0 && left >= 64) {
            _mm512_storeu_si512(dst, bytes);  // RGB's last 4 bytes are the next group's, rewritten by it
        } else {
            const size_t stored = std::min<size_t>(left, 4 * kGroupBytes);
            __mmask64 mask = stored == 64 ? ~__mmask64{0} : (__mmask64{1} << stored) - 1;
            for (uint32_t i = 0; i < 4; ++i) {
                if ((one_at_a_time >> i) & 1) mask &= ~(((__mmask64{1} << kGroupBytes) - 1) << (kGroupBytes * i));
            }
            _mm512_mask_storeu_epi8(dst, mask, bytes);
        }
    }
}
#endif  // PARCROP_HAVE_VNNI

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
void row_gray(const uint8_t* in, const ResampleTaps& taps, uint32_t extent, uint8_t* HWY_RESTRICT out) {
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
void RowScalar(const RowResampler& r, const uint8_t* in, uint8_t* out) { resample_row_scalar(in, r.channels, r.taps, out); }
void PrepareRow(RowResampler* r) { r->kernel = RowScalar; }
void Column(const uint8_t* const* rows, uint32_t width_bytes, const ResampleTaps& taps, uint32_t o, uint8_t* out) {
    resample_column_scalar(rows, width_bytes, taps, o, out);
}
#else
void RowGray(const RowResampler& r, const uint8_t* in, uint8_t* out) { row_gray(in, r.taps, r.extent, out); }
#if PARCROP_HAVE_VNNI
void RowRgbWindows(const RowResampler& r, const uint8_t* in, uint8_t* out) { row_windows<3>(r, in, out); }
void RowRgbaWindows(const RowResampler& r, const uint8_t* in, uint8_t* out) { row_windows<4>(r, in, out); }
void RowRgb(const RowResampler& r, const uint8_t* in, uint8_t* out) { row_groups<3, true>(in, r.taps, r.extent, out); }
void RowRgba(const RowResampler& r, const uint8_t* in, uint8_t* out) { row_groups<4, true>(in, r.taps, r.extent, out); }
#elif HWY_TARGET == HWY_AVX3
void RowRgb(const RowResampler& r, const uint8_t* in, uint8_t* out) { row_groups<3, false>(in, r.taps, r.extent, out); }
void RowRgba(const RowResampler& r, const uint8_t* in, uint8_t* out) { row_pixels_single<4>(in, r.taps, r.extent, out); }
#else
void RowRgb(const RowResampler& r, const uint8_t* in, uint8_t* out) { row_pixels_single<3>(in, r.taps, r.extent, out); }
void RowRgba(const RowResampler& r, const uint8_t* in, uint8_t* out) { row_pixels_single<4>(in, r.taps, r.extent, out); }
#endif

void PrepareRow(RowResampler* r) {
    if (r->channels == 1) {
        r->kernel = RowGray;
        return;
    }
#if PARCROP_HAVE_VNNI
    if (r->taps.max_count <= kWindowMaxStride) {
        if (r->channels == 3) {
            prepare_windows<3>(r);
            r->kernel = RowRgbWindows;
        } else {
            prepare_windows<4>(r);
            r->kernel = RowRgbaWindows;
        }
        return;
    }
#endif
    r->kernel = r->channels == 3 ? RowRgb : RowRgba;
}

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

HWY_EXPORT(PrepareRow);
HWY_EXPORT(Column);
HWY_EXPORT(Target);

RowResampler::RowResampler(const ResampleTaps& row_taps, uint32_t row_channels)
    : taps(row_taps), channels(row_channels) {
    // A maximum, not the last output's end: flipped crops reverse the taps.
    for (size_t o = 0; o < taps.first.size(); ++o) extent = std::max(extent, taps.first[o] + taps.count[o]);
    HWY_DYNAMIC_DISPATCH(PrepareRow)(this);
}

void resample_row(const uint8_t* in, uint32_t channels, const ResampleTaps& taps, uint8_t* out) {
    RowResampler(taps, channels)(in, out);
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
