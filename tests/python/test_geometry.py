"""Flips, boxes beyond the image (pad, clamp) and output into the caller's memory."""

import numpy as np
import pytest
from PIL import Image

import parcrop
from parcrop import Status
from parcrop_testutil import PIL_MODES, encode, noise, pillow_two_pass, smooth

FILTERS = ["nearest", "bilinear", "bicubic", "area", "lanczos3"]
PILLOW_FILTERS = {"bilinear": Image.BILINEAR, "bicubic": Image.BICUBIC, "area": Image.BOX,
                  "lanczos3": Image.LANCZOS}


@pytest.mark.parametrize("filter", FILTERS)
@pytest.mark.parametrize("mode", ["exact", "fast"])
def test_flips_equal_np_flip_of_the_unflipped_crop(rng, filter, mode):
    image = smooth(rng, 300, 410, 3)
    data = encode(image, "JPEG", quality=92)
    boxes = [[13.5, 7, 397, 290], [100, 40, 180, 90], [0, 0, 410, 300]]
    sources = [data] * len(boxes)
    plain = parcrop.crop_boxes(sources, boxes, (21, 34), filter=filter, mode=mode)
    h = parcrop.crop_boxes(sources, boxes, (21, 34), filter=filter, mode=mode, hflip=True)
    v = parcrop.crop_boxes(sources, boxes, (21, 34), filter=filter, mode=mode, vflip=True)
    hv = parcrop.crop_boxes(sources, boxes, (21, 34), filter=filter, mode=mode, hflip=True, vflip=True)
    np.testing.assert_array_equal(h, plain[:, :, ::-1])
    np.testing.assert_array_equal(v, plain[:, ::-1])
    np.testing.assert_array_equal(hv, plain[:, ::-1, ::-1])


def test_per_item_flips(rng):
    data = encode(noise(rng, 40, 50, 4))
    boxes = [[3, 2, 41, 37]] * 4
    hflip, vflip = [False, True, False, True], [False, False, True, True]
    plain = parcrop.crop_boxes([data] * 4, boxes, 9, channels=4)
    got = parcrop.crop_boxes([data] * 4, boxes, 9, channels=4, hflip=hflip, vflip=vflip)
    for i in range(4):
        want = plain[i]
        if hflip[i]:
            want = want[:, ::-1]
        if vflip[i]:
            want = want[::-1]
        np.testing.assert_array_equal(got[i], want)


def _padded_reference(image, box, size, filter, fill):
    """Pillow: the image pasted on a canvas of the fill, cropped to the box, resized."""
    x0, y0, x1, y1 = box
    channels = image.shape[2]
    mode = PIL_MODES[channels]
    canvas = Image.new(mode, (x1 - x0, y1 - y0), tuple(fill) if channels > 1 else fill[0])
    canvas.paste(Image.fromarray(image if channels > 1 else image[:, :, 0], mode), (-x0, -y0))
    padded = np.asarray(canvas).reshape(y1 - y0, x1 - x0, channels)
    if filter == "nearest":
        f32 = np.float32
        height, width = size
        rows = np.floor((np.arange(height, dtype=f32) + f32(0.5)) * (f32(y1 - y0) / f32(height))).astype(int)
        cols = np.floor((np.arange(width, dtype=f32) + f32(0.5)) * (f32(x1 - x0) / f32(width))).astype(int)
        return padded[rows][:, cols]
    return pillow_two_pass(padded if channels > 1 else padded[:, :, 0], (0, 0, x1 - x0, y1 - y0), size,
                           PILLOW_FILTERS[filter])


@pytest.mark.parametrize("filter", FILTERS)
@pytest.mark.parametrize("channels", [1, 3, 4])
def test_pad_equals_pillow_on_the_padded_image(rng, filter, channels):
    image = noise(rng, 37, 53, 4)
    converted = np.asarray(Image.fromarray(image, "RGBA").convert(
        {1: "L", 3: "RGB", 4: "RGBA"}[channels])).reshape(37, 53, channels)
    data = encode(converted if channels > 1 else converted[:, :, 0])
    fill = [7, 200, 31, 128][:channels]
    boxes = [(-10, -5, 30, 20), (40, 30, 70, 50), (-3, -4, 60, 45), (20, -30, 35, 5), (-20, 10, 10, 20)]
    for size in [(16, 20), (50, 70), (3, 2)]:
        got = parcrop.crop_boxes([data] * len(boxes), boxes, size, channels=channels, filter=filter,
                                 mode="exact", out_of_bounds="pad", fill=fill)
        for crop, box in zip(got, boxes):
            want = _padded_reference(converted, box, size, filter, fill)
            np.testing.assert_array_equal(crop, want, err_msg=f"box {box}, size {size}")


def test_a_box_wholly_outside_gives_the_fill(rng):
    data = encode(noise(rng, 30, 40, 3))
    boxes = [[50, 0, 90, 30], [-40, -40, -1, -1], [0, 31, 40, 60]]
    for filter in FILTERS:
        got = parcrop.crop_boxes([data] * 3, boxes, (8, 11), filter=filter, out_of_bounds="pad", fill=(1, 2, 3))
        assert (got == np.array([1, 2, 3], np.uint8)).all(), filter
    # Wholly outside needs no decode: even a file that cannot be decoded past its header.
    truncated = encode(noise(rng, 30, 40, 3))[:200]
    got, statuses = parcrop.crop_boxes([truncated, truncated], [[50, 0, 90, 30], [0, 0, 10, 10]], 4,
                                       out_of_bounds="pad", fill=9, errors="status")
    assert statuses.tolist() == [Status.OK, Status.TRUNCATED]
    assert (got[0] == 9).all() and not got[1].any()


