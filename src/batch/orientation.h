// EXIF orientation in the batch: the eight symmetries of a rectangle's pixel grid, how a
// box on the displayed photo lands on the stored pixels, and a crop plan that reads the
// stored pixels in the order the decoder delivers them yet gives the displayed crop.
#pragma once

#include <cstdint>

#include "batch/crop_plan.h"
#include "decode/decoder.h"

namespace parcrop {

// One of the 8 dihedral transforms, as a map from the pixels of a "from" image to
// those of a "to" image: (x, y) -> (u, v), (u, v) = transpose ? (y, x) : (x, y), then
// u -> to_width - 1 - u when mirror_x and v -> to_height - 1 - v when mirror_y.
struct Dihedral {
    bool transpose = false;
    bool mirror_x = false;
    bool mirror_y = false;

    bool identity() const { return !transpose && !mirror_x && !mirror_y; }
    bool operator==(const Dihedral& o) const {
        return transpose == o.transpose && mirror_x == o.mirror_x && mirror_y == o.mirror_y;
    }
};

struct Point {
    int64_t x = 0, y = 0;
};

// The pixel of the "to" image (to_width x to_height) that pixel p of the "from" image maps to.
Point apply(const Dihedral& d, Point p, uint32_t to_width, uint32_t to_height);

// a after b: apply(compose(a, b), p) == apply(a, apply(b, p)).
Dihedral compose(const Dihedral& a, const Dihedral& b);

// The map from a displayed pixel to the stored pixel it shows, for EXIF orientation
// 1..8 (anything else is 1): the inverse of what Pillow's ImageOps.exif_transpose does
// to the stored image (2 FLIP_LEFT_RIGHT, 3 ROTATE_180, 4 FLIP_TOP_BOTTOM, 5 TRANSPOSE,
// 6 ROTATE_270, 7 TRANSVERSE, 8 ROTATE_90).
Dihedral display_to_stored(uint32_t orientation);

// PARCROP_FLIP_* bits as the map from an output pixel to the unflipped output's pixel.
Dihedral flip_dihedral(uint32_t flip);

// The stored-frame box that a box on the displayed image covers (the same pixels).
parcrop_box stored_box(const Dihedral& display_to_stored, const parcrop_box& display_box, uint32_t stored_width,
                       uint32_t stored_height);

// The EXIF orientation of a JPEG's or PNG's bytes: 1 for other formats, when there is
// no EXIF, and when it is malformed.
uint32_t read_orientation(ByteSpan bytes);

// plan_crop of a box on the displayed image (display_to_stored of the stored
// stored_width x stored_height image) with output flips `flip`, as a plan over the
// stored pixels. Its taps are those plan_crop computes on the displayed image, moved
// onto the stored axes, so the bytes equal a crop of the displayed image exactly.
// Without a transpose the plan is an ordinary one. With one (plan.transpose), taps_y
// and nearest_rows run along the stored rows and give the output's columns, taps_x and
// nearest_columns along the stored columns give its rows: stored-frame output row k
// (flip_rows applied) is output column k.
CropPlan plan_oriented_crop(const parcrop_box& display_box, uint32_t stored_width, uint32_t stored_height,
                            const Dihedral& display_to_stored, uint32_t scale_denom, const OutputShape& shape,
                            Filter filter, uint32_t flip, bool pad);

// How many stored-frame output rows of a transposed smoothing plan have their sums
// open at once while the rows arrive in order (at least 1): the writer keeps that many
// rows of region_width int32 sums per channel.
uint32_t transposed_open_rows(const CropPlan& plan);

}  // namespace parcrop
