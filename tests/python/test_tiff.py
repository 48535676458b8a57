"""Tiled, stripped and pyramidal TIFF / BigTIFF against independent readers.

Files are written by libvips (pyvips tiffsave, as `vips tiffsave --tile --pyramid` writes
them) and by tifffile; the references are the same levels read back by tifffile (which
decodes with imagecodecs: libjpeg-turbo, libwebp, zlib/libdeflate, zstd) and by Pillow's
resampler. The contract under test (boxes always in level-0 pixels; mode="exact" reads
level 0; mode="fast" reads the most reduced level whose downsample does not exceed the
crop's scale) is the design of the TIFF reader, which lands separately from these tests.

Tolerances, measured (test_reference_decoders_agree_on_tiles keeps them honest): parcrop's
JPEG and WebP decoders give the same bytes as tifffile/imagecodecs on these files' tiles
(JPEG YCbCr 4:2:0, gray, and lossy WebP RGB/RGBA: max abs diff 0), and libvips (libtiff
+ the system libjpeg-turbo) gives the same bytes as tifffile. So exact-mode crops of lossy
files are held to the same bytes as the reference, like lossless ones (LOSSY_TOLERANCE).
Only fast mode on JPEG, which may scale in the DCT domain, is compared approximately.
"""

import io
import math

import numpy as np
import pytest
from PIL import Image

import parcrop
from parcrop import Status
from parcrop_testutil import max_abs_diff, pillow_two_pass

tifffile = pytest.importorskip("tifffile")
pytest.importorskip("imagecodecs")

import tiff_fixtures as tf  # noqa: E402  (needs tifffile)
from tiff_fixtures import Spec  # noqa: E402

PILLOW_FILTERS = {"bilinear": Image.BILINEAR, "bicubic": Image.BICUBIC, "area": Image.BOX,
                  "lanczos3": Image.LANCZOS}

# Max abs diff allowed between an exact-mode crop of a lossy file and tifffile's decode
# of the same level: 0 measured for both (see the module docstring).
LOSSY_TOLERANCE = {"jpeg": 0, "webp": 0}

# The output channels that keep what each file stores (gray+alpha comes out as RGBA).
OUT_CHANNELS = {1: 1, 2: 4, 3: 3, 4: 4}

# The main variety: writer, channels, compression, tiles or strips, byte order, BigTIFF,
# SubIFD pyramids, predictor. 1100 x 790 with 128-pixel tiles: partial last tile column
# (1100 = 8 * 128 + 76) and row (790 = 6 * 128 + 22).
VARIANTS = [
    Spec("vips-jpeg-rgb", "vips", 3, "jpeg"),  # YCbCr 4:2:0, JPEGTables
    Spec("vips-jpeg-rgb-q95-bigtiff-subifd", "vips", 3, "jpeg", quality=95, bigtiff=True, subifd=True),  # RGB
    Spec("vips-jpeg-gray-tile256", "vips", 1, "jpeg", tile=256),
    Spec("vips-deflate-rgb-predictor", "vips", 3, "deflate", predictor=True),
    Spec("vips-lzw-rgba", "vips", 4, "lzw"),
    Spec("vips-zstd-graya-bigtiff", "vips", 2, "zstd", bigtiff=True, predictor=True),
    Spec("vips-webp-rgb", "vips", 3, "webp"),
    Spec("vips-webp-rgba-lossless-subifd", "vips", 4, "webp", lossless_webp=True, subifd=True),
    Spec("vips-none-gray-subifd", "vips", 1, "none", subifd=True),
    Spec("vips-strips-jpeg-rgb", "vips", 3, "jpeg", tile=None),
    Spec("tf-none-rgb-bigendian", "tifffile", 3, "none", byteorder=">"),
    Spec("tf-deflate-graya-subifd-predictor", "tifffile", 2, "deflate", subifd=True, predictor=True),
    Spec("tf-lzw-rgba-bigendian-bigtiff", "tifffile", 4, "lzw", byteorder=">", bigtiff=True, predictor=True),
    Spec("tf-zstd-gray", "tifffile", 1, "zstd"),
    Spec("tf-webp-rgba-lossless", "tifffile", 4, "webp", lossless_webp=True),
    Spec("tf-jpeg-rgb-bigendian-subifd", "tifffile", 3, "jpeg", byteorder=">", subifd=True),
    Spec("tf-strips-deflate-rgb", "tifffile", 3, "deflate", tile=None, rows_per_strip=37),
    Spec("tf-strips-none-gray-bigendian", "tifffile", 1, "none", tile=None, rows_per_strip=1, byteorder=">",
         levels=2),
    Spec("tf-strips-lzw-rgba-bigtiff", "tifffile", 4, "lzw", tile=None, rows_per_strip=64, bigtiff=True,
         predictor=True, levels=3),
]
VARIANT_IDS = [spec.name for spec in VARIANTS]


def _pyvips():
    """pyvips, or a skip: it loads libvips at import and raises OSError, not ImportError, where
    libvips cannot load (scripts/test_wheel.sh hides the system's libjpeg and libwebp)."""
    try:
        import pyvips
    except Exception as exc:  # ImportError, or OSError from loading libvips
        pytest.skip(f"pyvips unavailable: {exc}")
    return pyvips


def _needs(spec):
    if spec.writer == "vips":
        _pyvips()


class Built:
    """A written file, its tifffile reference levels and facts about its first page."""

    def __init__(self, path, spec=None):
        self.path = path
        self.spec = spec
        self.data = open(path, "rb").read()
        self.levels = tf.read_levels(path)
        with tifffile.TiffFile(path) as tif:
            page = tif.pages[0]
            self.tiled = page.is_tiled
            self.tile = (page.tilewidth, page.tilelength) if page.is_tiled else (
                page.imagewidth, min(page.rowsperstrip or page.imagelength, page.imagelength))
            self.compression = tf.COMPRESSION_NAMES.get(int(page.compression), "other")
            self.mpp = _expected_mpp(page)
        self.height, self.width = self.levels[0].shape[:2]
        self.channels = self.levels[0].shape[2]

    @property
    def level0(self):
        return self.levels[0]

    @property
    def lossy(self):
        return self.spec is not None and self.spec.lossy


