"""exif="apply": boxes, flips and padding on the image as displayed (EXIF orientation).

The reference is Pillow's ImageOps.exif_transpose of the decoded file, then the crop and
the two-pass resize that parcrop matches without EXIF (parcrop_testutil.pillow_two_pass):
in exact mode the bytes must be equal, for every orientation, format and filter.
"""

import io
import math

import numpy as np
import pytest
from PIL import Image, ImageOps

import parcrop
from parcrop import Status
from parcrop_testutil import PIL_MODES, glimpse_reference, noise, pillow_two_pass, smooth

ORIENTATIONS = range(1, 9)
FILTERS = ["nearest", "bilinear", "bicubic", "area", "lanczos3"]
PILLOW_FILTERS = {"bilinear": Image.BILINEAR, "bicubic": Image.BICUBIC, "area": Image.BOX,
                  "lanczos3": Image.LANCZOS}


def _with_orientation(array, fmt, orientation):
    """The array stored as is, with an EXIF block saying how to display it."""
    exif = Image.Exif()
    exif[0x0112] = orientation
    buffer = io.BytesIO()
    mode = "L" if array.ndim == 2 else PIL_MODES[array.shape[2]]
    Image.fromarray(array, mode).save(buffer, fmt, exif=exif, **({"quality": 95} if fmt == "JPEG" else {}))
    return buffer.getvalue()


def _with_exif_bytes(array, fmt, exif_bytes):
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, fmt, exif=exif_bytes)
    return buffer.getvalue()


def _displayed(data, mode="RGB"):
    return np.asarray(ImageOps.exif_transpose(Image.open(io.BytesIO(data))).convert(mode))


def _nearest_axis(lo, hi, out_size):
    """parcrop's nearest rule on one axis, in float32: absolute source indices."""
    f32 = np.float32
    lo, hi = f32(lo), f32(hi)
    base = np.floor(lo)
    step = (hi - lo) / f32(out_size)
    offsets = np.floor((lo - base) + (np.arange(out_size, dtype=f32) + f32(0.5)) * step)
    first, end = int(base), max(int(math.ceil(hi)), int(base) + 1)
    return np.clip(int(base) + offsets.astype(np.int64), first, end - 1)


def _reference(display, box, size, filter, fill=None):
    """The crop of the displayed image: nearest in numpy, the others with Pillow. A box
    reaching outside takes `fill` there; fractional boxes resample their pixel hull with
    the box's fractional offsets, as parcrop does."""
    x0, y0, x1, y1 = box
    hx0, hy0 = math.floor(x0), math.floor(y0)
    hx1, hy1 = max(math.ceil(x1), hx0 + 1), max(math.ceil(y1), hy0 + 1)
    channels = display.shape[2]
    hull = np.empty((hy1 - hy0, hx1 - hx0, channels), np.uint8)
    hull[:] = np.resize(np.asarray(fill if fill is not None else 0, np.uint8), channels)
    sy0, sy1 = max(hy0, 0), min(hy1, display.shape[0])
    sx0, sx1 = max(hx0, 0), min(hx1, display.shape[1])
    if sy0 < sy1 and sx0 < sx1:
        hull[sy0 - hy0:sy1 - hy0, sx0 - hx0:sx1 - hx0] = display[sy0:sy1, sx0:sx1]
    height, width = size
    if filter == "nearest":
        rows = _nearest_axis(y0, y1, height) - hy0
        cols = _nearest_axis(x0, x1, width) - hx0
        return hull[rows][:, cols]
    resample = PILLOW_FILTERS[filter]
    bands = []
    for c in range(channels):
        band = Image.fromarray(np.ascontiguousarray(hull[:, :, c]), "L")
        band = band.resize((width, band.height), resample, box=(x0 - hx0, 0, x1 - hx0, band.height))
        band = band.resize((width, height), resample, box=(0, y0 - hy0, width, y1 - hy0))
        bands.append(np.asarray(band))
    return np.stack(bands, axis=-1)


def _flipped(array, hflip, vflip):
    if hflip:
        array = array[:, ::-1]
    if vflip:
        array = array[::-1]
    return array


def test_reference_matches_pillow_two_pass_on_integer_boxes(rng):
    image = noise(rng, 30, 41, 3)
    for filter, resample in PILLOW_FILTERS.items():
        np.testing.assert_array_equal(_reference(image, (3, 4, 33, 25), (9, 14), filter),
                                      pillow_two_pass(image, (3, 4, 33, 25), (9, 14), resample))