def test_clamp_equals_the_moved_box(rng):
    image = noise(rng, 60, 80, 3)
    data = encode(image)
    cases = {  # box: the box inside the image that clamp must crop
        (-10, -5, 30, 25): (0, 0, 40, 30),
        (70, 50, 100, 70): (50, 40, 80, 60),
        (-20, 10, 120, 30): (0, 10, 80, 30),     # wider than the image: the whole width
        (10.5, -2.25, 30.5, 7.75): (10.5, 0, 30.5, 10),
        (5, 5, 25, 25): (5, 5, 25, 25),          # inside: unchanged
    }
    for filter in ["nearest", "bilinear", "lanczos3"]:
        got = parcrop.crop_boxes([data] * len(cases), list(cases), (12, 17), filter=filter, mode="exact",
                                 out_of_bounds="clamp")
        want = parcrop.crop_boxes([data] * len(cases), list(cases.values()), (12, 17), filter=filter,
                                  mode="exact")
        np.testing.assert_array_equal(got, want)
    want = pillow_two_pass(image, (0, 0, 40, 30), (12, 17), Image.BILINEAR)
    got = parcrop.crop_boxes([data], [(-10, -5, 30, 25)], (12, 17), mode="exact", out_of_bounds="clamp")[0]
    np.testing.assert_array_equal(got, want)


def test_invalid_boxes_stay_errors_under_every_policy(rng):
    data = encode(noise(rng, 30, 40, 3))
    bad = [[np.nan, 0, 10, 10], [5, 5, 5, 9], [0, 0, np.inf, 10], [-1e9, 0, 10, 10], [0, 0, 70000, 10]]
    for policy in ["pad", "clamp"]:
        _, statuses = parcrop.crop_boxes([data] * len(bad), bad, 4, out_of_bounds=policy, errors="status")
        expected = [Status.INVALID_BOX] * 3 + ([Status.INVALID_BOX] * 2 if policy == "pad" else [Status.OK] * 2)
        assert statuses.tolist() == expected, policy
    _, statuses = parcrop.crop_boxes([data], [[-1, 0, 10, 10]], 4, errors="status")
    assert statuses.tolist() == [Status.INVALID_BOX]


def test_geometry_arguments_are_checked(rng):
    data = encode(noise(rng, 8, 8, 3))
    with pytest.raises(ValueError, match="out_of_bounds"):
        parcrop.crop_boxes([data], [[0, 0, 4, 4]], 2, out_of_bounds="wrap")
    with pytest.raises(ValueError, match="fill"):
        parcrop.crop_boxes([data], [[0, 0, 4, 4]], 2, fill=256)
    with pytest.raises(ValueError, match="fill"):
        parcrop.crop_boxes([data], [[0, 0, 4, 4]], 2, fill=(1, 2))
    with pytest.raises(ValueError, match="hflip"):
        parcrop.crop_boxes([data] * 2, [[0, 0, 4, 4]] * 2, 2, hflip=[True])
    with pytest.raises(TypeError, match="vflip"):
        parcrop.crop_boxes([data], [[0, 0, 4, 4]], 2, vflip="yes")


def test_out_accepts_buffers_that_expose_their_memory(rng):
    data = encode(noise(rng, 20, 30, 3))
    want = parcrop.crop_boxes([data] * 2, [[0, 0, 20, 10], [5, 5, 25, 20]], (6, 7))

    class ArrayInterface:
        def __init__(self, array):
            self.array = array
            self.__array_interface__ = array.__array_interface__

    backing = np.zeros((2, 6, 7, 3), np.uint8)
    target = ArrayInterface(backing)
    assert parcrop.crop_boxes([data] * 2, [[0, 0, 20, 10], [5, 5, 25, 20]], (6, 7), out=target) is target
    np.testing.assert_array_equal(backing, want)

    raw = bytearray(want.nbytes)
    with pytest.raises(ValueError, match="shape"):
        parcrop.crop_boxes([data] * 2, [[0, 0, 20, 10], [5, 5, 25, 20]], (6, 7), out=raw)
    with pytest.raises(ValueError, match="writable"):
        parcrop.crop_boxes([data] * 2, [[0, 0, 20, 10], [5, 5, 25, 20]], (6, 7), out=_read_only((2, 6, 7, 3)))
    with pytest.raises(TypeError, match="expose its memory"):
        parcrop.crop_boxes([data], [[0, 0, 20, 10]], (6, 7), out=[[0]])


def _read_only(shape):
    array = np.zeros(shape, np.uint8)
    array.setflags(write=False)
    return array


def test_out_accepts_a_torch_tensor():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(5)
    data = encode(noise(rng, 20, 30, 3))
    tensor = torch.zeros((1, 6, 7, 3), dtype=torch.uint8)
    assert parcrop.crop_boxes([data], [[0, 0, 20, 10]], (6, 7), out=tensor) is tensor
    np.testing.assert_array_equal(tensor.numpy(), parcrop.crop_boxes([data], [[0, 0, 20, 10]], (6, 7)))
    nchw = tensor.permute(0, 3, 1, 2)
    assert nchw.shape == (1, 3, 6, 7) and nchw.is_contiguous(memory_format=torch.channels_last)