@pytest.fixture(scope="module")
def cropper():
    with parcrop.Cropper(num_threads=2) as context:
        yield context


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return tmp_path_factory.mktemp("tiff")


_BUILT = {}


@pytest.fixture(scope="module")
def build(folder):
    def get(spec):
        _needs(spec)
        if spec.name not in _BUILT:
            _BUILT[spec.name] = Built(tf.make(folder, spec), spec)
        return _BUILT[spec.name]

    yield get
    _BUILT.clear()


def _expected_mpp(page):
    """Microns per pixel (x, y) from XResolution/YResolution in cm or inch, else Aperio's
    "MPP = " in ImageDescription, else NaN."""
    tags = page.tags
    unit = int(tags["ResolutionUnit"].value) if "ResolutionUnit" in tags else 2  # TIFF's default: inch
    if unit in (2, 3) and "XResolution" in tags and "YResolution" in tags:
        per_unit = 25400.0 if unit == 2 else 10000.0
        values = []
        for name in ("XResolution", "YResolution"):
            numerator, denominator = tags[name].value
            values.append(per_unit * denominator / numerator if numerator and denominator else math.nan)
        if all(np.isfinite(values)):
            return tuple(values)
    description = str(tags["ImageDescription"].value) if "ImageDescription" in tags else ""
    if "MPP = " in description:
        value = float(description.split("MPP = ")[1].split("|")[0])
        return (value, value)
    return (math.nan, math.nan)


def _convert(reference, channels):
    """The stored channels as parcrop's output channels: gray replicated, alpha kept or
    dropped, opaque alpha added. (RGB to gray is compared through the PNG oracle.)"""
    stored = reference.shape[2]
    color = reference[:, :, :1] if stored <= 2 else reference[:, :, :3]
    alpha = reference[:, :, -1:] if stored in (2, 4) else np.full(reference.shape[:2] + (1,), 255, np.uint8)
    if channels == 1:
        assert stored <= 2, "RGB to gray: use the PNG oracle"
        return color
    rgb = np.repeat(color, 3, axis=2) if color.shape[2] == 1 else color
    return rgb if channels == 3 else np.concatenate([rgb, alpha], axis=2)


def _png_of(reference):
    """The reference as a PNG: parcrop's PNG path (tested against Pillow elsewhere) is the
    oracle for what its TIFF path must give on the same pixels, with any options."""
    mode = {1: "L", 2: "LA", 3: "RGB", 4: "RGBA"}[reference.shape[2]]
    array = reference[:, :, 0] if reference.shape[2] == 1 else reference
    buffer = io.BytesIO()
    Image.fromarray(array, mode).save(buffer, "PNG", compress_level=1)
    return buffer.getvalue()


def _edge_boxes(width, height, tile_w, tile_h):
    """Boxes that touch every edge, straddle tiles (or strips), are one pixel, or lie in the
    last partial tile row and column."""
    boxes = [[0, 0, width, height], [0, 0, 1, 1], [width - 1, height - 1, width, height],
             [width - 1, 0, width, 1], [0, height - 1, 1, height], [0, 0, width, 1],
             [0, height - 1, width, height], [width - 1, 0, width, height], [0, 0, 1, height]]
    if tile_w >= width:  # strips: their boundaries are rows
        tile_w = width // 2
    for tx, ty in ((tile_w, tile_h), (2 * tile_w, tile_h), (tile_w, 2 * tile_h)):
        if tx < width and ty < height:
            boxes += [[tx - 3, ty - 3, tx + 3, ty + 3], [tx - 1, ty - 1, tx, ty], [tx, ty, tx + 1, ty + 1],
                      [max(tx - 40, 0), max(ty - 1, 0), min(tx + 40, width), min(ty + 1, height)]]
    last_x, last_y = (width - 1) // tile_w * tile_w, (height - 1) // tile_h * tile_h
    boxes += [[max(last_x - 5, 0), max(last_y - 5, 0), width, height], [last_x, 0, width, min(height, 50)],
              [0, last_y, min(width, 50), height], [last_x, last_y, width, height]]
    clipped = [[max(x0, 0), max(y0, 0), min(x1, width), min(y1, height)] for x0, y0, x1, y1 in boxes]
    return [box for box in clipped if box[0] < box[2] and box[1] < box[3]]


def _random_boxes(rng, width, height, count, max_side=300):
    boxes = []
    for _ in range(count):
        w = int(rng.integers(1, min(max_side, width) + 1))
        h = int(rng.integers(1, min(max_side, height) + 1))
        x0, y0 = int(rng.integers(0, width - w + 1)), int(rng.integers(0, height - h + 1))
        boxes.append([x0, y0, x0 + w, y0 + h])
    return boxes


def _assert_close(got, want, tolerance, context):
    assert got.shape == want.shape, (context, got.shape, want.shape)
    diff = max_abs_diff(got, want)
    assert diff <= tolerance, (context, f"max abs diff {diff} > {tolerance}")


def _tolerance(built):
    return LOSSY_TOLERANCE[built.spec.compression] if built.lossy else 0


def _crop_one(cropper, source, box, size, channels, filter="nearest", mode="exact", **more):
    return cropper.crop_boxes([source], [box], size, channels=channels, filter=filter, mode=mode, **more)[0]


# ----------------------------------------------------------------------------------
# The references agree with each other (runs without the TIFF reader)
# ----------------------------------------------------------------------------------

