"""WebP through libwebp: a crop equals the same region of a full decode (libwebp is asked
for a grown, even-aligned rectangle so that chroma upsampling at the crop's edges is that of
the whole image), the full decode equals Pillow's, resizing equals Pillow's, and bad files
get their own statuses."""

import io

import numpy as np
import pytest
from PIL import Image, features

import parcrop
from parcrop_testutil import max_abs_diff, noise, pillow_two_pass, smooth

pytestmark = pytest.mark.skipif(not features.check("webp"), reason="this Pillow cannot write WebP")

VARIANTS = [(lossless, channels) for lossless in (False, True) for channels in (3, 4)]


def _webp(image, lossless, **kwargs):
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, "WEBP", lossless=lossless, quality=80, **kwargs)
    return buffer.getvalue()


def _full(data, height, width, channels=4):
    return parcrop.crop_boxes([data], [[0, 0, width, height]], (height, width), channels=channels,
                              filter="nearest", mode="exact")[0]


@pytest.mark.parametrize("lossless,channels", VARIANTS)
def test_a_crop_is_the_region_of_a_full_decode(rng, lossless, channels):
    height, width = 131, 203  # odd sides: chroma rows and columns cut in half at the edges
    data = _webp(smooth(rng, height, width, channels), lossless)
    for out_channels in (1, 3, 4):
        full = _full(data, height, width, out_channels)
        boxes = [[0, 0, 1, 1], [width - 1, height - 1, width, height], [1, 1, 2, 2], [0, 0, width, 1],
                 [width - 1, 0, width, height]]
        for _ in range(120):
            x0, y0 = int(rng.integers(0, width)), int(rng.integers(0, height))
            boxes.append([x0, y0, int(rng.integers(x0 + 1, width + 1)), int(rng.integers(y0 + 1, height + 1))])
        for x0, y0, x1, y1 in boxes:
            got = parcrop.crop_boxes([data], [[x0, y0, x1, y1]], (y1 - y0, x1 - x0), channels=out_channels,
                                     filter="nearest", mode="exact")[0]
            assert np.array_equal(got, full[y0:y1, x0:x1]), (lossless, channels, out_channels, (x0, y0, x1, y1))


@pytest.mark.parametrize("lossless,channels", VARIANTS)
def test_the_full_decode_and_resizes_equal_pillows(rng, lossless, channels):
    image = smooth(rng, 97, 141, channels)
    data = _webp(image, lossless)
    mode = "RGBA" if channels == 4 else "RGB"
    decoded = np.asarray(Image.open(io.BytesIO(data)).convert(mode))
    full = _full(data, 97, 141, channels)
    if lossless:
        assert np.array_equal(full, decoded) and np.array_equal(full, image)
    else:
        # Pillow brings its own libwebp, perhaps of another version: the same pixels, or within 2.
        assert max_abs_diff(full, decoded) <= 2
    for box, size in (((5, 7, 120, 90), (32, 48)), ((0, 0, 141, 97), (97, 141)), ((40, 3, 41, 60), (10, 3))):
        got = parcrop.crop_boxes([data], [box], size, channels=channels, filter="bilinear", mode="exact")[0]
        assert np.array_equal(got, pillow_two_pass(full, box, size, Image.BILINEAR)), box


def test_probe_reads_webp_headers(rng):
    sources = [_webp(noise(rng, 20, 30, 3), False), _webp(noise(rng, 21, 31, 4), True)]
    info = parcrop.probe(sources)
    assert list(info.format) == ["webp", "webp"]
    assert info.width.tolist() == [30, 31] and info.height.tolist() == [20, 21]
    assert info.channels.tolist() == [3, 4] and info.has_alpha.tolist() == [False, True]


def test_bad_webp_files_get_their_own_status(rng):
    good = _webp(smooth(rng, 64, 64, 3), False)
    frames = [Image.fromarray(noise(rng, 16, 16, 3)) for _ in range(2)]
    animated = io.BytesIO()
    frames[0].save(animated, "WEBP", save_all=True, append_images=frames[1:], duration=50)
    corrupt = bytearray(good)
    corrupt[23:26] = bytes(3)  # the VP8 start code (9d 01 2a)
    claim = bytearray(good[:30])  # a VP8 header claiming 16383 x 16383
    claim[26:30] = (16383).to_bytes(2, "little") + (16383).to_bytes(2, "little")
    sources = [good, good[:len(good) // 2], bytes(corrupt), animated.getvalue(), bytes(claim), good[:14]]
    out, statuses = parcrop.crop_boxes(sources, [[0, 0, 16, 16]] * len(sources), 8, errors="status")
    names = [parcrop.Status(s).name for s in statuses]
    assert names[0] == "OK" and out[0].any()
    assert names[1] == "TRUNCATED"
    assert names[2] == "CORRUPT"
    assert names[3] == "UNSUPPORTED"
    assert names[4] == "TOO_MANY_PIXELS"
    assert names[5] in ("TRUNCATED", "CORRUPT")
    assert not out[1:].any()


def test_the_crop_rectangle_is_held_within_max_decode_memory(rng):
    data = _webp(smooth(rng, 300, 400, 3), True)
    with parcrop.Cropper(max_decode_memory=100_000) as cropper:
        out, statuses = cropper.crop_boxes([data, data], [[0, 0, 400, 300], [10, 10, 60, 60]], 8, errors="status")
    assert [parcrop.Status(s).name for s in statuses] == ["DECODE_MEMORY", "OK"]
