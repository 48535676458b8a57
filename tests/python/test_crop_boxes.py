"""parcrop.crop_boxes against Pillow and numpy references."""

import io

import numpy as np
import pytest
from PIL import Image

import parcrop
from parcrop_testutil import as_hwc, encode, max_abs_diff, noise, pillow_two_pass, save, smooth

PILLOW_FILTERS = {
    "bilinear": Image.BILINEAR,
    "bicubic": Image.BICUBIC,
    "lanczos3": Image.LANCZOS,
    "area": Image.BOX,
}


def _random_box(rng, width, height):
    x0 = int(rng.integers(0, width - 1))
    y0 = int(rng.integers(0, height - 1))
    x1 = int(rng.integers(x0 + 1, width + 1))
    y1 = int(rng.integers(y0 + 1, height + 1))
    return x0, y0, x1, y1


def _cases(rng, count, channels, maker=noise):
    cases = []
    for _ in range(count):
        height, width = (int(v) for v in rng.integers(2, 160, 2))
        image = maker(rng, height, width, channels)
        size = (int(rng.integers(1, 90)), int(rng.integers(1, 90)))  # shrinking and enlarging
        cases.append((image, _random_box(rng, width, height), size))
    return cases


# Tolerance, stated: on lossless PNGs with integer boxes in exact mode, parcrop's
# fixed-point resampler gives the same bytes as Pillow's run in two explicit passes
# (horizontal, then vertical, band by band): max abs diff 0.
@pytest.mark.parametrize("channels", [1, 3, 4])
@pytest.mark.parametrize("filter", sorted(PILLOW_FILTERS))
def test_equals_pillow_resampler_two_pass(rng, filter, channels):
    for image, box, size in _cases(rng, 25, channels):
        got = parcrop.crop_boxes([encode(image)], [box], size, channels=channels, filter=filter, mode="exact")[0]
        want = pillow_two_pass(image, box, size, PILLOW_FILTERS[filter])
        assert max_abs_diff(got, want) == 0, (filter, image.shape, box, size)


# Against Pillow's one-call img.crop(box).resize(size, resample) on RGB: bilinear and
# area (Image.BOX) stay within 1. Bicubic and Lanczos can differ more on noise,
# because recent Pillow versions may run the vertical pass first and clip a different
# 8-bit intermediate (the test above pins parcrop to the classic order exactly);
# on photo-like images they stay within a small mean.
@pytest.mark.parametrize("filter", sorted(PILLOW_FILTERS))
def test_close_to_pillow_crop_resize(rng, filter):
    worst_max, worst_mean = 0, 0.0
    maker = noise if filter in ("bilinear", "area") else smooth
    for image, box, size in _cases(rng, 30, 3, maker):
        got = parcrop.crop_boxes([encode(image)], [box], size, filter=filter, mode="exact")[0]
        want = np.asarray(Image.fromarray(image).crop(box).resize(size[::-1], PILLOW_FILTERS[filter]))
        diff = np.abs(got.astype(int) - want.astype(int))
        worst_max, worst_mean = max(worst_max, int(diff.max())), max(worst_mean, float(diff.mean()))
    if filter in ("bilinear", "area"):
        assert worst_max <= 1
    else:
        assert worst_mean <= 0.5


def test_nearest_identity_and_pixel_rule(rng):
    image = noise(rng, 37, 53, 3)
    data = encode(image)
    full = parcrop.crop_boxes([data], [[0, 0, 53, 37]], (37, 53), filter="nearest")[0]
    np.testing.assert_array_equal(full, image)
    # Output pixel o takes source floor(x0 + (o + 0.5) * (x1 - x0) / width), in float32.
    box = (5, 3, 45, 30)
    got = parcrop.crop_boxes([data], [box], (9, 16), filter="nearest")[0]
    f32 = np.float32
    rows = box[1] + np.floor((np.arange(9, dtype=f32) + f32(0.5)) * (f32(27) / f32(9))).astype(int)
    cols = box[0] + np.floor((np.arange(16, dtype=f32) + f32(0.5)) * (f32(40) / f32(16))).astype(int)
    np.testing.assert_array_equal(got, image[rows][:, cols])