def test_reference_decoders_agree_on_tiles(build, cropper):
    """JPEG tiles made whole (JPEGTables + tile, as a TIFF reader hands them to libjpeg) and
    WebP tiles, decoded by parcrop's own JPEG and WebP paths, equal tifffile's level 0:
    the basis of LOSSY_TOLERANCE."""
    for spec in (VARIANTS[0], VARIANTS[2], VARIANTS[6], VARIANTS[15]):
        built = build(spec)
        patcher = tf.Patcher(built.data)
        ifd = patcher.ifds[0]
        tables = b""
        if "JPEGTables" in ifd.entries:
            entry = ifd.entries["JPEGTables"]
            tables = built.data[entry.value_offset:entry.value_offset + entry.count]
        tile_w, tile_h = built.tile
        columns, rows = ifd.tile_grid
        channels = OUT_CHANNELS[built.channels]
        for index in range(0, columns * rows, 5):
            row, column = divmod(index, columns)
            offset, count = ifd.data_offsets[index], ifd.data_byte_counts[index]
            tile = built.data[offset:offset + count]
            if tables:
                tile = tables[:-2] + tile[2:]  # tables without EOI, tile without SOI
            got = _crop_one(cropper, tile, [0, 0, tile_w, tile_h], (tile_h, tile_w), channels)
            want = _convert(built.level0[row * tile_h:(row + 1) * tile_h, column * tile_w:(column + 1) * tile_w],
                            channels)
            assert np.array_equal(got[:want.shape[0], :want.shape[1]], want), (spec.name, index)


def test_libvips_and_tifffile_read_the_same_pixels(build):
    pyvips = _pyvips()
    for spec in (VARIANTS[0], VARIANTS[1], VARIANTS[6]):
        built = build(spec)
        for level, reference in enumerate(built.levels):
            if spec.subifd:
                image = pyvips.Image.tiffload(built.path, subifd=level - 1)
            else:
                image = pyvips.Image.tiffload(built.path, page=level)
            array = np.ndarray((image.height, image.width, image.bands), np.uint8, image.write_to_memory())
            assert np.array_equal(array, reference), (spec.name, level)


# ----------------------------------------------------------------------------------
# Exact mode: crops equal level 0's pixels
# ----------------------------------------------------------------------------------

@pytest.mark.parametrize("spec", VARIANTS, ids=VARIANT_IDS)
def test_exact_crops_at_scale_1_are_the_pixels(build, cropper, rng, spec):
    built = build(spec)
    width, height = built.width, built.height
    channels = OUT_CHANNELS[built.channels]
    expected = _convert(built.level0, channels)
    tolerance = _tolerance(built)
    boxes = _edge_boxes(width, height, *built.tile) + _random_boxes(rng, width, height, 40)
    for number, (x0, y0, x1, y1) in enumerate(boxes):
        for filter in ("nearest", "bilinear") if number % 2 == 0 else ("nearest",):
            got = _crop_one(cropper, built.path, [x0, y0, x1, y1], (y1 - y0, x1 - x0), channels, filter)
            _assert_close(got, expected[y0:y1, x0:x1], tolerance, (spec.name, filter, (x0, y0, x1, y1)))


@pytest.mark.parametrize("spec", VARIANTS, ids=VARIANT_IDS)
def test_many_boxes_of_one_file_in_one_batch(build, cropper, rng, spec):
    """Crops of one file decoded together (over their union) equal the same crops one by one."""
    built = build(spec)
    boxes = _random_boxes(rng, built.width, built.height, 24) + [[0, 0, built.width, built.height]]
    channels = OUT_CHANNELS[built.channels]
    batch = cropper.crop_boxes([built.path] * len(boxes), boxes, (40, 56), channels=channels, filter="bilinear",
                               mode="exact")
    for index, box in enumerate(boxes):
        alone = _crop_one(cropper, built.path, box, (40, 56), channels, "bilinear")
        assert np.array_equal(batch[index], alone), (spec.name, box)


LOSSLESS_BY_CHANNELS = {1: "tf-zstd-gray", 2: "tf-deflate-graya-subifd-predictor", 3: "vips-deflate-rgb-predictor",
                        4: "tf-lzw-rgba-bigendian-bigtiff"}


@pytest.mark.parametrize("stored", [1, 2, 3, 4])
def test_channel_conversions_equal_the_png_path(build, cropper, rng, stored):
    spec = next(s for s in VARIANTS if s.name == LOSSLESS_BY_CHANNELS[stored])
    built = build(spec)
    png = _png_of(built.level0)
    boxes = _random_boxes(rng, built.width, built.height, 6) + [[0, 0, built.width, built.height]]
    for channels in (1, 3, 4):
        for box in boxes:
            size = (box[3] - box[1], box[2] - box[0])
            got = _crop_one(cropper, built.path, box, size, channels)
            assert np.array_equal(got, _crop_one(cropper, png, box, size, channels)), (spec.name, channels, box)
            if channels != 1 or stored <= 2:
                assert np.array_equal(got, _convert(built.level0, channels)[box[1]:box[3], box[0]:box[2]])


# ----------------------------------------------------------------------------------
# Exact mode: resized crops equal Pillow's resampling of the reference
# ----------------------------------------------------------------------------------

RESIZE_VARIANTS = [spec for spec in VARIANTS if spec.name in (
    "vips-jpeg-rgb", "vips-deflate-rgb-predictor", "vips-lzw-rgba", "tf-zstd-gray",
    "tf-deflate-graya-subifd-predictor", "tf-strips-deflate-rgb", "vips-webp-rgb")]


