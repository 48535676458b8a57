"""parcrop.probe against Pillow: sizes, EXIF orientation and display sizes of files Pillow
writes, statuses of bad inputs, and the result object's shape."""

import doctest
import io
import os

import numpy as np
import pytest
from PIL import Image, ImageOps

import parcrop
from parcrop import _probe


def _photo(mode, size=(37, 23), seed=0):
    rng = np.random.default_rng(seed)
    rgb = Image.fromarray(rng.integers(0, 256, (size[1], size[0], 3), dtype=np.uint8), "RGB")
    if mode == "RGBA":
        return Image.merge("RGBA", (*rgb.split(), rgb.convert("L")))
    if mode == "LA":
        return Image.merge("LA", (rgb.convert("L"), rgb.getchannel(0)))
    if mode == "P":
        return rgb.quantize(64)
    return rgb.convert(mode)


def _encode(image, fmt, **options):
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


# (format, mode, save options, parcrop's channels)
CASES = [
    ("JPEG", "L", {}, 1),
    ("JPEG", "RGB", {}, 3),
    ("JPEG", "RGB", {"progressive": True}, 3),
    ("JPEG", "CMYK", {}, 3),
    ("PNG", "1", {}, 1),
    ("PNG", "L", {}, 1),
    ("PNG", "LA", {}, 2),
    ("PNG", "P", {}, 3),
    ("PNG", "RGB", {}, 3),
    ("PNG", "RGBA", {}, 4),
    ("PNG", "I;16", {}, 1),
    ("BMP", "1", {}, 1),
    ("BMP", "L", {}, 1),
    ("BMP", "P", {}, 3),
    ("BMP", "RGB", {}, 3),
    ("GIF", "L", {}, 3),
    ("GIF", "P", {}, 3),
    ("GIF", "RGB", {}, 3),
    ("TGA", "L", {}, 1),
    ("TGA", "LA", {}, 2),
    ("TGA", "P", {}, 3),
    ("TGA", "RGB", {}, 3),
    ("TGA", "RGBA", {}, 4),
    ("TGA", "RGB", {"compression": "tga_rle"}, 3),
    ("PPM", "L", {}, 1),
    ("PPM", "RGB", {}, 3),
]


@pytest.mark.parametrize("fmt,mode,options,channels", CASES,
                         ids=[f"{c[0]}-{c[1]}-{'-'.join(c[2])}" for c in CASES])
def test_sizes_match_pillow(tmp_path, fmt, mode, options, channels):
    sizes = [(37, 23), (1, 1), (300, 7), (8, 129)]
    paths, blobs, expected = [], [], []
    for index, size in enumerate(sizes):
        data = _encode(_photo(mode, size, index), fmt, **options)
        path = tmp_path / f"{index}.{fmt.lower()}"
        path.write_bytes(data)
        paths.append(str(path))
        blobs.append(data)
        expected.append(Image.open(io.BytesIO(data)).size)
    for sources in (paths, blobs):
        info = parcrop.probe(sources)
        assert info.size.tolist() == [list(s) for s in expected]
        assert info.display_size.tolist() == [list(s) for s in expected]
        assert info.ok.all()
        assert set(info.format.tolist()) == {"pnm" if fmt == "PPM" else fmt.lower()}
        assert info.channels.tolist() == [channels] * len(sizes)
        assert info.exif_orientation.tolist() == [1] * len(sizes)
        assert info.progressive.tolist() == [bool(options.get("progressive"))] * len(sizes)
        assert not info.exif_malformed.any()


def test_alpha_and_interlace_flags():
    # Pillow interlaces GIFs by default when both sides are at least 16 pixels.
    transparent_gif = _encode(_photo("P"), "GIF", transparency=0)
    flat_gif = _encode(_photo("P"), "GIF", interlace=False)
    trns_png = _encode(_photo("RGB"), "PNG", transparency=(1, 2, 3))
    info = parcrop.probe([transparent_gif, flat_gif, trns_png, _encode(_photo("RGBA"), "PNG")])
    assert info.has_alpha.tolist() == [True, False, True, True]
    assert info.channels.tolist() == [4, 3, 4, 4]
    assert info.interlaced.tolist() == [True, False, False, False]


def test_restart_interval():
    # Pillow passes restart_marker_blocks/rows to libjpeg: one MCU row of a 64-pixel-wide
    # 4:2:0 image is 4 MCUs.
    image = _photo("RGB", (64, 48))
    info = parcrop.probe([_encode(image, "JPEG", restart_marker_rows=1),
                          _encode(image, "JPEG", restart_marker_blocks=5),
                          _encode(image, "JPEG")])
    assert info.restart_interval.tolist() == [4, 5, 0]


