#include "batch/orientation.h"

#include <algorithm>
#include <utility>

#include "decode/exif.h"

namespace parcrop {

Point apply(const Dihedral& d, Point p, uint32_t to_width, uint32_t to_height) {
    Point q = d.transpose ? Point{p.y, p.x} : p;
    if (d.mirror_x) q.x = int64_t{to_width} - 1 - q.x;
    if (d.mirror_y) q.y = int64_t{to_height} - 1 - q.y;
    return q;
}

Dihedral compose(const Dihedral& a, const Dihedral& b) {
    // b's mirrors travel with its axes through a's transpose; mirroring twice is none.
    Dihedral c;
    c.transpose = a.transpose != b.transpose;
    c.mirror_x = a.mirror_x != (a.transpose ? b.mirror_y : b.mirror_x);
    c.mirror_y = a.mirror_y != (a.transpose ? b.mirror_x : b.mirror_y);
    return c;
}

Dihedral display_to_stored(uint32_t orientation) {
    switch (orientation) {
        case 2: return {false, true, false};
        case 3: return {false, true, true};
        case 4: return {false, false, true};
        case 5: return {true, false, false};
        case 6: return {true, false, true};  // displayed (x, y) shows stored (y, H - 1 - x)
        case 7: return {true, true, true};
        case 8: return {true, true, false};  // displayed (x, y) shows stored (W - 1 - y, x)
        default: return {};
    }
}

Dihedral flip_dihedral(uint32_t flip) {
    return {false, (flip & PARCROP_FLIP_HORIZONTAL) != 0, (flip & PARCROP_FLIP_VERTICAL) != 0};
}

parcrop_box stored_box(const Dihedral& d, const parcrop_box& box, uint32_t stored_width, uint32_t stored_height) {
    float u0 = d.transpose ? box.y0 : box.x0, u1 = d.transpose ? box.y1 : box.x1;
    float v0 = d.transpose ? box.x0 : box.y0, v1 = d.transpose ? box.x1 : box.y1;
    if (d.mirror_x) {
        const float w = static_cast<float>(stored_width);
        std::tie(u0, u1) = std::make_pair(w - u1, w - u0);
    }
    if (d.mirror_y) {
        const float h = static_cast<float>(stored_height);
        std::tie(v0, v1) = std::make_pair(h - v1, h - v0);
    }
    return parcrop_box{u0, v0, u1, v1};
}

uint32_t read_orientation(ByteSpan bytes) {
    ByteSpan tiff;
    bool found = false;
    switch (sniff_format(bytes)) {
        case FileFormat::jpeg: found = find_jpeg_exif(bytes, &tiff); break;
        case FileFormat::png: found = find_png_exif(bytes, &tiff); break;
        default: break;
    }
    if (!found || tiff.data == nullptr) return 1;
    bool malformed = false;
    return exif_orientation(tiff.data, tiff.size, &malformed);
}

namespace {

// One axis of a plan: the region, the part inside the image, and how outputs sample it.
struct Axis {
    int64_t region0 = 0;
    uint32_t region_size = 0;
    uint32_t in0 = 0, in1 = 0;
    ResampleTaps taps;
    std::vector<uint32_t> nearest;
};

Axis x_axis(CropPlan& plan) {
    return {plan.region_x0, plan.region_width, plan.x0, plan.x1, std::move(plan.taps_x),
            std::move(plan.nearest_columns)};
}

Axis y_axis(CropPlan& plan) {
    return {plan.region_y0, plan.region_height, plan.y0, plan.y1, std::move(plan.taps_y),
            std::move(plan.nearest_rows)};
}

// The axis read from the other end of an image side of `side` pixels, its outputs
// reordered so that they still advance along the pixels (which is what lets rows
// stream): the output that was o is now count - 1 - o.
void mirror(Axis* axis, uint32_t side) {
    const uint32_t size = axis->region_size;
    axis->region0 = int64_t{side} - axis->region0 - size;
    std::tie(axis->in0, axis->in1) = std::make_pair(side - axis->in1, side - axis->in0);
    for (uint32_t& i : axis->nearest) i = size - 1 - i;
    std::reverse(axis->nearest.begin(), axis->nearest.end());
    ResampleTaps& taps = axis->taps;
    for (size_t o = 0; o < taps.first.size(); ++o) {
        taps.first[o] = size - taps.first[o] - taps.count[o];
        auto w = taps.weights.begin() + static_cast<long>(o * taps.max_count);
        std::reverse(w, w + taps.count[o]);
    }
    reverse_taps(&taps);
}

}  // namespace

CropPlan plan_oriented_crop(const parcrop_box& display_box, uint32_t stored_width, uint32_t stored_height,
                            const Dihedral& orientation, uint32_t scale_denom, const OutputShape& shape,
                            Filter filter, uint32_t flip, bool pad) {
    if (orientation.identity()) {
        return plan_crop(display_box, stored_width, stored_height, scale_denom, shape, filter, flip, pad);
    }
    const bool t = orientation.transpose;
    CropPlan display = plan_crop(display_box, t ? stored_height : stored_width, t ? stored_width : stored_height,
                                 scale_denom, shape, filter, 0, pad);
    Axis dx = x_axis(display), dy = y_axis(display);
    Axis sx = std::move(t ? dy : dx), sy = std::move(t ? dx : dy);
    if (orientation.mirror_x) mirror(&sx, scaled_size(stored_width, scale_denom));
    if (orientation.mirror_y) mirror(&sy, scaled_size(stored_height, scale_denom));
    // The stored axes now advance with the pixels; what remains between that and the
    // flipped output of the displayed crop is one more dihedral transform.
    const Dihedral output = compose(orientation, flip_dihedral(flip));
    if (output.mirror_x) {
        std::reverse(sx.nearest.begin(), sx.nearest.end());
        if (!sx.taps.first.empty()) reverse_taps(&sx.taps);
    }
    CropPlan plan;
    plan.scale_denom = scale_denom;
    plan.filter = filter;
    plan.region_x0 = sx.region0;
    plan.region_width = sx.region_size;
    plan.x0 = sx.in0;
    plan.x1 = sx.in1;
    plan.taps_x = std::move(sx.taps);
    plan.nearest_columns = std::move(sx.nearest);
    plan.region_y0 = sy.region0;
    plan.region_height = sy.region_size;
    plan.y0 = sy.in0;
    plan.y1 = sy.in1;
    plan.taps_y = std::move(sy.taps);
    plan.nearest_rows = std::move(sy.nearest);
    plan.flip_rows = output.mirror_y;
    plan.transpose = output.transpose;
    return plan;
}

uint32_t transposed_open_rows(const CropPlan& plan) {
    // The writer's schedule without the pixels: output row k opens when its first tap
    // row arrives and closes once its last image row has.
    const ResampleTaps& taps = plan.taps_y;
    const uint32_t outputs = static_cast<uint32_t>(taps.first.size());
    if (outputs == 0 || plan.x0 == plan.x1 || plan.y0 == plan.y1) return 1;
    const int64_t image0 = int64_t{plan.y0} - plan.region_y0, image1 = int64_t{plan.y1} - plan.region_y0;
    uint32_t next_open = 0, next_close = 0, peak = 1;
    for (int64_t r = image0; r < image1; ++r) {
        while (next_open < outputs && taps.first[next_open] <= r) ++next_open;
        peak = std::max(peak, next_open - next_close);
        while (next_close < next_open &&
               std::min<int64_t>(int64_t{taps.first[next_close]} + taps.count[next_close], image1) <= r + 1) {
            ++next_close;
        }
    }
    return peak;
}

}  // namespace parcrop
