"""TIFF files for test_tiff.py: photo-like images, writers (libvips through pyvips, and
tifffile), references read back by tifffile, and byte patches that turn good files into
bad ones (every offset found through tifffile's parse of the good file, never guessed)."""

import io
import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional, Tuple

import numpy as np
from PIL import Image, ImageDraw

# TIFF field types and their sizes.
SHORT, LONG, LONG8 = 3, 4, 16
TYPE_SIZES = {1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8, 13: 4, 16: 8, 17: 8, 18: 8}

# parcrop's compression names by TIFF Compression value.
COMPRESSION_NAMES = {1: "none", 5: "lzw", 7: "jpeg", 8: "deflate", 32946: "deflate", 50000: "zstd",
                     50001: "webp"}


def photo(rng, height, width, channels):
    """Gradients, mild noise and hard-edged shapes: realistic JPEG artefacts, and content that
    differs between pyramid levels (so a wrong level is visible). Alpha (channels 2 and 4)
    is a ramp with a transparent hole and an opaque bar."""
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float64)
    rgb = np.stack([xx * 255 / max(width - 1, 1), yy * 255 / max(height - 1, 1),
                    (np.sin(xx / 9.0) + np.cos(yy / 6.0) + 2) * 63], axis=-1)
    canvas = Image.fromarray(rgb.clip(0, 255).astype(np.uint8), "RGB")
    draw = ImageDraw.Draw(canvas)
    for _ in range(max(4, width * height // 40000)):
        x0, y0 = int(rng.integers(0, width)), int(rng.integers(0, height))
        x1, y1 = x0 + int(rng.integers(5, max(6, width // 4))), y0 + int(rng.integers(5, max(6, height // 4)))
        colour = tuple(int(v) for v in rng.integers(0, 256, 3))
        shape = int(rng.integers(0, 3))
        if shape == 0:
            draw.rectangle((x0, y0, x1, y1), fill=colour)
        elif shape == 1:
            draw.ellipse((x0, y0, x1, y1), fill=colour, outline=(0, 0, 0))
        else:
            draw.line((x0, y0, x1, y1), fill=colour, width=int(rng.integers(1, 6)))
    array = np.asarray(canvas).astype(np.float64) + rng.normal(0, 5, (height, width, 3))
    array = array.clip(0, 255).astype(np.uint8)
    gray = np.asarray(Image.fromarray(array, "RGB").convert("L"))
    if channels in (2, 4):
        alpha = (xx * 200 / max(width - 1, 1) + 40).astype(np.uint8)
        alpha[height // 4:height // 2, width // 3:width // 2] = 0
        alpha[height * 2 // 3:height * 2 // 3 + 9, :] = 255
    if channels == 1:
        return gray
    if channels == 2:
        return np.dstack([gray, alpha])
    if channels == 3:
        return array
    return np.dstack([array, alpha])


def shrink(image, width, height):
    """A reduced level: Pillow's box filter, band by band (any channel count)."""
    image = image[:, :, None] if image.ndim == 2 else image
    bands = [np.asarray(Image.fromarray(np.ascontiguousarray(image[:, :, c]), "L").resize((width, height), Image.BOX))
             for c in range(image.shape[2])]
    out = np.stack(bands, axis=-1)
    return out[:, :, 0] if out.shape[2] == 1 else out


def halving_sizes(width, height, smallest):
    """Level sizes by halving (rounding up) while a side stays at least smallest."""
    sizes = [(width, height)]
    while min(sizes[-1]) // 2 >= smallest:
        w, h = sizes[-1]
        sizes.append(((w + 1) // 2, (h + 1) // 2))
    return sizes


@dataclass(frozen=True)
class Spec:
    """One test file. writer "vips" (pyvips tiffsave, its own pyramid) or "tifffile" (levels
    made here by halving; reduced levels as SubIFDs when subifd, else as later pages with
    NewSubfileType 1). tile None: strips of rows_per_strip rows."""

    name: str
    writer: str
    channels: int
    compression: str  # parcrop's name
    width: int = 1100
    height: int = 790
    tile: Optional[int] = 128
    rows_per_strip: int = 37
    levels: int = 4  # tifffile: how many levels at most
    bigtiff: bool = False
    byteorder: str = "<"
    subifd: bool = False
    predictor: bool = False
    quality: int = 75
    lossless_webp: bool = False
    seed: int = 7

    @property
    def lossy(self):
        return self.compression == "jpeg" or (self.compression == "webp" and not self.lossless_webp)


def _vips_image(image):
    import pyvips

    height, width = image.shape[:2]
    bands = 1 if image.ndim == 2 else image.shape[2]
    vimage = pyvips.Image.new_from_memory(np.ascontiguousarray(image).tobytes(), width, height, bands, "uchar")
    return vimage.copy(interpretation="b-w" if bands < 3 else "srgb")


def write_vips(path, image, spec):
    """libvips' tiffsave, as `vips tiffsave in out.tif --tile --pyramid ...` writes it."""
    if spec.compression == "webp" and spec.channels < 3:
        # TIFF's WebP holds RGB or RGBA only (libvips 8.14 crashes on fewer bands).
        raise ValueError("WebP in TIFF needs 3 or 4 channels")
    options = {"compression": spec.compression, "bigtiff": spec.bigtiff}
    if spec.tile:
        options.update(tile=True, tile_width=spec.tile, tile_height=spec.tile, pyramid=True, subifd=spec.subifd)
    if spec.predictor:
        options["predictor"] = "horizontal"
    if spec.compression in ("jpeg", "webp"):
        options["Q"] = spec.quality
    if spec.compression == "webp":
        options["lossless"] = spec.lossless_webp
    _vips_image(image).tiffsave(str(path), **options)


def page_options(channels, compression, tile=None, rows_per_strip=None, predictor=False, quality=90,
                 lossless_webp=True, **more):
    """tifffile.TiffWriter.write keywords for one page."""
    options = {"photometric": "minisblack" if channels <= 2 else "rgb", "metadata": None}
    if channels in (2, 4):
        options["extrasamples"] = ["unassalpha"]
    if compression != "none":
        options["compression"] = compression
    if compression == "jpeg":
        options["compressionargs"] = {"level": quality}
    if compression == "webp":
        options["compressionargs"] = {"level": quality, "lossless": lossless_webp}
    if predictor:
        options["predictor"] = True
    if tile:
        options["tile"] = (tile, tile)
    else:
        options["rowsperstrip"] = rows_per_strip
    options.update(more)
    return options


def write_pages(path, pages, bigtiff=False, byteorder="<"):
    """pages: (array, TiffWriter.write keywords), in file order. Returns the file's bytes."""
    import tifffile

    buffer = io.BytesIO()
    with tifffile.TiffWriter(buffer, bigtiff=bigtiff, byteorder=byteorder) as writer:
        for array, options in pages:
            writer.write(array, **options)
    data = buffer.getvalue()
    if path is not None:
        Path(path).write_bytes(data)
    return data


def write_tifffile(path, image, spec):
    sizes = halving_sizes(spec.width, spec.height, 48)[:spec.levels]
    levels = [image] + [shrink(image, w, h) for w, h in sizes[1:]]
    common = dict(tile=spec.tile, rows_per_strip=spec.rows_per_strip, predictor=spec.predictor,
                  quality=spec.quality, lossless_webp=spec.lossless_webp)
    first = page_options(spec.channels, spec.compression, **common)
    if spec.subifd and len(levels) > 1:
        first["subifds"] = len(levels) - 1  # tifffile writes the next pages as IFD0's SubIFDs
    reduced = page_options(spec.channels, spec.compression, subfiletype=1, **common)
    write_pages(path, [(levels[0], first)] + [(level, reduced) for level in levels[1:]], spec.bigtiff,
                spec.byteorder)


def make(folder, spec):
    """Writes spec's file under folder (once) and returns its path."""
    path = Path(folder) / f"{spec.name}.tif"
    if not path.exists():
        image = photo(np.random.default_rng(spec.seed), spec.height, spec.width, spec.channels)
        (write_vips if spec.writer == "vips" else write_tifffile)(path, image, spec)
    return str(path)


# ----------------------------------------------------------------------------------
# References (tifffile)
# ----------------------------------------------------------------------------------

def hwc(array):
    return array[:, :, None] if array.ndim == 2 else array


def read_levels(source):
    """Every pyramid level of series 0 as tifffile reads it, largest first, (H, W, C) uint8."""
    import tifffile

    with tifffile.TiffFile(_file(source)) as tif:
        return [hwc(level.asarray()) for level in tif.series[0].levels]


def read_page(source, index, subifd=None):
    """Page index of the main IFD chain (or its SubIFD number subifd) as tifffile decodes it."""
    import tifffile

    with tifffile.TiffFile(_file(source)) as tif:
        page = tif.pages[index]
        if subifd is not None:
            page = _subifd_page(tif, page, subifd)
        return hwc(page.asarray())


def _subifd_page(tif, page, subifd):
    import tifffile

    tif.filehandle.seek(page.subifds[subifd])
    return tifffile.TiffPage(tif, index=(page.index, subifd))


def _file(source):
    return io.BytesIO(source) if isinstance(source, (bytes, bytearray)) else str(source)


# ----------------------------------------------------------------------------------
# Byte patches: bad files made from good ones
# ----------------------------------------------------------------------------------

@dataclass
class Entry:
    code: int
    dtype: int
    count: int
    entry_offset: int  # where the 12- (20-) byte entry starts
    value_offset: int  # where its value starts (inline or elsewhere)


@dataclass
class Ifd:
    offset: int
    entries: dict = field(default_factory=dict)  # tag name -> Entry
    next_pointer: int = 0  # where the next-IFD offset is stored
    data_offsets: Tuple[int, ...] = ()
    data_byte_counts: Tuple[int, ...] = ()
    tile_grid: Tuple[int, int] = (0, 0)  # (columns, rows) of tiles or (1, strips)


class Patcher:
    """A mutable copy of a TIFF file's bytes, with its IFDs located by tifffile."""

    def __init__(self, data):
        import tifffile

        self.data = bytearray(data)
        with tifffile.TiffFile(io.BytesIO(bytes(data))) as tif:
            self.order = tif.byteorder
            self.bigtiff = tif.is_bigtiff
            self.ifds = []
            for page in tif.pages:
                self.ifds.append(self._ifd(page))
            self.subifds = [[self._ifd(_subifd_page(tif, page, i)) for i in range(len(page.subifds or ()))]
                            for page in tif.pages]

    def _ifd(self, page):
        ifd = Ifd(page.offset)
        for tag in page.tags.values():
            ifd.entries[tag.name] = Entry(tag.code, int(tag.dtype), tag.count, tag.offset, tag.valueoffset)
        count_format, entry_size = ("Q", 20) if self.bigtiff else ("H", 12)
        (count,) = struct.unpack_from(self.order + count_format, self.data, page.offset)
        ifd.next_pointer = page.offset + struct.calcsize(count_format) + count * entry_size
        ifd.data_offsets = tuple(page.dataoffsets)
        ifd.data_byte_counts = tuple(page.databytecounts)
        if page.is_tiled:
            ifd.tile_grid = (-(-page.imagewidth // page.tilewidth), -(-page.imagelength // page.tilelength))
        else:
            ifd.tile_grid = (1, len(page.dataoffsets))
        return ifd

    def bytes(self):
        return bytes(self.data)

    def _put(self, fmt, offset, value):
        struct.pack_into(self.order + fmt, self.data, offset, value)

    def _count_field(self, entry):
        return entry.entry_offset + 4

    def _value_field(self, entry):
        return entry.entry_offset + (12 if self.bigtiff else 8)

    def set_code(self, entry, code):
        """Renumbers a tag (to an unknown number: the reader no longer sees it)."""
        self._put("H", entry.entry_offset, code)

    def set_count(self, entry, count):
        self._put("Q" if self.bigtiff else "I", self._count_field(entry), count)

    def set_value(self, entry, value, dtype=None):
        """Rewrites a single inline value; dtype (SHORT or LONG) may change the field's type."""
        dtype = dtype or entry.dtype
        self._put("H", entry.entry_offset + 2, dtype)
        field_size = 8 if self.bigtiff else 4
        offset = self._value_field(entry)
        self.data[offset:offset + field_size] = bytes(field_size)
        self._put({SHORT: "H", LONG: "I", LONG8: "Q"}[dtype], offset, value)

    def set_item(self, entry, index, value):
        """Rewrites item index of an array value (TileOffsets, TileByteCounts...)."""
        size = TYPE_SIZES[entry.dtype]
        self._put({2: "H", 4: "I", 8: "Q"}[size], entry.value_offset + index * size, value)

    def set_next_ifd(self, ifd, target):
        self._put("Q" if self.bigtiff else "I", ifd.next_pointer, target)

    def fill(self, offset, values):
        self.data[offset:offset + len(values)] = values


def tile_index(ifd, column, row):
    """The index in TileOffsets of the tile at (column, row)."""
    return row * ifd.tile_grid[0] + column


def tile_box(tile, column, row, inset=10, side=20):
    """A box inside one tile, in level-0 pixels."""
    x0, y0 = column * tile + inset, row * tile + inset
    return [x0, y0, x0 + side, y0 + side]