@pytest.mark.parametrize("fmt", ["JPEG", "PNG"])
@pytest.mark.parametrize("orientation", range(1, 9))
def test_exif_orientation_matches_pillow(fmt, orientation):
    image = _photo("RGB", (40, 25))
    exif = Image.Exif()
    exif[0x0112] = orientation
    exif[0x010F] = "parcrop"
    data = _encode(image, fmt, exif=exif.tobytes())
    opened = Image.open(io.BytesIO(data))
    assert opened.getexif()[0x0112] == orientation
    info = parcrop.probe([data])
    assert info.exif_orientation.tolist() == [orientation]
    assert tuple(info.size[0]) == opened.size
    assert tuple(info.display_size[0]) == ImageOps.exif_transpose(opened).size
    assert not info.exif_malformed[0]
    assert info.messages == {}


def test_malformed_exif_is_a_note_not_a_failure():
    image = _photo("RGB", (40, 25))
    data = _encode(image, "JPEG", exif=b"Exif\x00\x00II*\x00\xff\xff\x00\x00")  # IFD0 far past the end
    info = parcrop.probe([data])
    assert info.ok.all()
    assert info.exif_orientation.tolist() == [1]
    assert info.exif_malformed.tolist() == [True]
    assert "exif" in info.messages[0]
    assert info[0]["message"] == info.messages[0]


def test_bad_inputs_have_statuses(tmp_path):
    jpeg = _encode(_photo("RGB"), "JPEG")
    (tmp_path / "cut.jpg").write_bytes(jpeg[:100])
    sources = [str(tmp_path / "missing.jpg"), b"<html>not an image</html>", b"", str(tmp_path),
               str(tmp_path / "cut.jpg"), jpeg]
    info = parcrop.probe(sources, errors="status")
    assert [parcrop.Status(s) for s in info.statuses] == [
        parcrop.Status.FILE_NOT_FOUND, parcrop.Status.UNKNOWN_FORMAT, parcrop.Status.EMPTY_INPUT,
        parcrop.Status.NOT_A_FILE, parcrop.Status.TRUNCATED, parcrop.Status.OK]
    assert info.ok.tolist() == [False] * 5 + [True]
    assert info.width[:5].tolist() == [0] * 5 and info.format[:5].tolist() == ["unknown"] * 5
    assert set(info.messages) == {0, 1, 2, 3, 4}
    assert parcrop.probe(sources, errors="ignore").statuses.tolist() == info.statuses.tolist()

    with pytest.raises(parcrop.InputError) as raised:
        parcrop.probe(sources)
    assert raised.value.status == parcrop.Status.FILE_NOT_FOUND
    assert [f[0] for f in raised.value.failures] == [0, 1, 2, 3, 4]
    assert isinstance(raised.value.output, parcrop.ImageInfo)
    assert raised.value.output.width[5] == 37

    with pytest.raises(parcrop.LimitError):
        parcrop.probe([jpeg], max_width=36)
    with pytest.raises(parcrop.LimitError):
        parcrop.probe([jpeg], max_file_size=len(jpeg) - 1)
    with pytest.raises(ValueError):
        parcrop.probe([jpeg], errors="loud")
    with pytest.raises(TypeError):
        parcrop.probe(jpeg)


def test_large_sparse_file_is_probed_from_its_header(tmp_path):
    path = tmp_path / "big.png"
    path.write_bytes(_encode(_photo("RGB", (640, 480)), "PNG"))
    with open(path, "r+b") as handle:
        handle.truncate(200 << 20)
    info = parcrop.probe([str(path)] * 16)
    assert info.size.tolist() == [[640, 480]] * 16


def test_cropper_probe_and_result_object(tmp_path):
    blobs = [_encode(_photo("RGB", (10 + i, 20)), "PNG") for i in range(50)]
    with parcrop.Cropper(num_threads=2) as cropper:
        info = cropper.probe(blobs)
        again = cropper.probe(blobs, errors="status")
    assert info.width.tolist() == list(range(10, 60))
    assert again.width.tolist() == info.width.tolist()
    assert len(info) == 50
    assert info.width.dtype == np.uint32 and info.exif_orientation.dtype == np.uint8
    assert info.progressive.dtype == bool
    assert info[-1]["width"] == 59 and info[-1]["format"] == "png" and info[-1]["status"] == 0
    assert "50 images" in repr(info)
    assert len(parcrop.probe([])) == 0
    with pytest.raises(ValueError):
        cropper.probe(blobs)  # closed


def test_docstring_example():
    result = doctest.testmod(_probe, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0 and result.attempted > 0


def test_pathlike_and_bytes_paths(tmp_path):
    path = tmp_path / "a.bmp"
    path.write_bytes(_encode(_photo("RGB"), "BMP"))
    info = parcrop.probe([path, os.fsdecode(bytes(path))])
    assert info.size.tolist() == [[37, 23], [37, 23]]