# JPEG: parcrop decodes with the system libjpeg(-turbo), Pillow with its own build.
# Stated tolerance against Pillow's decode + two-pass resampler, mean abs diff:
# exact mode <= 0.5 (observed 0 with libjpeg-turbo on both sides), fast mode (DCT
# scaling when the crop is much larger than the output) <= 2.0 (observed <= 0.8).
@pytest.mark.parametrize("subsampling", ["4:4:4", "4:2:0"])
@pytest.mark.parametrize("mode,tolerance", [("exact", 0.5), ("fast", 2.0), ("default", 2.0)])
def test_jpeg_close_to_pillow(rng, subsampling, mode, tolerance):
    for _ in range(12):
        height, width = (int(v) for v in rng.integers(16, 400, 2))
        data = encode(smooth(rng, height, width), "JPEG", quality=90, subsampling=subsampling)
        decoded = np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))
        x0, y0 = int(rng.integers(0, width - 8)), int(rng.integers(0, height - 8))
        box = (x0, y0, int(rng.integers(x0 + 8, width + 1)), int(rng.integers(y0 + 8, height + 1)))
        size = (int(rng.integers(4, 64)), int(rng.integers(4, 64)))
        got = parcrop.crop_boxes([data], [box], size, filter="bilinear", mode=mode)[0]
        want = pillow_two_pass(decoded, box, size, Image.BILINEAR)
        mean = np.abs(got.astype(int) - want.astype(int)).mean()
        assert mean <= tolerance, (mode, subsampling, box, size, mean)


def test_grayscale_jpeg(rng):
    image = smooth(rng, 90, 120, 1)
    data = encode(image, "JPEG", quality=95)
    decoded = np.asarray(Image.open(io.BytesIO(data)))
    got = parcrop.crop_boxes([data], [[10, 20, 110, 80]], (30, 50), channels=1, filter="area", mode="exact")[0]
    want = pillow_two_pass(decoded, (10, 20, 110, 80), (30, 50), Image.BOX)
    assert np.abs(got.astype(int) - want.astype(int)).mean() <= 0.5


def test_normalized_boxes_equal_pixel_boxes(rng):
    # Power-of-two sides, so that the fractions are exact in float32.
    image = noise(rng, 64, 128, 3)
    data = encode(image)
    boxes = np.array([[0, 0, 128, 64], [16, 8, 48, 40], [100, 2, 128, 30]], np.float32)
    fractions = boxes / np.array([128, 64, 128, 64], np.float32)
    for filter in ("nearest", "bilinear", "lanczos3"):
        a = parcrop.crop_boxes([data] * 3, boxes, (12, 20), filter=filter, mode="exact")
        b = parcrop.crop_boxes([data] * 3, fractions, (12, 20), filter=filter, mode="exact", normalized=True)
        np.testing.assert_array_equal(a, b)


def test_non_square_size_and_int_size(rng):
    image = noise(rng, 50, 70, 3)
    data = encode(image)
    tall = parcrop.crop_boxes([data], [[0, 0, 70, 50]], (40, 10))
    assert tall.shape == (1, 40, 10, 3)
    np.testing.assert_array_equal(tall[0], pillow_two_pass(image, (0, 0, 70, 50), (40, 10), Image.BILINEAR))
    square = parcrop.crop_boxes([data], [[0, 0, 70, 50]], 16)
    np.testing.assert_array_equal(square, parcrop.crop_boxes([data], [[0, 0, 70, 50]], (16, 16)))


def _identity(data, height, width, channels):
    return parcrop.crop_boxes([data], [[0, 0, width, height]], (height, width), channels=channels,
                              filter="nearest")[0]


def test_channel_conversions(rng):
    height, width = 23, 31
    gray = noise(rng, height, width, 1)
    rgb = noise(rng, height, width, 3)
    rgba = noise(rng, height, width, 4)
    opaque = np.full((height, width, 1), 255, np.uint8)

    # gray -> gray, RGB, RGBA: replicated, alpha opaque.
    np.testing.assert_array_equal(_identity(encode(gray), height, width, 1), gray[:, :, None])
    np.testing.assert_array_equal(_identity(encode(gray), height, width, 3), np.repeat(gray[:, :, None], 3, 2))
    np.testing.assert_array_equal(_identity(encode(gray), height, width, 4),
                                  np.concatenate([np.repeat(gray[:, :, None], 3, 2), opaque], 2))
    # RGB -> RGB, RGBA (alpha 255), gray (BT.601 luma as Pillow's "L", within 1).
    np.testing.assert_array_equal(_identity(encode(rgb), height, width, 3), rgb)
    np.testing.assert_array_equal(_identity(encode(rgb), height, width, 4), np.concatenate([rgb, opaque], 2))
    luma = np.asarray(Image.fromarray(rgb).convert("L"))
    assert max_abs_diff(_identity(encode(rgb), height, width, 1)[:, :, 0], luma) <= 1
    # RGBA -> RGBA, RGB (alpha dropped), gray (luma of the colour).
    np.testing.assert_array_equal(_identity(encode(rgba), height, width, 4), rgba)
    np.testing.assert_array_equal(_identity(encode(rgba), height, width, 3), rgba[:, :, :3])
    luma = np.asarray(Image.fromarray(rgba[:, :, :3]).convert("L"))
    assert max_abs_diff(_identity(encode(rgba), height, width, 1)[:, :, 0], luma) <= 1