@pytest.mark.parametrize("spec", RESIZE_VARIANTS, ids=[s.name for s in RESIZE_VARIANTS])
def test_exact_resized_crops_equal_pillow(build, cropper, rng, spec):
    built = build(spec)
    channels = OUT_CHANNELS[built.channels]
    expected_pixels = _convert(built.level0, channels)
    if channels == 1:
        expected_pixels = expected_pixels[:, :, 0]
    tolerance = _tolerance(built)
    boxes = _random_boxes(rng, built.width, built.height, 10, max_side=700) + [[0, 0, built.width, built.height],
                                                                                 [120, 120, 136, 136]]
    for number, box in enumerate(boxes):
        size = (int(rng.integers(1, 200)), int(rng.integers(1, 200))) if number % 3 else (33, 47)
        for filter, resample in PILLOW_FILTERS.items():
            got = _crop_one(cropper, built.path, box, size, channels, filter)
            want = pillow_two_pass(expected_pixels, tuple(box), size, resample)
            _assert_close(got, want, tolerance, (spec.name, filter, box, size))


@pytest.mark.parametrize("spec", RESIZE_VARIANTS[:4], ids=[s.name for s in RESIZE_VARIANTS[:4]])
def test_exact_crops_with_any_option_equal_the_png_path(build, cropper, rng, spec):
    """Flips, nearest, boxes beyond the image (pad, clamp), fractional boxes: the TIFF path
    gives the bytes the PNG path gives on tifffile's pixels."""
    built = build(spec)
    png = _png_of(built.level0)
    channels = OUT_CHANNELS[built.channels]
    width, height = built.width, built.height
    boxes = _random_boxes(rng, width, height, 6, max_side=500)
    boxes += [[-30, -20, 100, 90], [width - 50, height - 40, width + 30, height + 25], [10.5, 20.25, 300.75, 211.5]]
    for box in boxes:
        for options in ({"filter": "nearest"}, {"filter": "bilinear", "hflip": True},
                        {"filter": "bicubic", "vflip": True, "out_of_bounds": "pad", "fill": 7},
                        {"filter": "area", "out_of_bounds": "clamp"}, {"filter": "lanczos3", "out_of_bounds": "pad"}):
            inside = 0 <= box[0] and 0 <= box[1] and box[2] <= width and box[3] <= height
            if not inside and options.get("out_of_bounds", "error") == "error":
                continue
            got = cropper.crop_boxes([built.path], [box], (45, 61), channels=channels, mode="exact", **options)
            want = cropper.crop_boxes([png], [box], (45, 61), channels=channels, mode="exact", **options)
            _assert_close(got, want, _tolerance(built), (spec.name, box, options))


# ----------------------------------------------------------------------------------
# Fast mode: the level chosen, and crops from it
# ----------------------------------------------------------------------------------

# 1024 x 768 halving exactly: downsamples 1, 2, 4, 8 (128 x 96), tiles of 128.
FAST_SPECS = [
    Spec("fast-tf-deflate", "tifffile", 3, "deflate", width=1024, height=768, levels=4, predictor=True),
    Spec("fast-tf-zstd-subifd", "tifffile", 4, "zstd", width=1024, height=768, levels=4, subifd=True),
    Spec("fast-vips-lzw", "vips", 3, "lzw", width=1024, height=768),
    Spec("fast-vips-jpeg", "vips", 3, "jpeg", width=1024, height=768, quality=90),
]
# (output side for the 512 x 512 box, the level fast mode must read): crop scale 512/side.
FAST_SCALES = [(512, 0), (270, 0), (256, 1), (129, 1), (128, 2), (64, 3), (25, 3)]
FAST_BOX = (256, 128, 768, 640)  # multiples of 8: whole pixels on every level


def _level_reference(built, level, box, size, channels=3):
    downsample = built.width / built.levels[level].shape[1]
    mapped = tuple(int(round(v / downsample)) for v in box)
    pixels = _convert(built.levels[level], channels)
    return pillow_two_pass(pixels, mapped, size, Image.BILINEAR)


@pytest.mark.parametrize("spec", FAST_SPECS, ids=[s.name for s in FAST_SPECS])
def test_fast_mode_reads_the_level_of_the_crops_scale(build, cropper, spec):
    built = build(spec)
    assert [level.shape[:2] for level in built.levels] == [(768, 1024), (384, 512), (192, 256), (96, 128)]
    for side, level in FAST_SCALES:
        size = (side, side)
        got = _crop_one(cropper, built.path, list(FAST_BOX), size, 3, "bilinear", mode="fast")
        candidates = [_level_reference(built, candidate, FAST_BOX, size) for candidate in range(len(built.levels))]
        distances = [float(np.abs(got.astype(int) - want.astype(int)).mean()) for want in candidates]
        if not built.lossy:
            assert np.array_equal(got, candidates[level]), (spec.name, side, level, distances)
        else:
            # DCT scaling may apply on top of the level: the chosen level is the closest.
            others = [distance for candidate, distance in zip(candidates, distances)
                      if not np.array_equal(candidate, candidates[level])]
            assert distances[level] < min(others, default=math.inf), (spec.name, side, level, distances)
            assert distances[level] <= 2.0, (spec.name, side, distances)
        exact = _crop_one(cropper, built.path, list(FAST_BOX), size, 3, "bilinear", mode="exact")
        _assert_close(exact, candidates[0], _tolerance(built), (spec.name, side, "exact reads level 0"))


@pytest.mark.parametrize("spec", FAST_SPECS[:2], ids=[s.name for s in FAST_SPECS[:2]])
def test_fast_mode_level_crops_are_that_levels_pixels(build, cropper, rng, spec):
    """A box of 4k x 4k pixels at scale 4 is level 2's k x k pixels, for any k; the smaller
    of the two scales counts; a crop at scale 4 of the whole image is level 2."""
    built = build(spec)
    level2 = built.levels[2][:, :, :3]
    for _ in range(12):
        w, h = (int(v) for v in rng.integers(1, 60, 2))
        x, y = int(rng.integers(0, 256 - w + 1)), int(rng.integers(0, 192 - h + 1))
        got = _crop_one(cropper, built.path, [4 * x, 4 * y, 4 * (x + w), 4 * (y + h)], (h, w), 3, "bilinear",
                        mode="fast")
        assert np.array_equal(got, level2[y:y + h, x:x + w]), (spec.name, (x, y, w, h))
    got = _crop_one(cropper, built.path, [0, 0, 1024, 768], (192, 256), 3, "area", mode="fast")
    assert np.array_equal(got, level2)
    # Scales 4 (x) and 8 (y): the smaller, 4, picks level 2; rows then shrink by 2.
    got = _crop_one(cropper, built.path, [0, 0, 1024, 512], (64, 256), 3, "bilinear", mode="fast")
    assert np.array_equal(got, _level_reference(built, 2, (0, 0, 1024, 512), (64, 256)))


