"""probe: what images are, from their headers, without decoding them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Sequence, Tuple

import numpy as np

from ._cdefs import (PARCROP_INFO_EXIF_MALFORMED, PARCROP_INFO_HAS_ALPHA, PARCROP_INFO_INTERLACED,
                     PARCROP_INFO_PROGRESSIVE, PARCROP_MAX_LEVELS)
from ._lib import ffi, lib

__all__ = ["ImageInfo", "probe"]

_STRUCT = "parcrop_image_info"
_FIELDS = {
    "struct_size": np.uintp,
    "width": np.uint32,
    "height": np.uint32,
    "channels": np.uint32,
    "format": np.int32,  # an enum: int-sized
    "exif_orientation": np.uint32,
    "display_width": np.uint32,
    "display_height": np.uint32,
    "flags": np.uint32,
    "restart_interval": np.uint32,
    "level_count": np.uint32,
    "levels": np.dtype({"names": ["width", "height", "downsample"],
                        "formats": [np.uint32, np.uint32, np.float64],
                        "offsets": [ffi.offsetof("parcrop_level", n) for n in ("width", "height", "downsample")],
                        "itemsize": ffi.sizeof("parcrop_level")}, align=False),
    "tile_width": np.uint32,
    "tile_height": np.uint32,
    "compression": np.uint32,
    "microns_per_pixel_x": np.float64,
    "microns_per_pixel_y": np.float64,
}
# The C struct's layout, taken from cffi, so numpy can hold the array the library fills.
_RECORD = np.dtype({
    "names": list(_FIELDS),
    "formats": [(kind, (PARCROP_MAX_LEVELS,)) if name == "levels" else kind for name, kind in _FIELDS.items()],
    "offsets": [ffi.offsetof(_STRUCT, name) for name in _FIELDS],
    "itemsize": ffi.sizeof(_STRUCT),
})
_FORMAT_NAMES = np.array([ffi.string(lib.parcrop_format_name(value)).decode("ascii") for value in range(11)])
# TIFF Compression values parcrop reads, by the names probe reports.
_COMPRESSION_NAMES = {0: "", 1: "none", 5: "lzw", 7: "jpeg", 8: "deflate", 32946: "deflate", 50000: "zstd",
                      50001: "webp"}


@dataclass(frozen=True, repr=False, eq=False)
class ImageInfo:
    """What :func:`parcrop.probe` found: one numpy array per property, one entry per source.

    Attributes:
        width, height: uint32, the image as stored (what crop boxes refer to).
        display_width, display_height: uint32, the size once the EXIF orientation is
            applied (width and height swapped for orientations 5 to 8).
        channels: uint32, what the file stores: 1 gray, 2 gray+alpha, 3 RGB, 4 RGBA
            (transparency counts as alpha; CMYK JPEG and HDR as RGB).
        format: str, "jpeg", "png", "bmp", "gif", "tga", "hdr", "psd", "pnm", "webp",
            "tiff", or "unknown" for a failed item.
        exif_orientation: uint8, 1..8 as EXIF defines it; 1 without EXIF (or with a
            malformed block), 0 for a failed item.
        progressive: bool, a progressive JPEG.
        interlaced: bool, an Adam7 PNG or a GIF with an interlaced first frame.
        has_alpha: bool, an alpha channel or transparency.
        exif_malformed: bool, an EXIF block that could not be read (orientation 1; the
            reason is in ``messages``).
        restart_interval: uint32, a JPEG's MCUs per restart interval (0: none).
        levels: per item, a list of (width, height, downsample) resolution levels,
            largest first: a TIFF's pyramid (boxes are always in level 0's pixels;
            downsample is level 0's size over the level's, averaged over both axes, as
            OpenSlide reports it); one level for other formats; empty for a failed item.
        tile_width, tile_height: uint32, a TIFF's tile size (a stripped TIFF: its width
            and rows per strip); 0 for other formats.
        compression: str per item, a TIFF's compression: "none", "lzw", "jpeg",
            "deflate", "zstd" or "webp"; "" for other formats.
        microns_per_pixel: float64 (N, 2), level 0's (x, y) resolution in microns per
            pixel (Aperio's MPP, or XResolution and YResolution in pixels per cm or
            inch); NaN where the file does not say.
        statuses: int32, each item's status code (0 = success, see :class:`Status`).
        messages: {index: message} for failed items and for notes on successful ones
            (malformed EXIF); may be empty when another batch on the same Cropper
            overlapped this one.

    A failed item has zeros everywhere. ``ok``, ``size`` ((N, 2) of width, height, as
    Pillow's ``Image.size``) and ``display_size`` are derived; ``info[i]`` is one item
    as a dict of plain Python values.
    """

    width: np.ndarray
    height: np.ndarray
    channels: np.ndarray
    format: np.ndarray
    exif_orientation: np.ndarray
    display_width: np.ndarray
    display_height: np.ndarray
    progressive: np.ndarray
    interlaced: np.ndarray
    has_alpha: np.ndarray
    exif_malformed: np.ndarray
    restart_interval: np.ndarray
    levels: List[List[Tuple[int, int, float]]]
    tile_width: np.ndarray
    tile_height: np.ndarray
    compression: np.ndarray
    microns_per_pixel: np.ndarray
    statuses: np.ndarray
    messages: Dict[int, str] = field(default_factory=dict)

    _ITEM_FIELDS = ("width", "height", "channels", "format", "exif_orientation", "display_width",
                    "display_height", "progressive", "interlaced", "has_alpha", "exif_malformed",
                    "restart_interval", "tile_width", "tile_height", "compression")

    @classmethod
    def _from_records(cls, records: np.ndarray, statuses: np.ndarray,
                      messages: Dict[int, str]) -> "ImageInfo":
        flags = records["flags"]
        formats = records["format"]
        known = (formats >= 0) & (formats < len(_FORMAT_NAMES))
        return cls(
            width=records["width"].copy(),
            height=records["height"].copy(),
            channels=records["channels"].copy(),
            format=_FORMAT_NAMES[np.where(known, formats, 0)],
            exif_orientation=records["exif_orientation"].astype(np.uint8),
            display_width=records["display_width"].copy(),
            display_height=records["display_height"].copy(),
            progressive=(flags & PARCROP_INFO_PROGRESSIVE) != 0,
            interlaced=(flags & PARCROP_INFO_INTERLACED) != 0,
            has_alpha=(flags & PARCROP_INFO_HAS_ALPHA) != 0,
            exif_malformed=(flags & PARCROP_INFO_EXIF_MALFORMED) != 0,
            restart_interval=records["restart_interval"].copy(),
            levels=[[(int(level["width"]), int(level["height"]), float(level["downsample"]))
                     for level in record["levels"][:record["level_count"]]] for record in records],
            tile_width=records["tile_width"].copy(),
            tile_height=records["tile_height"].copy(),
            compression=np.array([_COMPRESSION_NAMES.get(int(c), str(int(c))) for c in records["compression"]],
                                 dtype=str),
            microns_per_pixel=np.where(
                np.stack([records["microns_per_pixel_x"], records["microns_per_pixel_y"]], axis=1) > 0,
                np.stack([records["microns_per_pixel_x"], records["microns_per_pixel_y"]], axis=1), np.nan),
            statuses=statuses,
            messages=messages,
        )

    @property
    def ok(self) -> np.ndarray:
        """bool per item: the probe succeeded."""
        return self.statuses == 0

    @property
    def size(self) -> np.ndarray:
        """uint32 (N, 2): (width, height) as stored."""
        return np.stack([self.width, self.height], axis=1)

    @property
    def display_size(self) -> np.ndarray:
        """uint32 (N, 2): (width, height) as displayed after the EXIF orientation."""
        return np.stack([self.display_width, self.display_height], axis=1)

    def __len__(self) -> int:
        return int(self.statuses.size)

    def __getitem__(self, index: int) -> Dict[str, Any]:
        item = {name: getattr(self, name)[index].item() for name in self._ITEM_FIELDS}
        item["levels"] = list(self.levels[index])
        item["microns_per_pixel"] = tuple(float(v) for v in self.microns_per_pixel[index])
        item["status"] = int(self.statuses[index])
        position = range(len(self))[index]
        item["message"] = self.messages.get(position, "")
        return item

    def __repr__(self) -> str:
        failed = int(np.count_nonzero(self.statuses))
        return f"<parcrop.ImageInfo of {len(self)} images, {failed} failed>"


def run_probe(cropper: Any, sources: Sequence[Any], errors: str) -> ImageInfo:
    """The body of Cropper.probe (the context's bookkeeping is the Cropper's)."""
    from ._api import _Sources, _call_error, _crop_error, _errors_arg

    items = _Sources(sources)
    errors = _errors_arg(errors)
    count = items.count
    records = np.zeros(count, dtype=_RECORD)
    statuses = np.zeros(count, dtype=np.int32)
    messages: Dict[int, str] = {}

    def call(ctx: Any) -> None:
        records["struct_size"][0] = ffi.sizeof(_STRUCT)
        info_ptr = ffi.from_buffer(f"{_STRUCT}[]", records, require_writable=True)
        status_ptr = ffi.from_buffer("parcrop_status[]", statuses, require_writable=True)
        # The GIL is released for the duration of this call (cffi ABI mode).
        result = lib.parcrop_probe(ctx, items.array, count, info_ptr, status_ptr)
        if result not in (lib.PARCROP_OK, lib.PARCROP_ITEMS_FAILED):
            raise _call_error(result)

    def read_messages(ctx: Any) -> None:
        noted = np.flatnonzero((statuses != 0) | ((records["flags"] & PARCROP_INFO_EXIF_MALFORMED) != 0))
        if noted.size == 0 or lib.parcrop_last_batch_size(ctx) != count:
            return
        for index in noted:
            i = int(index)
            if lib.parcrop_last_item_status(ctx, i) != statuses[i]:
                messages.clear()
                return
            messages[i] = ffi.string(lib.parcrop_last_item_message(ctx, i)).decode("utf-8", "replace")

    if count > 0:
        cropper._call_native(call, read_messages)
    info = ImageInfo._from_records(records, statuses, messages)
    if errors == "raise" and statuses.any():
        raise _crop_error(info, statuses, messages, items)
    return info


def probe(sources: Sequence[Any], *, errors: str = "raise", num_threads: int = 0,
          max_width: Optional[int] = None, max_height: Optional[int] = None,
          max_pixels: Optional[int] = None, max_file_size: Optional[int] = None) -> ImageInfo:
    """Reads what images are from their headers alone, without decoding pixels.

    Size, channels, format, EXIF orientation, and whether a JPEG is progressive or has
    restart markers, for a sampler that needs every image's size before cropping.
    A file is never read whole: its first 64 KiB, and more only while its headers go
    on (up to 16 MiB), so probing a 100 MB file costs one small read.

    Args:
        sources: one source per item, as for :func:`crop_boxes`: a path (str or
            os.PathLike) or the bytes of an encoded image.
        errors: "raise" (default: raise after the whole batch when an item failed; the
            exception's ``.output`` is the ImageInfo), "status" or "ignore" (return the
            ImageInfo, whose ``statuses`` say which items failed).
        num_threads: worker threads; 0 uses every core.
        max_width, max_height, max_pixels, max_file_size: limits, as for
            :class:`Cropper`; an image over one fails with its 3xx status.

    Returns:
        :class:`ImageInfo`, arrays of one entry per source.

    Raises:
        TypeError, ValueError: invalid arguments (before any native work).
        CropError: with ``errors="raise"``, when some items failed (the subclass says
            which group of statuses: InputError for missing or bad files).

    Example:
        >>> import parcrop
        >>> pgm = b"P5 6 4 255\\n" + bytes(24)   # a 6x4 gray image
        >>> info = parcrop.probe([pgm, "missing.png"], errors="status")
        >>> info.width.tolist(), info.height.tolist(), info.format.tolist()
        ([6, 0], [4, 0], ['pnm', 'unknown'])
        >>> info.channels.tolist(), info.exif_orientation.tolist(), info.display_size.tolist()
        ([1, 0], [1, 0], [[6, 4], [0, 0]])
        >>> [parcrop.Status(s).name for s in info.statuses]
        ['OK', 'FILE_NOT_FOUND']
    """
    from ._api import Cropper

    with Cropper(num_threads, max_width=max_width, max_height=max_height, max_pixels=max_pixels,
                 max_file_size=max_file_size) as cropper:
        return cropper.probe(sources, errors=errors)
