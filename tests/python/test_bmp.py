"""parcrop's BMP decoder against Pillow's, on BMPs Pillow writes and run-length files made here.

Crops are taken at their own size with nearest resampling, so parcrop's output is the
decoded pixels themselves.
"""

import io
import struct

import numpy as np
import pytest
from PIL import Image

import parcrop
from parcrop_testutil import noise, smooth


def _crop(data, box, channels):
    x0, y0, x1, y1 = box
    return parcrop.crop_boxes([data], [box], (y1 - y0, x1 - x0), channels=channels, filter="nearest",
                              mode="exact")[0]


def _pillow(data, box, channels):
    image = Image.open(io.BytesIO(data)).convert("RGB" if channels != 4 else "RGBA")
    if channels == 1:
        image = image.convert("L")
    array = np.asarray(image.crop(box))
    return array[:, :, None] if array.ndim == 2 else array


def _boxes(rng, width, height):
    boxes = [(0, 0, width, height), (width - 1, height - 1, width, height)]
    for _ in range(4):
        x0, y0 = int(rng.integers(0, width)), int(rng.integers(0, height))
        boxes.append((x0, y0, int(rng.integers(x0 + 1, width + 1)), int(rng.integers(y0 + 1, height + 1))))
    return boxes


def _check_equals_pillow(rng, data, width, height):
    for box in _boxes(rng, width, height):
        for channels in (1, 3, 4):
            np.testing.assert_array_equal(_crop(data, box, channels), _pillow(data, box, channels),
                                          err_msg=f"box {box}, {channels} channels")


@pytest.mark.parametrize("mode", ["1", "L", "P", "RGB", "RGBA"])
def test_bmps_pillow_writes(rng, mode):
    height, width = 37, 53
    image = Image.fromarray(smooth(rng, height, width, 3), "RGB")
    if mode == "P":
        image = image.quantize(200)
    elif mode == "RGBA":
        image = Image.fromarray(noise(rng, height, width, 4), "RGBA")
    else:
        image = image.convert(mode)
    buffer = io.BytesIO()
    image.save(buffer, "BMP")
    _check_equals_pillow(rng, buffer.getvalue(), width, height)


def _bmp(width, height, bits, compression, palette, data):
    info = struct.pack("<IiiHHIIiiII", 40, width, height, 1, bits, compression, len(data), 2835, 2835,
                       len(palette), 0)
    table = b"".join(bytes((b, g, r, 0)) for r, g, b in palette)
    offset = 14 + len(info) + len(table)
    return b"BM" + struct.pack("<IHHI", offset + len(data), 0, 0, offset) + info + table + data


def _rle_rows(rng, indices, four_bit):
    """Encoded runs, absolute runs and an occasional delta, each row ending with end-of-line."""
    out = bytearray()
    height, width = indices.shape
    for row in indices[::-1]:  # bottom-up
        x = 0
        while x < width:
            left = width - x
            kind = int(rng.integers(0, 3))
            if kind == 0 or left < 3:
                count = int(rng.integers(1, min(left, 255) + 1))
                first, second = int(row[x]), int(row[x + 1]) if count > 1 else int(row[x])
                if four_bit:
                    out += bytes((count, first << 4 | second))
                    row[x:x + count] = [first if i % 2 == 0 else second for i in range(count)]
                else:
                    out += bytes((count, first))
                    row[x:x + count] = first
                x += count
            elif kind == 1:
                count = int(rng.integers(3, min(left, 255) + 1))
                values = [int(v) for v in row[x:x + count]]
                if four_bit:
                    values += [0] * (count % 2)
                    packed = bytes(values[i] << 4 | values[i + 1] for i in range(0, count, 2))
                else:
                    packed = bytes(values)
                out += bytes((0, count)) + packed + b"\0" * (len(packed) % 2)
                x += count
            else:  # a delta along the row: the skipped pixels are index 0
                right = int(rng.integers(1, min(left, 255) + 1))
                out += bytes((0, 2, right, 0))
                row[x:x + right] = 0
                x += right
        out += b"\0\0"
    return bytes(out + b"\0\1")


@pytest.mark.parametrize("four_bit", [False, True])
def test_run_length_files(rng, four_bit):
    for width, height in ((1, 1), (2, 3), (17, 9), (300, 12)):
        colors = 16 if four_bit else 256
        palette = [tuple(int(v) for v in rng.integers(0, 256, 3)) for _ in range(colors)]
        indices = rng.integers(0, colors, (height, width)).astype(np.uint8)
        runs = _rle_rows(rng, indices, four_bit)
        data = _bmp(width, height, 4 if four_bit else 8, 2 if four_bit else 1, palette, runs)
        _check_equals_pillow(rng, data, width, height)
        # And the pixels the stream paints, independently of Pillow.
        lut = np.array(palette, np.uint8)
        np.testing.assert_array_equal(_crop(data, (0, 0, width, height), 3), lut[indices])
