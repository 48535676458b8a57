// An independent, double-precision crop-and-resize for tests: Pillow's definition of
// each filter (support widened by the scale when shrinking, weights normalised per
// output pixel, the crop's pixel hull as the image) evaluated directly in 2-D with no
// fixed point and no intermediate rounding.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "image_fixtures.h"
#include "parcrop.h"

namespace parcrop_test {

inline double reference_kernel(parcrop_filter filter, double x) {
    x = std::fabs(x);
    switch (filter) {
        case PARCROP_FILTER_AREA: return x <= 0.5 ? 1.0 : 0.0;
        case PARCROP_FILTER_BICUBIC:
            if (x < 1) return (1.5 * x - 2.5) * x * x + 1;
            if (x < 2) return ((-0.5 * x + 2.5) * x - 4) * x + 2;
            return 0;
        case PARCROP_FILTER_LANCZOS3: {
            if (x >= 3) return 0;
            if (x == 0) return 1;
            const double pi = 3.14159265358979323846;
            return 3 * std::sin(pi * x) * std::sin(pi * x / 3) / (pi * pi * x * x);
        }
        default: return x < 1 ? 1 - x : 0;
    }
}

inline double reference_support(parcrop_filter filter) {
    switch (filter) {
        case PARCROP_FILTER_AREA: return 0.5;
        case PARCROP_FILTER_BICUBIC: return 2;
        case PARCROP_FILTER_LANCZOS3: return 3;
        default: return 1;
    }
}

// Weights of the source pixels [first, first + w.size()) for output o on one axis.
inline void reference_weights(parcrop_filter filter, double b0, double b1, int hull0, int hull1, uint32_t out,
                              uint32_t o, int* first, std::vector<double>* w) {
    const double scale = (b1 - b0) / out;
    const double fs = std::max(scale, 1.0);
    const double centre = b0 + (o + 0.5) * scale;
    const double support = reference_support(filter) * fs;
    const int lo = std::max(hull0, static_cast<int>(std::floor(centre - support)));
    const int hi = std::min(hull1, static_cast<int>(std::ceil(centre + support)) + 1);
    w->clear();
    double total = 0;
    for (int x = lo; x < hi; ++x) {
        // Pillow's box kernel is half-open; the strict test matches it.
        // Multiplying by 1 / fs, as Pillow does, puts pixels that sit exactly on the
        // box kernel's edge on the same side as Pillow puts them.
        const double t = (x - centre + 0.5) * (1.0 / fs);
        double v = reference_kernel(filter, t);
        if (filter == PARCROP_FILTER_AREA && t == -0.5) v = 0;
        w->push_back(v);
        total += v;
    }
    for (double& v : *w) v /= total;
    *first = lo;
}

inline std::vector<uint8_t> reference_crop_resize(const Pixels& image, parcrop_box box, uint32_t out_w,
                                                  uint32_t out_h, parcrop_filter filter) {
    const int hx0 = static_cast<int>(std::floor(box.x0)), hx1 = static_cast<int>(std::ceil(box.x1));
    const int hy0 = static_cast<int>(std::floor(box.y0)), hy1 = static_cast<int>(std::ceil(box.y1));
    const uint32_t c = image.channels;
    std::vector<uint8_t> out(size_t{out_w} * out_h * c);
    std::vector<double> wx, wy;
    for (uint32_t oy = 0; oy < out_h; ++oy) {
        int fy = 0;
        reference_weights(filter, box.y0, box.y1, hy0, hy1, out_h, oy, &fy, &wy);
        for (uint32_t ox = 0; ox < out_w; ++ox) {
            int fx = 0;
            reference_weights(filter, box.x0, box.x1, hx0, hx1, out_w, ox, &fx, &wx);
            for (uint32_t k = 0; k < c; ++k) {
                double sum = 0;
                for (size_t j = 0; j < wy.size(); ++j) {
                    for (size_t i = 0; i < wx.size(); ++i) {
                        sum += wy[j] * wx[i] * image.at(static_cast<uint32_t>(fx + i), static_cast<uint32_t>(fy + j))[k];
                    }
                }
                out[(size_t{oy} * out_w + ox) * c + k] = static_cast<uint8_t>(std::clamp(std::lround(sum), 0L, 255L));
            }
        }
    }
    return out;
}

// Nearest neighbour as parallel_image_crop defines it, in float32: output o takes
// source floor(x0) + floor((o + 0.5) * ((x1 - x0) / out)) for an integer box.
inline std::vector<uint8_t> reference_nearest(const Pixels& image, uint32_t x0, uint32_t y0, uint32_t crop_w,
                                              uint32_t crop_h, uint32_t window) {
    const uint32_t c = image.channels;
    std::vector<uint8_t> out(size_t{window} * window * c);
    const float rx = static_cast<float>(crop_w) / static_cast<float>(window);
    const float ry = static_cast<float>(crop_h) / static_cast<float>(window);
    for (uint32_t oy = 0; oy < window; ++oy) {
        const uint32_t sy = std::min(crop_h - 1, static_cast<uint32_t>(std::floor((oy + 0.5f) * ry)));
        for (uint32_t ox = 0; ox < window; ++ox) {
            const uint32_t sx = std::min(crop_w - 1, static_cast<uint32_t>(std::floor((ox + 0.5f) * rx)));
            for (uint32_t k = 0; k < c; ++k) out[(size_t{oy} * window + ox) * c + k] = image.at(x0 + sx, y0 + sy)[k];
        }
    }
    return out;
}

}  // namespace parcrop_test