def _boxes(width, height):
    """Inside, touching every edge, the whole image, fractional, thin."""
    return [
        (5, 3, width - 9, height - 4),
        (0, 0, width // 2, height // 3),
        (width // 3, height // 2, width, height),
        (0, 0, width, height),
        (2.5, 1.25, width - 3.75, height - 0.5),
        (width - 4, 0, width, height),
    ]


SIZES = [(11, 17), (23, 6), (40, 52)]


@pytest.mark.parametrize("fmt", ["PNG", "JPEG"])
@pytest.mark.parametrize("orientation", ORIENTATIONS)
def test_equals_exif_transpose_then_crop(rng, fmt, orientation):
    image = noise(rng, 37, 53, 3) if fmt == "PNG" else smooth(rng, 37, 53, 3)
    data = _with_orientation(image, fmt, orientation)
    display = _displayed(data)
    assert display.shape[:2] == ((53, 37) if orientation >= 5 else (37, 53))
    boxes = _boxes(display.shape[1], display.shape[0])
    for filter in FILTERS:
        for size in SIZES:
            got = parcrop.crop_boxes([data] * len(boxes), boxes, size, filter=filter, mode="exact", exif="apply")
            for crop, box in zip(got, boxes):
                want = _reference(display, box, size, filter)
                np.testing.assert_array_equal(crop, want, err_msg=f"{fmt} o={orientation} {filter} {box} {size}")


@pytest.mark.parametrize("orientation", ORIENTATIONS)
@pytest.mark.parametrize("filter", FILTERS)
def test_flips_and_padding_on_the_displayed_image(rng, orientation, filter):
    image = noise(rng, 29, 44, 3)
    data = _with_orientation(image, "PNG", orientation)
    display = _displayed(data)
    height, width = display.shape[:2]
    boxes = [(-6, -3, width - 10, height // 2), (width // 2, height - 5, width + 7, height + 9),
             (-4, -4, width + 4, height + 4), (width + 2, 0, width + 12, 8)]
    fill = (7, 200, 31)
    for hflip in (False, True):
        for vflip in (False, True):
            got = parcrop.crop_boxes([data] * len(boxes), boxes, (13, 19), filter=filter, mode="exact",
                                     exif="apply", hflip=hflip, vflip=vflip, out_of_bounds="pad", fill=fill)
            for crop, box in zip(got, boxes):
                want = _flipped(_reference(display, box, (13, 19), filter, fill), hflip, vflip)
                np.testing.assert_array_equal(crop, want, err_msg=f"o={orientation} {box} h={hflip} v={vflip}")


@pytest.mark.parametrize("orientation", [3, 5, 6, 8])
def test_per_item_flips_jpeg(rng, orientation):
    data = _with_orientation(smooth(rng, 48, 64, 3), "JPEG", orientation)
    display = _displayed(data)
    box = (4, 6, display.shape[1] - 3, display.shape[0] - 7)
    hflip, vflip = [False, True, False, True], [False, False, True, True]
    got = parcrop.crop_boxes([data] * 4, [box] * 4, (10, 15), filter="bicubic", mode="exact", exif="apply",
                             hflip=hflip, vflip=vflip)
    want = _reference(display, box, (10, 15), "bicubic")
    for i in range(4):
        np.testing.assert_array_equal(got[i], _flipped(want, hflip[i], vflip[i]))


@pytest.mark.parametrize("channels", [1, 4])
@pytest.mark.parametrize("orientation", [2, 5, 7])
def test_gray_and_alpha_outputs(rng, channels, orientation):
    image = noise(rng, 26, 35, 4)
    data = _with_orientation(image, "PNG", orientation)
    display = _displayed(data, {1: "L", 4: "RGBA"}[channels]).reshape(-1, 26 if orientation >= 5 else 35, channels)
    box = (1.5, 2, display.shape[1] - 2, display.shape[0] - 1)
    for filter in FILTERS:
        got = parcrop.crop_boxes([data], [box], (9, 12), channels=channels, filter=filter, mode="exact", exif="apply")
        np.testing.assert_array_equal(got[0], _reference(display, box, (9, 12), filter), err_msg=filter)


@pytest.mark.parametrize("orientation", ORIENTATIONS)
def test_normalized_boxes_are_fractions_of_the_displayed_size(rng, orientation):
    data = _with_orientation(noise(rng, 20, 32, 3), "PNG", orientation)
    height, width = _displayed(data).shape[:2]
    boxes = np.array([[0.25, 0.1, 0.75, 0.9], [0, 0, 1, 1]], np.float32)
    pixels = boxes * np.array([width, height, width, height], np.float32)
    got = parcrop.crop_boxes([data] * 2, boxes, (7, 9), normalized=True, mode="exact", exif="apply")
    np.testing.assert_array_equal(got, parcrop.crop_boxes([data] * 2, pixels, (7, 9), mode="exact", exif="apply"))


@pytest.mark.parametrize("orientation", ORIENTATIONS)
def test_glimpses_use_the_displayed_size(rng, orientation):
    data = _with_orientation(noise(rng, 30, 48, 3), "PNG", orientation)
    display = _displayed(data)
    x, y, scale = [0.1, 0.6, 0.9], [0.7, 0.05, 0.5], [0.3, 0.5, 0.25]
    got = parcrop.crop([data] * 3, x, y, scale, window_size=8, max_img_percent=0.5, exif="apply")
    for i in range(3):
        np.testing.assert_array_equal(got[i], glimpse_reference(display, x[i], y[i], scale[i], 8, 0.5))


@pytest.mark.parametrize("fmt", ["PNG", "JPEG"])
def test_ignore_crops_the_stored_image(rng, fmt):
    image = noise(rng, 24, 40, 3)
    data = _with_orientation(image, fmt, 6)
    stored = np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))
    box = (3, 2, 37, 20)
    default = parcrop.crop_boxes([data], [box], (8, 10), mode="exact")
    ignored = parcrop.crop_boxes([data], [box], (8, 10), mode="exact", exif="ignore")
    np.testing.assert_array_equal(default, ignored)
    np.testing.assert_array_equal(ignored[0], pillow_two_pass(stored, box, (8, 10), Image.BILINEAR))
    # The stored frame is 40 wide and 24 tall; displayed it is 24 wide, so this box fails.
    _, statuses = parcrop.crop_boxes([data], [(0, 0, 40, 10)], 4, exif="apply", errors="status")
    assert statuses.tolist() == [Status.INVALID_BOX]


@pytest.mark.parametrize("fmt", ["PNG", "JPEG"])
def test_malformed_or_missing_exif_displays_as_stored(rng, fmt):
    image = noise(rng, 24, 40, 3) if fmt == "PNG" else smooth(rng, 24, 40, 3)
    header = b"Exif\x00\x00" if fmt == "JPEG" else b""
    sources = [
        _with_exif_bytes(image, fmt, header + b"MM\x00\x2a\x00\x00\x00\x08\x00\x05\x01\x12"),  # IFD cut short
        _with_exif_bytes(image, fmt, header + b"XX\x00\x2a\x00\x00\x00\x08"),  # no byte order
        _with_exif_bytes(image, fmt, header + b"MM\x00\x2a\xff\xff\xff\xf0"),  # IFD0 past the end
    ]
    plain = io.BytesIO()
    Image.fromarray(image).save(plain, fmt)
    sources.append(plain.getvalue())
    box = (5, 3, 33, 21)
    for filter in FILTERS:
        got, statuses = parcrop.crop_boxes(sources, [box] * len(sources), (9, 11), filter=filter, mode="exact",
                                           exif="apply", errors="status")
        assert statuses.tolist() == [Status.OK] * len(sources)
        want = parcrop.crop_boxes(sources, [box] * len(sources), (9, 11), filter=filter, mode="exact")
        np.testing.assert_array_equal(got, want)
    info = parcrop.probe(sources[:3])
    assert list(info.exif_orientation) == [1, 1, 1]


def test_other_formats_have_no_orientation(rng):
    image = noise(rng, 20, 30, 3)
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, "BMP")
    data = buffer.getvalue()
    got = parcrop.crop_boxes([data], [(2, 3, 25, 17)], (6, 7), mode="exact", exif="apply")
    np.testing.assert_array_equal(got, parcrop.crop_boxes([data], [(2, 3, 25, 17)], (6, 7), mode="exact"))


