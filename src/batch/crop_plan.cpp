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

uint32_t choose_scale_denom(const parcrop_box& box, const OutputShape& shape, uint32_t max_denom) {
    const double box_w = static_cast<double>(box.x1) - box.x0;
    const double box_h = static_cast<double>(box.y1) - box.y0;
    for (uint32_t denom = max_denom; denom > 1; denom /= 2) {
        if (box_w / denom >= 2.0 * shape.width && box_h / denom >= 2.0 * shape.height) return denom;
    }
    return 1;
}

std::vector<uint32_t> CropPlan::needed_rows() const {
    std::vector<uint32_t> rows;
    if (filter == Filter::nearest) {
        rows.reserve(nearest_rows.size());
        for (const uint32_t r : nearest_rows) {
            if (rows.empty() || rows.back() != y0 + r) rows.push_back(y0 + r);
        }
        return rows;
    }
    const uint32_t last = taps_y.first.back() + taps_y.count.back();
    for (uint32_t r = taps_y.first.front(); r < last; ++r) rows.push_back(y0 + r);
    return rows;
}

CropPlan plan_crop(const parcrop_box& box, uint32_t image_width, uint32_t image_height,
                   uint32_t scale_denom, const OutputShape& shape, Filter filter) {
    CropPlan plan;
    plan.scale_denom = scale_denom;
    plan.filter = filter;
    const uint32_t scaled_w = scaled_size(image_width, scale_denom);
    const uint32_t scaled_h = scaled_size(image_height, scale_denom);
    // Box in the scaled image. Exact (denom 1) boxes keep float32 arithmetic so that
    // nearest sampling reproduces parallel_image_crop bit for bit.
    const float d = static_cast<float>(scale_denom);
    const float bx0 = box.x0 / d, bx1 = box.x1 / d, by0 = box.y0 / d, by1 = box.y1 / d;
    plan.x0 = std::min(static_cast<uint32_t>(std::floor(bx0)), scaled_w - 1);
    plan.y0 = std::min(static_cast<uint32_t>(std::floor(by0)), scaled_h - 1);
    plan.x1 = std::clamp(static_cast<uint32_t>(std::ceil(bx1)), plan.x0 + 1, scaled_w);
    plan.y1 = std::clamp(static_cast<uint32_t>(std::ceil(by1)), plan.y0 + 1, scaled_h);
    const float rx0 = bx0 - static_cast<float>(plan.x0), rx1 = bx1 - static_cast<float>(plan.x0);
    const float ry0 = by0 - static_cast<float>(plan.y0), ry1 = by1 - static_cast<float>(plan.y0);
    const uint32_t region_w = plan.x1 - plan.x0, region_h = plan.y1 - plan.y0;
    if (filter == Filter::nearest) {
        plan.nearest_columns = nearest_indices(rx0, rx1, region_w, shape.width);
        plan.nearest_rows = nearest_indices(ry0, ry1, region_h, shape.height);
    } else {
        plan.taps_x = compute_taps(rx0, rx1, region_w, shape.width, filter);
        plan.taps_y = compute_taps(ry0, ry1, region_h, shape.height, filter);
    }
    return plan;
}

}  // namespace parcrop