# ----------------------------------------------------------------------------------
# probe
# ----------------------------------------------------------------------------------

def _expected_levels(built):
    width, height = built.width, built.height
    return [(level.shape[1], level.shape[0], (width / level.shape[1] + height / level.shape[0]) / 2)
            for level in built.levels]


def _assert_levels(got, want, context):
    assert [(int(w), int(h)) for w, h, _ in got] == [(w, h) for w, h, _ in want], context
    for (_, _, got_downsample), (_, _, want_downsample) in zip(got, want):
        assert got_downsample == pytest.approx(want_downsample, rel=1e-6), context


def test_probe_reads_levels_tiles_compression_and_resolution(build):
    built = [build(spec) for spec in VARIANTS + FAST_SPECS]
    info = parcrop.probe([b.path for b in built])
    assert list(info.format) == ["tiff"] * len(built)
    for index, b in enumerate(built):
        name = b.spec.name
        assert (info.width[index], info.height[index]) == (b.width, b.height), name
        assert info.channels[index] == b.channels, name
        assert info.has_alpha[index] == (b.channels in (2, 4)), name
        _assert_levels(info.levels[index], _expected_levels(b), name)
        assert (info.tile_width[index], info.tile_height[index]) == b.tile, name
        assert info.compression[index] == b.compression, name
        np.testing.assert_allclose(info.microns_per_pixel[index], b.mpp, rtol=1e-6, err_msg=name)
    assert info.tile_width.dtype == np.uint32 and info.tile_height.dtype == np.uint32
    assert info.microns_per_pixel.dtype == np.float64 and info.microns_per_pixel.shape == (len(built), 2)


def test_probe_microns_per_pixel(rng):
    image = tf.photo(rng, 64, 96, 3)
    options = tf.page_options(3, "deflate", tile=32)
    aperio = ("Aperio Image Library v12.0.15 \r\n96x64 [0,0 96x64] (32x32) JPEG/RGB Q=70|AppMag = 20"
              "|MPP = 0.4990|Filename = slide")
    sources = [
        tf.write_pages(None, [(image, dict(options, resolution=(40000, 20000), resolutionunit="CENTIMETER"))]),
        tf.write_pages(None, [(image, dict(options, resolution=(101600, 50800), resolutionunit="INCH"))]),
        tf.write_pages(None, [(image, dict(options, description=aperio))]),
        tf.write_pages(None, [(image, options)]),  # XResolution 1/1, ResolutionUnit NONE
    ]
    info = parcrop.probe(sources)
    want = [[0.25, 0.5], [0.25, 0.5], [0.499, 0.499], [math.nan, math.nan]]
    np.testing.assert_allclose(info.microns_per_pixel, want, rtol=1e-9)


def test_probe_of_bytes_equals_probe_of_paths(build):
    built = [build(spec) for spec in VARIANTS[:6]]
    from_paths = parcrop.probe([b.path for b in built])
    from_bytes = parcrop.probe([b.data for b in built])
    for name in ("width", "height", "channels", "format", "tile_width", "tile_height", "compression"):
        assert np.array_equal(getattr(from_paths, name), getattr(from_bytes, name)), name
    np.testing.assert_array_equal(from_paths.microns_per_pixel, from_bytes.microns_per_pixel)
    assert list(from_paths.levels) == list(from_bytes.levels)


# ----------------------------------------------------------------------------------
# Structure: which IFDs are levels
# ----------------------------------------------------------------------------------

def _svs_like(rng, tiled_label):
    """An Aperio-like layout: level 0 (tiled), a stripped thumbnail of level 0's aspect
    (NewSubfileType 0, like Aperio's), level 1 tiled with NewSubfileType 0, level 2 reduced,
    a label (stripped or tiled, another aspect, reduced) and a macro (stripped, type 9).
    The thumbnail holds the inverse of level 2's pixels at level 2's size, so reading it
    as a level would show."""
    level0 = tf.photo(rng, 768, 1024, 3)
    level1, level2 = tf.shrink(level0, 512, 384), tf.shrink(level0, 256, 192)
    tiled = tf.page_options(3, "deflate", tile=128)
    stripped = tf.page_options(3, "deflate", rows_per_strip=16)
    label = tf.photo(rng, 200, 300, 3)
    pages = [(level0, tiled), (255 - level2, stripped), (level1, tiled), (level2, dict(tiled, subfiletype=1)),
             (label, dict(tiled if tiled_label else stripped, subfiletype=1)),
             (tf.photo(rng, 200, 600, 3), dict(tf.page_options(3, "jpeg", rows_per_strip=16), subfiletype=9))]
    return tf.write_pages(None, pages), [level0, level1, level2]