@pytest.mark.parametrize("orientation", [3, 6, 7])
def test_fast_mode_is_as_close_to_exact_as_without_exif(rng, orientation):
    # DCT scaling is not exact even without EXIF (noise shrunk by 1/8 first); turning the
    # image must not make it worse.
    image = smooth(rng, 480, 640, 3)
    errors = {}
    for o in (1, orientation):
        data = _with_orientation(image, "JPEG", o)
        display = _displayed(data)
        box = (10, 20, display.shape[1] - 30, display.shape[0] - 10)
        for filter in ["bilinear", "area", "lanczos3"]:
            fast = parcrop.crop_boxes([data], [box], (24, 30), filter=filter, mode="fast", exif="apply")[0]
            exact = parcrop.crop_boxes([data], [box], (24, 30), filter=filter, mode="exact", exif="apply")[0]
            errors[o, filter] = np.abs(fast.astype(int) - exact.astype(int)).mean()
    for filter in ["bilinear", "area", "lanczos3"]:
        assert errors[orientation, filter] <= 1.5 * errors[1, filter] + 0.5, (filter, errors)


def test_the_sums_count_against_max_decode_memory(rng):
    data = _with_orientation(noise(rng, 64, 300, 3), "PNG", 6)
    box = (0, 0, 64, 300)  # displayed: 64 wide, 300 tall
    with parcrop.Cropper(max_decode_memory=4096) as cropper:
        _, statuses = cropper.crop_boxes([data] * 2, [box] * 2, (10, 10), filter="bilinear", errors="status",
                                         exif="apply")
        assert statuses.tolist() == [Status.DECODE_MEMORY] * 2
        # Nearest needs no sums; the stored frame needs none either.
        _, statuses = cropper.crop_boxes([data], [box], (10, 10), filter="nearest", errors="status", exif="apply")
        assert statuses.tolist() == [Status.OK]


def test_exif_argument_is_checked(rng):
    data = _with_orientation(noise(rng, 8, 8, 3), "PNG", 6)
    with pytest.raises(ValueError, match="exif"):
        parcrop.crop_boxes([data], [[0, 0, 4, 4]], 2, exif="rotate")
    with pytest.raises(ValueError, match="exif"):
        parcrop.crop([data], 0, 0, 0.5, exif="yes")
