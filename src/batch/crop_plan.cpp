#include "batch/crop_plan.h"

#include <algorithm>
#include <cmath>

#include "decode/decoder.h"

namespace parcrop {
namespace {

bool in_unit_interval(float v) { return std::isfinite(v) && v >= 0.0f && v <= 1.0f; }

uint32_t glimpse_side(uint32_t side, float s) {
    // max(2, floor(side * s)), and never more than the image has.
    const float crop = std::max(std::floor(static_cast<float>(side) * s), 2.0f);
    return crop >= static_cast<float>(side) ? side : static_cast<uint32_t>(crop);
}

}  // namespace

Status glimpse_box(uint32_t width, uint32_t height, const parcrop_glimpse& glimpse,
                   float max_img_percent, parcrop_box* box) {
    if (!in_unit_interval(glimpse.x) || !in_unit_interval(glimpse.y)) {
        return Status(PARCROP_E_INVALID_BOX, "glimpse x and y must be in [0, 1]");
    }
    if (!std::isfinite(glimpse.scale) || glimpse.scale < 0.0f) {
        return Status(PARCROP_E_INVALID_BOX, "glimpse scale must be finite and not negative");
    }
    if (!std::isfinite(max_img_percent) || max_img_percent < 0.0f) {
        return Status(PARCROP_E_INVALID_BOX, "max_img_percent must be finite and not negative");
    }
    if (width == 0 || height == 0) return Status(PARCROP_E_INVALID_BOX, "image has no pixels");
    const float s = std::min(glimpse.scale, max_img_percent);
    const uint32_t crop_w = glimpse_side(width, s);
    const uint32_t crop_h = glimpse_side(height, s);
    // x * W is at most W, so the conversion cannot overflow.
    const uint32_t x = std::min(static_cast<uint32_t>(glimpse.x * static_cast<float>(width)), width - crop_w);
    const uint32_t y = std::min(static_cast<uint32_t>(glimpse.y * static_cast<float>(height)), height - crop_h);
    box->x0 = static_cast<float>(x);
    box->y0 = static_cast<float>(y);
    box->x1 = static_cast<float>(x + crop_w);
    box->y1 = static_cast<float>(y + crop_h);
    return Status::ok();
}

Status check_box(const parcrop_box& box, uint32_t width, uint32_t height) {
    const bool finite = std::isfinite(box.x0) && std::isfinite(box.y0) && std::isfinite(box.x1) &&
                        std::isfinite(box.y1);
    if (!finite) return Status(PARCROP_E_INVALID_BOX, "box has a NaN or infinite coordinate");
    if (!(box.x0 < box.x1 && box.y0 < box.y1)) return Status(PARCROP_E_INVALID_BOX, "box is empty");
    if (box.x0 < 0.0f || box.y0 < 0.0f || box.x1 > static_cast<float>(width) ||
        box.y1 > static_cast<float>(height)) {
        return Status(PARCROP_E_INVALID_BOX, "box reaches outside the " + std::to_string(width) + "x" +
                                                 std::to_string(height) + " image");
    }
    return Status::ok();
}

Status apply_out_of_bounds(OutOfBounds policy, uint32_t width, uint32_t height, uint32_t max_side,
                           parcrop_box* box) {
    if (policy == OutOfBounds::error) return check_box(*box, width, height);
    const bool finite = std::isfinite(box->x0) && std::isfinite(box->y0) && std::isfinite(box->x1) &&
                        std::isfinite(box->y1);
    if (!finite) return Status(PARCROP_E_INVALID_BOX, "box has a NaN or infinite coordinate");
    if (!(box->x0 < box->x1 && box->y0 < box->y1)) return Status(PARCROP_E_INVALID_BOX, "box is empty");
    if (policy == OutOfBounds::clamp) {
        const auto clamp_side = [](float* lo, float* hi, float side) {
            if (*hi - *lo >= side) {
                *lo = 0.0f;
                *hi = side;
            } else if (*lo < 0.0f) {
                *hi = *hi - *lo;
                *lo = 0.0f;
            } else if (*hi > side) {
                *lo = std::max(0.0f, side - (*hi - *lo));
                *hi = side;
            }
        };
        clamp_side(&box->x0, &box->x1, static_cast<float>(width));
        clamp_side(&box->y0, &box->y1, static_cast<float>(height));
        return check_box(*box, width, height);
    }
    // Far outside, float32 coordinates lose whole pixels; a side over max_side costs more
    // than any crop inside an image the limits accept.
    constexpr float kFarthest = 1 << 24;
    const float side = static_cast<float>(max_side);
    if (std::fabs(box->x0) > kFarthest || std::fabs(box->x1) > kFarthest || std::fabs(box->y0) > kFarthest ||
        std::fabs(box->y1) > kFarthest || box->x1 - box->x0 > side || box->y1 - box->y0 > side) {
        return Status(PARCROP_E_INVALID_BOX, "a padded box must lie within 2^24 pixels of its image and have sides "
                                             "of at most " + std::to_string(max_side) + " pixels");
    }
    return Status::ok();
}

uint32_t choose_scale_denom(const parcrop_box& box, const OutputShape& shape, uint32_t max_denom) {
    const double box_w = static_cast<double>(box.x1) - box.x0;
    const double box_h = static_cast<double>(box.y1) - box.y0;
    for (uint32_t denom = max_denom; denom > 1; denom /= 2) {
        if (box_w / denom >= 2.0 * shape.width && box_h / denom >= 2.0 * shape.height) return denom;
    }
    return 1;
}

bool CropPlan::padded() const {
    return region_x0 != x0 || region_y0 != y0 || region_width != x1 - x0 || region_height != y1 - y0;
}

std::vector<uint32_t> CropPlan::needed_rows() const {
    std::vector<uint32_t> rows;
    if (x0 == x1 || y0 == y1) return rows;
    // Region rows [first, last) that the crop reads, as image rows inside [y0, y1).
    const auto add = [&](int64_t region_row) {
        const int64_t y = region_y0 + region_row;
        if (y >= y0 && y < y1 && (rows.empty() || rows.back() != y)) rows.push_back(static_cast<uint32_t>(y));
    };
    if (filter == Filter::nearest) {
        rows.reserve(nearest_rows.size());
        for (const uint32_t r : nearest_rows) add(r);
        return rows;
    }
    const uint32_t last = taps_y.first.back() + taps_y.count.back();
    for (uint32_t r = taps_y.first.front(); r < last; ++r) add(r);
    return rows;
}

void reverse_taps(ResampleTaps* taps) {
    std::reverse(taps->first.begin(), taps->first.end());
    std::reverse(taps->count.begin(), taps->count.end());
    const size_t outputs = taps->first.size(), stride = taps->max_count;
    for (size_t o = 0; o < outputs / 2; ++o) {
        std::swap_ranges(taps->weights.begin() + static_cast<long>(o * stride),
                         taps->weights.begin() + static_cast<long>((o + 1) * stride),
                         taps->weights.begin() + static_cast<long>((outputs - 1 - o) * stride));
    }
}

namespace {

// The hull [*start, *start + *size) of the box side [lo, hi) in an image side of `side`
// pixels, and the part of it inside the image. Without padding the hull is the part
// inside, at least one pixel (a box narrower than a pixel at the image's edge).
void plan_side(float lo, float hi, uint32_t side, bool pad, int64_t* start, uint32_t* size, uint32_t* inside0,
               uint32_t* inside1) {
    int64_t first = static_cast<int64_t>(std::floor(lo));
    int64_t end = std::max(static_cast<int64_t>(std::ceil(hi)), first + 1);
    if (!pad) {
        first = std::min<int64_t>(first, side - 1);
        end = std::clamp<int64_t>(end, first + 1, side);
    }
    *start = first;
    *size = static_cast<uint32_t>(end - first);
    *inside0 = static_cast<uint32_t>(std::clamp<int64_t>(first, 0, side));
    *inside1 = static_cast<uint32_t>(std::clamp<int64_t>(end, *inside0, side));
}

}  // namespace

CropPlan plan_crop(const parcrop_box& box, uint32_t image_width, uint32_t image_height,
                   uint32_t scale_denom, const OutputShape& shape, Filter filter, uint32_t flip, bool pad) {
    CropPlan plan;
    plan.scale_denom = scale_denom;
    plan.filter = filter;
    const uint32_t scaled_w = scaled_size(image_width, scale_denom);
    const uint32_t scaled_h = scaled_size(image_height, scale_denom);
    // Box in the scaled image. Exact (denom 1) boxes keep float32 arithmetic so that
    // nearest sampling reproduces parallel_image_crop bit for bit.
    const float d = static_cast<float>(scale_denom);
    const float bx0 = box.x0 / d, bx1 = box.x1 / d, by0 = box.y0 / d, by1 = box.y1 / d;
    plan_side(bx0, bx1, scaled_w, pad, &plan.region_x0, &plan.region_width, &plan.x0, &plan.x1);
    plan_side(by0, by1, scaled_h, pad, &plan.region_y0, &plan.region_height, &plan.y0, &plan.y1);
    const float rx0 = bx0 - static_cast<float>(plan.region_x0), rx1 = bx1 - static_cast<float>(plan.region_x0);
    const float ry0 = by0 - static_cast<float>(plan.region_y0), ry1 = by1 - static_cast<float>(plan.region_y0);
    // A whole-pixel box of the output's size: every filter's taps are one pixel of weight
    // 1 (Pillow's too: each filter is 0 at distance 1), so the crop is a copy, which
    // the nearest path makes without resampling. Native-resolution patches (a slide's
    // tiles at level 0, say) are the common case.
    const bool whole_pixels = rx0 == 0.0f && ry0 == 0.0f && rx1 == static_cast<float>(plan.region_width) &&
                              ry1 == static_cast<float>(plan.region_height);
    if (whole_pixels && plan.region_width == shape.width && plan.region_height == shape.height && !plan.padded()) {
        filter = plan.filter = Filter::nearest;
    }
    if (filter == Filter::nearest) {
        plan.nearest_columns = nearest_indices(rx0, rx1, plan.region_width, shape.width);
        plan.nearest_rows = nearest_indices(ry0, ry1, plan.region_height, shape.height);
        if (flip & PARCROP_FLIP_HORIZONTAL) std::reverse(plan.nearest_columns.begin(), plan.nearest_columns.end());
    } else {
        plan.taps_x = compute_taps(rx0, rx1, plan.region_width, shape.width, filter);
        plan.taps_y = compute_taps(ry0, ry1, plan.region_height, shape.height, filter);
        if (flip & PARCROP_FLIP_HORIZONTAL) reverse_taps(&plan.taps_x);
    }
    plan.flip_rows = (flip & PARCROP_FLIP_VERTICAL) != 0;
    return plan;
}

}  // namespace parcrop