@pytest.mark.parametrize("tiled_label", [False, True])
def test_thumbnail_label_and_macro_are_not_levels(cropper, rng, tiled_label):
    data, levels = _svs_like(rng, tiled_label)
    info = parcrop.probe([data])
    _assert_levels(info.levels[0], [(1024, 768, 1.0), (512, 384, 2.0), (256, 192, 4.0)], "svs-like")
    assert (info.width[0], info.height[0]) == (1024, 768)
    # Crop scales 8, 4, 3.4, 2 and 1.46: levels 2, 2, 1, 1, 0 (never the thumbnail or the label).
    for side, level in ((128, 2), (256, 2), (300, 1), (512, 1), (700, 0)):
        got = _crop_one(cropper, data, [0, 0, 1024, 768], (side * 3 // 4, side), 3, "bilinear", mode="fast")
        downsample = 2 ** level
        want = pillow_two_pass(levels[level], (0, 0, 1024 // downsample, 768 // downsample), (side * 3 // 4, side),
                               Image.BILINEAR)
        assert np.array_equal(got, want), (side, level)


def test_levels_are_sorted_largest_first(cropper, rng):
    level0 = tf.photo(rng, 512, 768, 3)
    sizes = [(384, 256), (192, 128), (96, 64)]
    reduced = {size: tf.shrink(level0, *size) for size in sizes}
    tiled = tf.page_options(3, "zstd", tile=64)
    pages = [(level0, tiled)] + [(reduced[size], dict(tiled, subfiletype=1)) for size in (sizes[2], sizes[0], sizes[1])]
    data = tf.write_pages(None, pages)
    info = parcrop.probe([data])
    _assert_levels(info.levels[0], [(768, 512, 1.0), (384, 256, 2.0), (192, 128, 4.0), (96, 64, 8.0)], "sorted")
    got = _crop_one(cropper, data, [0, 0, 768, 512], (128, 192), 3, "bilinear", mode="fast")
    assert np.array_equal(got, reduced[(192, 128)])


def test_a_single_image_has_one_level(cropper, rng):
    image = tf.photo(rng, 300, 200, 3)
    data = tf.write_pages(None, [(image, tf.page_options(3, "lzw", tile=64))])
    info = parcrop.probe([data])
    _assert_levels(info.levels[0], [(200, 300, 1.0)], "single")
    got = _crop_one(cropper, data, [0, 0, 200, 300], (30, 20), 3, "bilinear", mode="fast")
    assert np.array_equal(got, pillow_two_pass(image, (0, 0, 200, 300), (30, 20), Image.BILINEAR))


def test_old_style_deflate_code_reads_like_adobe_deflate(build, cropper):
    """Compression 32946 (tifffile's "deflate") and 8 (libvips' "deflate") are one codec."""
    built = build(VARIANTS[3])  # vips, Compression 8
    patcher = tf.Patcher(built.data)
    for ifd in patcher.ifds:
        patcher.set_value(ifd.entries["Compression"], 32946)
    box = [100, 100, 400, 300]
    got = _crop_one(cropper, patcher.bytes(), box, (200, 300), 3)
    assert np.array_equal(got, built.level0[100:300, 100:400])


# ----------------------------------------------------------------------------------
# Memory sources, threads
# ----------------------------------------------------------------------------------

@pytest.mark.parametrize("mode", ["exact", "fast"])
def test_memory_sources_equal_paths(build, cropper, rng, mode):
    built = [build(spec) for spec in (VARIANTS[0], VARIANTS[5], VARIANTS[11], VARIANTS[16], FAST_SPECS[1])]
    boxes = [_random_boxes(rng, b.width, b.height, 1, max_side=900)[0] for b in built]
    want = cropper.crop_boxes([b.path for b in built], boxes, (50, 70), channels=4, mode=mode)
    for kind in (bytes, bytearray, memoryview, lambda d: np.frombuffer(d, np.uint8)):
        got = cropper.crop_boxes([kind(b.data) for b in built], boxes, (50, 70), channels=4, mode=mode)
        assert np.array_equal(got, want)


def test_one_thread_and_many_give_the_same_bytes(build, rng):
    built = [build(spec) for spec in VARIANTS[:8]]
    sources, boxes = [], []
    for b in built:
        for box in _random_boxes(rng, b.width, b.height, 5, max_side=800):
            sources.append(b.path)
            boxes.append(box)
    for mode in ("exact", "fast"):
        results = []
        for threads in (1, 2, 4):
            with parcrop.Cropper(num_threads=threads) as context:
                results.append(context.crop_boxes(sources, boxes, 32, channels=4, mode=mode))
        assert all(np.array_equal(result, results[0]) for result in results[1:]), mode


# ----------------------------------------------------------------------------------
# Limits
# ----------------------------------------------------------------------------------

def test_decoded_pixel_limit_counts_the_tiles_a_crop_needs(build):
    built = build(FAST_SPECS[0])  # 1024 x 768, tiles of 128: 16384 pixels each
    boxes = [[10, 10, 100, 100],          # one tile
             [100, 100, 300, 300],        # 9 tiles: over 2 tiles' worth
             [0, 0, 1024, 768],           # every tile of level 0
             [0, 0, 1024, 768]]           # fast mode at scale 8: level 3, one tile
    with parcrop.Cropper(num_threads=2, max_item_decoded_pixels=2 * 128 * 128) as context:
        exact, statuses = context.crop_boxes([built.path] * 3, boxes[:3], 16, mode="exact", errors="status")
        fast, fast_status = context.crop_boxes([built.path], boxes[3:], (96, 128), mode="fast", errors="status")
    assert statuses[0] == Status.OK and Status(statuses[1]).group == 3 and Status(statuses[2]).group == 3
    assert not exact[1:].any()
    assert fast_status.tolist() == [Status.OK]
    assert np.array_equal(fast[0], built.levels[3])
    with parcrop.Cropper(num_threads=2) as context:
        assert np.array_equal(exact[0], context.crop_boxes([built.path], boxes[:1], 16, mode="exact")[0])


def test_tiled_image_side_limit(build):
    built = build(FAST_SPECS[0])
    box = [[0, 0, 64, 64]]
    with parcrop.Cropper(max_tiled_image_side=1000) as context:
        _, statuses = context.crop_boxes([built.path], box, 8, errors="status")
        assert Status(statuses[0]).group == 3
    with parcrop.Cropper(max_tiled_image_side=1024) as context:
        _, statuses = context.crop_boxes([built.path], box, 8, errors="status")
        assert statuses.tolist() == [Status.OK]


def test_a_tiled_image_wider_than_65535_is_read_by_default(cropper):
    """Whole-slide images exceed the 65535 that bounds untiled images; a tiled one is bounded
    by max_tiled_image_side (2**20) and by what its crops decode instead."""
    width, height = 70000, 32
    image = np.zeros((height, width), np.uint8)
    image[:, 69990:] = 200
    image[:, :16] = np.arange(16, dtype=np.uint8) * 10
    data = tf.write_pages(None, [(image, tf.page_options(1, "deflate", tile=16))])
    info = parcrop.probe([data])
    assert (info.width[0], info.height[0]) == (width, height)
    got = cropper.crop_boxes([data, data], [[69980, 0, 70000, 32], [0, 0, 16, 32]], (32, 16), channels=1,
                             filter="nearest", mode="exact")
    assert np.array_equal(got[0, :, :, 0], _nearest(image[:, 69980:70000], 32, 16))
    assert np.array_equal(got[1, :, :, 0], image[:, :16])


def _nearest(region, height, width):
    f32 = np.float32
    rows = np.floor((np.arange(height, dtype=f32) + f32(0.5)) * (f32(region.shape[0]) / f32(height))).astype(int)
    cols = np.floor((np.arange(width, dtype=f32) + f32(0.5)) * (f32(region.shape[1]) / f32(width))).astype(int)
    return region[rows][:, cols]


# ----------------------------------------------------------------------------------
# Unsupported variants
# ----------------------------------------------------------------------------------

def _unsupported_files(rng):
    rgb = tf.photo(rng, 64, 96, 3)
    base = {"tile": (32, 32), "metadata": None}
    files = {
        "16-bit": (rgb.astype(np.uint16) * 257, dict(base, photometric="rgb")),
        "planar-separate": (np.moveaxis(rgb, 2, 0).copy(), dict(base, photometric="rgb", planarconfig="separate")),
        "jpeg2000": (rgb, dict(base, photometric="rgb", compression="jpeg2000")),
        "lerc": (rgb, dict(base, photometric="rgb", compression="lerc")),
        "lzma": (rgb, dict(base, photometric="rgb", compression="lzma")),
        "palette": (rgb[:, :, 0], dict(base, photometric="palette",
                                       colormap=np.tile(np.arange(256, dtype=np.uint16) * 257, (3, 1)))),
        "cmyk": (np.dstack([rgb, rgb[:, :, :1]]), dict(base, photometric="separated")),
    }
    datas = {name: tf.write_pages(None, [page]) for name, page in files.items()}
    jpeg = tf.write_pages(None, [(rgb, tf.page_options(3, "jpeg", tile=32))])
    patcher = tf.Patcher(jpeg)
    patcher.set_value(patcher.ifds[0].entries["Compression"], 6)  # old-style JPEG
    datas["old-style-jpeg"] = patcher.bytes()
    return datas


def test_unsupported_variants_say_so(cropper, rng):
    datas = _unsupported_files(rng)
    good = tf.write_pages(None, [(tf.photo(rng, 64, 96, 3), tf.page_options(3, "deflate", tile=32))])
    sources = [good] + list(datas.values())
    out, statuses = cropper.crop_boxes(sources, [[0, 0, 40, 40]] * len(sources), 16, errors="status")
    names = dict(zip(["good"] + list(datas), (Status(s).name for s in statuses)))
    assert names == {"good": "OK", **{name: "UNSUPPORTED" for name in datas}}
    assert not out[1:].any() and out[0].any()


# ----------------------------------------------------------------------------------
# Bad input: each item fails alone, with a message; the rest of the batch is unchanged
# ----------------------------------------------------------------------------------

def _bad_base(rng, compression, tile=128, pyramid=True):
    """512 x 384 RGB, tiles of 128 (a 4 x 3 grid), with two reduced levels (pages)."""
    image = tf.photo(rng, 384, 512, 3)
    options = tf.page_options(3, compression, tile=tile, lossless_webp=False)
    pages = [(image, options)]
    if pyramid:
        pages += [(tf.shrink(image, 256, 192), dict(options, subfiletype=1)),
                  (tf.shrink(image, 128, 96), dict(options, subfiletype=1))]
    data = tf.write_pages(None, pages)
    return data, tf.read_page(data, 0)


# The tile patched below, and a box inside it and one far from it (level-0 pixels).
BAD_TILE = (2, 1)  # column, row
INSIDE = tf.tile_box(128, *BAD_TILE)
OUTSIDE = tf.tile_box(128, 0, 2)

INPUT_FAILURES = {Status.TRUNCATED, Status.CORRUPT}


def _garbage_tile(data):
    """The file with every byte of tile BAD_TILE of level 0 replaced by 0xA5: no valid
    zlib, zstd, JPEG or WebP header, and a first LZW code (330) beyond the empty table."""
    patcher = tf.Patcher(data)
    ifd = patcher.ifds[0]
    index = tf.tile_index(ifd, *BAD_TILE)
    patcher.fill(ifd.data_offsets[index], bytes([0xA5]) * ifd.data_byte_counts[index])
    return patcher.bytes()


def _bad_cases(rng):
    """(name, bytes, allowed statuses, whether probe must fail too), and the intact file.
    Every patch starts from a valid file (512 x 384, a 4 x 3 grid of 128-pixel tiles, two
    reduced levels) and finds what it changes through tifffile's parse of it."""
    cases = []
    deflate, _ = _bad_base(rng, "deflate")
    index = tf.tile_index(tf.Patcher(deflate).ifds[0], *BAD_TILE)

    def patched(data, change):
        patcher = tf.Patcher(data)
        change(patcher, patcher.ifds[0])
        return patcher.bytes()

    size = len(deflate)
    cases.append(("tile offset past the end", patched(deflate, lambda p, i: p.set_item(
        i.entries["TileOffsets"], index, size + 1000)), INPUT_FAILURES, False))
    cases.append(("tile byte count past the end", patched(deflate, lambda p, i: p.set_item(
        i.entries["TileByteCounts"], index, 2 * size)), INPUT_FAILURES, False))
    single, _ = _bad_base(rng, "deflate", pyramid=False)
    cases.append(("IFD pointing to itself", patched(single, lambda p, i: p.set_next_ifd(i, i.offset)),
                  {Status.CORRUPT}, True))
    cases.append(("IFD chain looping back", patched(deflate, lambda p, i: p.set_next_ifd(p.ifds[-1], i.offset)),
                  {Status.CORRUPT}, True))
    absurd = INPUT_FAILURES | {Status.UNSUPPORTED, Status.IMAGE_TOO_LARGE, Status.TOO_MANY_PIXELS,
                               Status.DECODE_MEMORY}
    cases.append(("tile width 0", patched(deflate, lambda p, i: p.set_value(i.entries["TileWidth"], 0)),
                  {Status.CORRUPT}, True))
    cases.append(("tile length 0", patched(deflate, lambda p, i: p.set_value(i.entries["TileLength"], 0)),
                  {Status.CORRUPT}, True))
    cases.append(("tile width 2**31", patched(deflate, lambda p, i: p.set_value(
        i.entries["TileWidth"], 2**31, tf.LONG)), absurd, True))
    cases.append(("tile length 2**31", patched(deflate, lambda p, i: p.set_value(
        i.entries["TileLength"], 2**31, tf.LONG)), absurd, True))
    cases.append(("one tile offset too few", patched(deflate, lambda p, i: p.set_count(
        i.entries["TileOffsets"], 11)), {Status.CORRUPT}, False))
    cases.append(("2**30 tile byte counts", patched(deflate, lambda p, i: p.set_count(
        i.entries["TileByteCounts"], 2**30)), INPUT_FAILURES, False))
    cut = deflate[:tf.Patcher(deflate).ifds[0].data_offsets[index] + 20]
    cases.append(("file cut inside a tile", cut, INPUT_FAILURES, False))
    for compression in ("deflate", "lzw", "zstd", "webp", "jpeg"):
        data, _ = _bad_base(rng, compression, pyramid=False)
        cases.append((f"garbage {compression} tile", _garbage_tile(data), {Status.CORRUPT}, False))
    return cases, deflate


def _libvips_jpeg_without_tables(rng, folder):
    _pyvips()
    spec = Spec("bad-vips-jpeg", "vips", 3, "jpeg", width=512, height=384, seed=3)
    path = tf.make(folder, spec)
    data = open(path, "rb").read()
    patcher = tf.Patcher(data)
    for ifd in patcher.ifds:
        patcher.set_code(ifd.entries["JPEGTables"], 348)  # an unknown tag, order kept
    return patcher.bytes(), data


def test_bad_files_fail_alone_with_a_message(build, cropper, folder, rng):
    cases, good = _bad_cases(rng)
    no_tables, with_tables = _libvips_jpeg_without_tables(rng, folder)
    cases.append(("JPEG tiles without their JPEGTables", no_tables, {Status.CORRUPT}, False))
    good_file = build(VARIANTS[3])
    good_sources = [good_file.path, good, good_file.data, with_tables]
    good_boxes = [[5, 7, 600, 500], OUTSIDE, [1000, 700, 1100, 790], INSIDE]
    size = (24, 40)

    sources, boxes, bad_slots = [], [], []
    for case_index, (name, data, _, _) in enumerate(cases):
        sources.append(good_sources[case_index % 4])
        boxes.append(good_boxes[case_index % 4])
        bad_slots.append(len(sources))
        sources.append(data)
        boxes.append(INSIDE)
    good_slots = [i for i in range(len(sources)) if i not in bad_slots]

    with pytest.raises(parcrop.CropError) as caught:
        cropper.crop_boxes(sources, boxes, size, mode="exact")
    output, statuses, failures = caught.value.output, caught.value.statuses, caught.value.failures
    alone = cropper.crop_boxes([sources[i] for i in good_slots], [boxes[i] for i in good_slots], size, mode="exact")
    assert np.array_equal(output[good_slots], alone)
    assert [index for index, _, _ in failures] == bad_slots
    for (name, _, allowed, _), slot, (_, status, message) in zip(cases, bad_slots, failures):
        assert Status(status) in allowed, (name, Status(status).name, message)
        assert message.strip(), name
        assert not output[slot].any(), name

    # The same again in fast mode (other levels, the same damage in level 0's IFD).
    _, fast_statuses = cropper.crop_boxes(sources, boxes, size, mode="fast", errors="status")
    assert all(fast_statuses[slot] != Status.OK for slot in bad_slots[:4])  # offsets, counts, IFD loops

    # Crops away from a garbage tile: test_a_crop_away_from_a_garbage_tile_equals_the_intact_file.

    # Probe fails on damaged structure, and never crashes on the rest.
    probed = parcrop.probe([data for _, data, _, _ in cases], errors="status")
    for (name, _, _, probe_fails), status in zip(cases, probed.statuses):
        if probe_fails:
            assert status != Status.OK, name


def test_a_crop_away_from_a_garbage_tile_equals_the_intact_file(cropper, rng):
    for compression in ("deflate", "lzw", "zstd", "webp", "jpeg"):
        data, reference = _bad_base(rng, compression, pyramid=False)
        bad = _garbage_tile(data)
        out, statuses = cropper.crop_boxes([bad, bad, data], [OUTSIDE, INSIDE, OUTSIDE], (20, 20), filter="nearest",
                                           mode="exact", errors="status")
        assert [Status(s).name for s in statuses] == ["OK", "CORRUPT", "OK"], compression
        assert np.array_equal(out[0], out[2]), compression
        x0, y0, x1, y1 = OUTSIDE
        _assert_close(out[0], reference[y0:y1, x0:x1], LOSSY_TOLERANCE.get(compression, 0), compression)
