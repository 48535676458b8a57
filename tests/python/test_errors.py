"""Bad items, argument checking, out=, CropError and the errors= modes."""

import os

import numpy as np
import pytest

import parcrop
from parcrop import Status
from parcrop_testutil import encode, noise, save, smooth

SIZE = 12


@pytest.fixture
def files(tmp_path, rng):
    """Good images, and one file for each kind of bad item."""
    png = encode(noise(rng, 64, 48, 3))
    jpg = encode(smooth(rng, 64, 48, 3), "JPEG", quality=90)
    paths = {
        "good_png": save(tmp_path / "good.png", noise(rng, 64, 48, 3)),
        "good_jpg": str(tmp_path / "good.jpg"),
        "missing": str(tmp_path / "missing.png"),
        "directory": str(tmp_path),
        "empty": str(tmp_path / "empty.png"),
        "truncated_png": str(tmp_path / "truncated.png"),
        "truncated_jpg": str(tmp_path / "truncated.jpg"),
        "html": str(tmp_path / "page.jpg"),
    }
    (tmp_path / "good.jpg").write_bytes(jpg)
    (tmp_path / "empty.png").write_bytes(b"")
    (tmp_path / "truncated.png").write_bytes(png[: len(png) // 2])
    (tmp_path / "truncated.jpg").write_bytes(jpg[: len(jpg) // 2])
    (tmp_path / "page.jpg").write_bytes(b"<!DOCTYPE html>\n<html><body><h1>404 Not Found</h1></body></html>\n")
    return paths


BAD = {  # name -> expected status (full-image boxes, so every row is needed)
    "missing": Status.FILE_NOT_FOUND,
    "directory": Status.NOT_A_FILE,
    "empty": Status.EMPTY_INPUT,
    "truncated_png": Status.TRUNCATED,
    "truncated_jpg": Status.TRUNCATED,
    "html": Status.UNKNOWN_FORMAT,
}


def _mixed_batch(files):
    """Good and bad items interleaved; returns sources, boxes, indices of the bad ones."""
    sources, boxes, expected = [], [], {}
    goods = [files["good_png"], files["good_jpg"]]
    for i, name in enumerate(BAD):
        sources.append(goods[i % 2])
        boxes.append([i, i, 40 + i, 50 + i])
        expected[len(sources)] = BAD[name]
        sources.append(files[name])
        boxes.append([0, 0, 48, 64])
    # A NaN box on a good file.
    expected[len(sources)] = Status.INVALID_BOX
    sources.append(files["good_png"])
    boxes.append([np.nan, 0, 10, 10])
    sources.append(files["good_jpg"])
    boxes.append([5, 5, 45, 60])
    return sources, np.array(boxes, np.float32), expected


@pytest.mark.parametrize("filter", ["nearest", "bilinear"])
def test_each_bad_item_gets_its_status_and_a_zero_slot(files, filter):
    sources, boxes, expected = _mixed_batch(files)
    out, status = parcrop.crop_boxes(sources, boxes, SIZE, filter=filter, errors="status")
    assert status.dtype == np.int32 and status.shape == (len(sources),)
    for i in range(len(sources)):
        assert status[i] == expected.get(i, Status.OK), (i, sources[i], Status(status[i]).name)
    bad = sorted(expected)
    assert not out[bad].any(), "failed slots must be zero"
    # The good items are byte-identical to a batch without the bad ones.
    good = [i for i in range(len(sources)) if i not in expected]
    clean = parcrop.crop_boxes([sources[i] for i in good], boxes[good], SIZE, filter=filter)
    np.testing.assert_array_equal(out[good], clean)
    assert clean.any()


def test_nan_glimpse_coordinates(files):
    paths = [files["good_png"]] * 4
    x = np.array([0.1, np.nan, 0.2, 0.3], np.float32)
    y = np.array([0.1, 0.1, np.inf, 0.3], np.float32)
    scale = np.array([0.2, 0.2, 0.2, np.nan], np.float32)
    out, status = parcrop.crop(paths, x, y, scale, errors="status")
    assert status.tolist() == [Status.OK, Status.INVALID_BOX, Status.INVALID_BOX, Status.INVALID_BOX]
    assert out[0].any() and not out[1:].any()


def test_crop_error_carries_output_and_failures(files):
    sources, boxes, expected = _mixed_batch(files)
    with pytest.raises(parcrop.CropError) as info:
        parcrop.crop_boxes(sources, boxes, SIZE)
    error = info.value
    assert type(error) is parcrop.CropError  # input (2xx) and argument (1xx) failures mixed
    assert [(i, code) for i, code, _ in error.failures] == sorted(expected.items())
    assert all(isinstance(message, str) and message for _, _, message in error.failures)
    assert error.status == error.failures[0][1]
    assert error.output.shape == (len(sources), SIZE, SIZE, 3)
    np.testing.assert_array_equal(error.output, parcrop.crop_boxes(sources, boxes, SIZE, errors="ignore"))
    assert np.count_nonzero(error.statuses) == len(expected)


def test_crop_error_subclass_by_group(files):
    with pytest.raises(parcrop.InputError) as info:
        parcrop.crop_boxes([files["good_png"], files["missing"]], [[0, 0, 8, 8]] * 2, 4)
    assert info.value.failures[0][:2] == (1, Status.FILE_NOT_FOUND)
    assert isinstance(info.value, parcrop.CropError) and isinstance(info.value, parcrop.ParcropError)
    with pytest.raises(parcrop.InvalidItemError):
        parcrop.crop_boxes([files["good_png"]], [[0, 0, 0, 8]], 4)  # empty box
    with pytest.raises(parcrop.InvalidItemError):
        parcrop.crop_boxes([files["good_png"]], [[0, 0, 100, 8]], 4)  # outside the image


def test_errors_ignore_returns_array(files):
    out = parcrop.crop_boxes([files["missing"], files["good_png"]], [[0, 0, 8, 8]] * 2, 4, errors="ignore")
    assert isinstance(out, np.ndarray) and not out[0].any() and out[1].any()


def test_limits_of_a_cropper(files, rng, tmp_path):
    big = save(tmp_path / "big.png", noise(rng, 100, 120, 3))
    sources = [files["good_png"], big]
    boxes = [[0, 0, 8, 8]] * 2
    with parcrop.Cropper(max_width=100) as cropper:
        assert cropper.crop_boxes(sources, boxes, 4, errors="status")[1].tolist() == [0, Status.IMAGE_TOO_LARGE]
    with parcrop.Cropper(max_height=99) as cropper:
        assert cropper.crop_boxes(sources, boxes, 4, errors="status")[1].tolist() == [0, Status.IMAGE_TOO_LARGE]
    with parcrop.Cropper(max_pixels=100 * 120 - 1) as cropper:
        assert cropper.crop_boxes(sources, boxes, 4, errors="status")[1].tolist() == [0, Status.TOO_MANY_PIXELS]
    size = os.path.getsize(big)
    with parcrop.Cropper(max_file_size=max(size - 1, os.path.getsize(files["good_png"]))) as cropper:
        with pytest.raises(parcrop.LimitError) as info:
            cropper.crop_boxes(sources, boxes, 4)
        assert info.value.failures[0][:2] == (1, Status.FILE_TOO_LARGE)


def test_max_decode_memory_bounds_whole_image_decoders(rng, tmp_path):
    # A progressive JPEG keeps every coefficient: 128 bytes per 8x8 block of each
    # component, here 3 full-resolution components (4:4:4) of 16 x 12 blocks.
    progressive = str(tmp_path / "progressive.jpg")
    (tmp_path / "progressive.jpg").write_bytes(
        encode(smooth(rng, 128, 96, 3), "JPEG", quality=90, progressive=True, subsampling=0))
    baseline = str(tmp_path / "baseline.jpg")
    (tmp_path / "baseline.jpg").write_bytes(encode(smooth(rng, 128, 96, 3), "JPEG", quality=90))
    coefficients = 3 * 16 * 12 * 128
    boxes = [[0, 0, 16, 16]] * 2
    with parcrop.Cropper(max_decode_memory=coefficients - 1) as cropper:
        with pytest.raises(parcrop.LimitError) as info:
            cropper.crop_boxes([baseline, progressive], boxes, 4)
        assert [failure[:2] for failure in info.value.failures] == [(1, Status.DECODE_MEMORY)]
        assert "max_decode_memory" in info.value.failures[0][2]
    with parcrop.Cropper(max_decode_memory=coefficients) as cropper:
        assert cropper.crop_boxes([baseline, progressive], boxes, 4, errors="status")[1].tolist() == [0, 0]
    with pytest.raises(ValueError):
        parcrop.Cropper(max_decode_memory=0)


# ------------------------------------------------------------------ out=

def test_out_is_written_in_place(files):
    sources = [files["good_png"], files["good_jpg"]]
    out = np.full((2, 6, 10, 4), 7, np.uint8)
    result = parcrop.crop_boxes(sources, [[0, 0, 40, 40]] * 2, (6, 10), channels=4, out=out)
    assert result is out
    np.testing.assert_array_equal(out, parcrop.crop_boxes(sources, [[0, 0, 40, 40]] * 2, (6, 10), channels=4))
    glimpses = np.zeros((2, 9, 9, 1), np.uint8)
    assert parcrop.crop(sources, 0.1, 0.2, 0.3, window_size=9, channels=1, out=glimpses) is glimpses
    result, status = parcrop.crop(sources, 0.1, 0.2, 0.3, window_size=9, channels=1, out=glimpses,
                                  errors="status")
    assert result is glimpses and status.tolist() == [0, 0]


def _rejected_outs():
    good = (2, 6, 6, 3)
    readonly = np.zeros(good, np.uint8)
    readonly.flags.writeable = False
    return [
        (TypeError, [[0]]),
        (TypeError, np.zeros(good, np.float32)),
        (TypeError, np.zeros(good, np.int8)),
        (ValueError, np.zeros((2, 6, 6, 4), np.uint8)),
        (ValueError, np.zeros((3, 6, 6, 3), np.uint8)),
        (ValueError, np.zeros((2 * 6 * 6 * 3,), np.uint8)),
        (ValueError, np.zeros((2, 6, 6, 3), np.uint8, order="F")),
        (ValueError, np.zeros((2, 6, 12, 3), np.uint8)[:, :, ::2]),
        (ValueError, readonly),
    ]


@pytest.mark.parametrize("error,out", _rejected_outs())
def test_out_rejections(files, error, out):
    sources = [files["good_png"]] * 2
    before = out.copy() if isinstance(out, np.ndarray) else None
    with pytest.raises(error):
        parcrop.crop_boxes(sources, [[0, 0, 8, 8]] * 2, 6, out=out)
    with pytest.raises(error):
        parcrop.crop(sources, 0.1, 0.1, 0.1, window_size=6, out=out)
    if before is not None:
        np.testing.assert_array_equal(out, before)


# ------------------------------------------------------------------ argument errors

@pytest.mark.parametrize("error,kwargs", [
    (ValueError, dict(boxes=[[0, 0, 8, 8]])),                      # one box for two sources
    (ValueError, dict(boxes=[[0, 0, 8, 8, 9]] * 2)),               # five coordinates
    (ValueError, dict(boxes=[0, 0, 8, 8])),                        # flat
    (TypeError, dict(boxes=[["a", "b", "c", "d"]] * 2)),           # strings
    (TypeError, dict(boxes=np.zeros((2, 4), complex))),
    (TypeError, dict(boxes=[[0, 0, 8, None]] * 2)),
    (ValueError, dict(size=0)),
    (ValueError, dict(size=65536)),
    (ValueError, dict(size=(4, 4, 4))),
    (TypeError, dict(size=4.5)),
    (TypeError, dict(size="4")),
    (ValueError, dict(channels=2)),
    (TypeError, dict(channels=3.0)),
    (ValueError, dict(filter="cubic")),
    (TypeError, dict(filter=2)),
    (ValueError, dict(mode="quick")),
    (ValueError, dict(errors="warn")),
    (ValueError, dict(num_threads=-1)),
    (TypeError, dict(num_threads=1.5)),
])
def test_crop_boxes_argument_errors(files, error, kwargs):
    args = dict(sources=[files["good_png"]] * 2, boxes=[[0, 0, 8, 8]] * 2, size=4)
    args.update(kwargs)
    with pytest.raises(error):
        parcrop.crop_boxes(**args)


@pytest.mark.parametrize("error,kwargs", [
    (ValueError, dict(x=[0.1, 0.2, 0.3])),
    (ValueError, dict(y=np.zeros((2, 1)))),
    (ValueError, dict(scale=[])),
    (TypeError, dict(x=["0.1", "0.2"])),
    (TypeError, dict(scale=[0.1, None])),
    (ValueError, dict(window_size=0)),
    (TypeError, dict(window_size=32.0)),
    (ValueError, dict(channels=0)),
    (ValueError, dict(max_img_percent=0.0)),
    (ValueError, dict(max_img_percent=float("nan"))),
    (TypeError, dict(max_img_percent="0.25")),
    (ValueError, dict(filter="")),
    (ValueError, dict(errors=None)),
])
def test_crop_argument_errors(files, error, kwargs):
    args = dict(paths=[files["good_png"]] * 2, x=[0.1, 0.2], y=[0.1, 0.2], scale=[0.2, 0.2])
    args.update(kwargs)
    with pytest.raises(error):
        parcrop.crop(**args)


@pytest.mark.parametrize("error,sources", [
    (TypeError, "image.png"),                   # a single path, not a list
    (TypeError, b"\x89PNG"),                    # a single bytes object
    (TypeError, np.zeros(10, np.uint8)),        # a single encoded array
    (TypeError, [3]),
    (TypeError, [None]),
    (TypeError, [np.zeros(4, np.float32)]),     # encoded bytes must be uint8
    (ValueError, [np.zeros((4, 4), np.uint8)[:, ::2]]),  # and contiguous
    (ValueError, ["bad\0path.png"]),
    (TypeError, 5),
])
def test_bad_sources_raise_before_native_work(error, sources):
    count = 1 if not isinstance(sources, list) else len(sources)
    with pytest.raises(error):
        parcrop.crop_boxes(sources, [[0, 0, 1, 1]] * count, 4)


def test_empty_in_memory_source_is_an_item_error():
    _, status = parcrop.crop_boxes([b"", bytearray(), np.zeros(0, np.uint8)], [[0, 0, 1, 1]] * 3, 4,
                                   errors="status")
    assert status.tolist() == [Status.EMPTY_INPUT] * 3


def test_status_enum_mirrors_the_library():
    from parcrop._lib import ffi, lib

    for status in Status:
        assert getattr(lib, "PARCROP_" + ("" if status.value < 100 else "E_") + status.name) == status.value
        text = ffi.string(lib.parcrop_strerror(status)).decode()
        assert text and text != "unknown status code"
    assert Status.TRUNCATED.group == 2


def test_library_info():
    assert os.path.isfile(parcrop.library_path())
    assert parcrop.library_version() == parcrop.__version__ == "0.3.0"