def test_palette_and_gray_alpha_pngs(rng):
    rgb = noise(rng, 20, 30, 3)
    palette = Image.fromarray(rgb).quantize(64)
    buffer = io.BytesIO()
    palette.save(buffer, "PNG")
    got = _identity(buffer.getvalue(), 20, 30, 3)
    np.testing.assert_array_equal(got, np.asarray(palette.convert("RGB")))
    la = Image.fromarray(noise(rng, 20, 30, 4)).convert("LA")
    buffer = io.BytesIO()
    la.save(buffer, "PNG")
    got = _identity(buffer.getvalue(), 20, 30, 4)
    expected = np.asarray(la.convert("RGBA"))
    np.testing.assert_array_equal(got, expected)


def test_other_formats_via_stb(rng, tmp_path):
    image = noise(rng, 17, 19, 3)
    for fmt in ("BMP", "TGA", "PPM"):
        path = save(tmp_path / f"image.{fmt.lower()}", image, fmt)
        np.testing.assert_array_equal(_identity(path, 17, 19, 3), image, err_msg=fmt)


def test_in_memory_sources_equal_paths(rng, tmp_path):
    images = [noise(rng, 40, 60, 3), smooth(rng, 33, 47, 3)]
    datas = [encode(images[0]), encode(images[1], "JPEG", quality=85)]
    paths = [save(tmp_path / "a.png", images[0]), str(tmp_path / "b.jpg")]
    (tmp_path / "b.jpg").write_bytes(datas[1])
    boxes = [[3, 4, 50, 30], [0, 0, 47, 33]]
    want = parcrop.crop_boxes(paths, boxes, (16, 24))
    for kind in (bytes, bytearray, memoryview, lambda d: np.frombuffer(d, np.uint8)):
        got = parcrop.crop_boxes([kind(d) for d in datas], boxes, (16, 24))
        np.testing.assert_array_equal(got, want)
    import pathlib
    np.testing.assert_array_equal(parcrop.crop_boxes([pathlib.Path(p) for p in paths], boxes, (16, 24)), want)
    mixed = parcrop.crop_boxes([datas[0], paths[1]], boxes, (16, 24))
    np.testing.assert_array_equal(mixed, want)


def test_bytes_are_data_never_paths(rng, tmp_path):
    path = save(tmp_path / "a.png", noise(rng, 8, 8, 3))
    _, status = parcrop.crop_boxes([path.encode()], [[0, 0, 8, 8]], 4, errors="status")
    assert status.tolist() == [parcrop.Status.UNKNOWN_FORMAT]
    with pytest.raises(parcrop.InputError, match="never as paths"):
        parcrop.crop_boxes([path.encode()], [[0, 0, 8, 8]], 4)
    import os
    ok = parcrop.crop_boxes([os.fsdecode(path.encode())], [[0, 0, 8, 8]], 4)
    assert ok.any()


def test_duplicate_sources_and_empty_batch(rng):
    data = encode(noise(rng, 30, 30, 3))
    boxes = np.array([[0, 0, 10, 10], [10, 10, 30, 30], [0, 0, 10, 10]], np.float32)
    got = parcrop.crop_boxes([data] * 3, boxes, 8)
    np.testing.assert_array_equal(got[0], got[2])
    empty = parcrop.crop_boxes([], np.zeros((0, 4)), (5, 6), channels=4)
    assert empty.shape == (0, 5, 6, 4) and empty.dtype == np.uint8
    out, status = parcrop.crop_boxes([], [], 3, errors="status")
    assert out.shape == (0, 3, 3, 3) and status.shape == (0,)
