"""Entropy indexes of plain JPEGs in the Cropper (index_cache_bytes): a crop read through
an index equals the crop read without one (the region path, itself checked against full
decodes elsewhere), for every subsampling, mode and box; a changed file is not read with
its old index."""

import os

import numpy as np
import pytest

import parcrop
from parcrop_testutil import encode, smooth

SUBSAMPLINGS = {"4:4:4": 0, "4:2:2": 1, "4:2:0": 2}


def _boxes(rng, width, height, count):
    """Random boxes, boxes on every edge, and one-pixel boxes."""
    x0 = rng.integers(0, width - 1, count)
    y0 = rng.integers(0, height - 1, count)
    x1 = np.minimum(width, x0 + rng.integers(1, width // 2, count))
    y1 = np.minimum(height, y0 + rng.integers(1, height // 2, count))
    edges = [[0, 0, width, 17], [0, height - 9, width, height], [0, 0, 13, height], [width - 5, 0, width, height],
             [width - 1, height - 1, width, height], [0, 0, 1, 1], [37, 41, 38, 42]]
    return np.concatenate([np.stack([x0, y0, x1, y1], 1), edges]).astype(np.float32)


@pytest.mark.parametrize("layout", ["gray", *SUBSAMPLINGS])
@pytest.mark.parametrize("mode,filter", [("exact", "nearest"), ("exact", "bilinear"), ("fast", "bilinear"),
                                         ("fast", "area")])
def test_crops_through_an_index_equal_the_region_path(rng, layout, mode, filter):
    width, height = 613, 389  # not a whole number of MCUs either way
    image = smooth(rng, height, width, 1 if layout == "gray" else 3)
    kwargs = {} if layout == "gray" else {"subsampling": SUBSAMPLINGS[layout]}
    jpeg = encode(image, "JPEG", quality=90, **kwargs)
    boxes = _boxes(rng, width, height, 40)
    sources = [jpeg] * len(boxes)
    size, channels = (24, 40), (1 if layout == "gray" else 3)
    with parcrop.Cropper(index_cache_bytes=0) as plain, parcrop.Cropper() as indexed:
        expected = plain.crop_boxes(sources, boxes, size, channels=channels, filter=filter, mode=mode)
        first = indexed.crop_boxes(sources, boxes, size, channels=channels, filter=filter, mode=mode)
        again = indexed.crop_boxes(sources, boxes, size, channels=channels, filter=filter, mode=mode)
        one_by_one = np.stack([indexed.crop_boxes([jpeg], box[None], size, channels=channels, filter=filter,
                                                  mode=mode)[0] for box in boxes[:8]])
    assert np.array_equal(first, expected)
    assert np.array_equal(again, expected)
    assert np.array_equal(one_by_one, expected[:8])


def test_a_changed_file_is_not_read_with_its_old_index(rng, tmp_path):
    path = tmp_path / "photo.jpg"
    before = encode(smooth(rng, 300, 400), "JPEG", quality=90)
    path.write_bytes(before)
    box = np.array([[100, 120, 228, 248]], np.float32)
    with parcrop.Cropper() as cropper, parcrop.Cropper(index_cache_bytes=0) as plain:
        cropper.crop_boxes([str(path)] * 2, np.repeat(box, 2, 0), 32)  # two crops: the index is built
        # Other pixels, same size and header: only the modification time and the
        # entropy-coded data tell them apart.
        after = encode(smooth(np.random.default_rng(7), 300, 400), "JPEG", quality=90)
        after = after[:len(before)].ljust(len(before), b"\0") if len(after) >= len(before) else after
        path.write_bytes(after)
        stat = os.stat(path)
        os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
        got, statuses = cropper.crop_boxes([str(path)], box, 32, errors="status")
        want, want_statuses = plain.crop_boxes([str(path)], box, 32, errors="status")
    assert list(statuses) == list(want_statuses)
    assert np.array_equal(got, want)


def test_files_it_cannot_index_crop_as_before(rng):
    image = smooth(rng, 200, 300)
    progressive = encode(image, "JPEG", quality=90, progressive=True)
    with_restarts = encode(image, "JPEG", quality=90, restart_marker_blocks=4)
    boxes = np.array([[10, 20, 110, 120], [150, 60, 290, 190]], np.float32)
    with parcrop.Cropper(index_cache_bytes=0) as plain, parcrop.Cropper() as indexed:
        for data in (progressive, with_restarts):
            for _ in range(2):
                assert np.array_equal(indexed.crop_boxes([data, data], boxes, 32),
                                      plain.crop_boxes([data, data], boxes, 32))


def test_a_budget_too_small_for_any_index_keeps_none(rng):
    jpeg = encode(smooth(rng, 256, 256), "JPEG", quality=90)
    boxes = np.array([[0, 0, 64, 64], [100, 100, 200, 200]], np.float32)
    with parcrop.Cropper(index_cache_bytes=1) as tiny, parcrop.Cropper(index_cache_bytes=0) as plain:
        assert np.array_equal(tiny.crop_boxes([jpeg] * 2, boxes, 16), plain.crop_boxes([jpeg] * 2, boxes, 16))


def test_index_cache_bytes_is_checked():
    with pytest.raises(ValueError):
        parcrop.Cropper(index_cache_bytes=-1)


def test_the_reads_that_remember_build_and_use_an_index_give_the_same_pixels(rng, tmp_path):
    # One crop per batch: the first read only remembers the file, the second builds its
    # index, the third reads through it.
    path = str(tmp_path / "once.jpg")
    with open(path, "wb") as f:
        f.write(encode(smooth(rng, 320, 480), "JPEG", quality=90))
    box = np.array([[200, 150, 330, 280]], np.float32)
    with parcrop.Cropper() as cropper, parcrop.Cropper(index_cache_bytes=0) as plain:
        want = plain.crop_boxes([path], box, 48)
        for _ in range(3):  # seen, built, used
            assert np.array_equal(cropper.crop_boxes([path], box, 48), want)
