"""crop, crop_boxes and Cropper: argument checks in Python, the work in libparcrop."""

from __future__ import annotations

import operator
import os
import threading
from typing import TYPE_CHECKING, Any, Dict, List, Optional, Sequence, Tuple, Union

import numpy as np

from ._cdefs import PARCROP_FLAG_NORMALIZED_BOXES, PARCROP_FLIP_HORIZONTAL, PARCROP_FLIP_VERTICAL
from ._lib import ffi, lib
from ._status import CallError, CropError, Failure, Status, crop_error_class, status_name

if TYPE_CHECKING:
    from ._probe import ImageInfo

__all__ = ["Cropper", "crop", "crop_boxes", "FILTERS", "MODES"]

#: Filter names accepted by ``filter=`` and their parcrop_filter values.
FILTERS: Dict[str, int] = {
    "nearest": lib.PARCROP_FILTER_NEAREST,
    "bilinear": lib.PARCROP_FILTER_BILINEAR,
    "bicubic": lib.PARCROP_FILTER_BICUBIC,
    "area": lib.PARCROP_FILTER_AREA,
    "lanczos3": lib.PARCROP_FILTER_LANCZOS3,
    "lanczos": lib.PARCROP_FILTER_LANCZOS3,
}

#: Decode modes accepted by ``mode=`` and their parcrop_decode_mode values.
MODES: Dict[str, int] = {
    "default": lib.PARCROP_DECODE_DEFAULT,
    "exact": lib.PARCROP_DECODE_EXACT,
    "fast": lib.PARCROP_DECODE_FAST,
}

_ERRORS = ("raise", "ignore", "status")
_MAX_SIDE = 65535
_UINT32_MAX = 2**32 - 1
_UINT64_MAX = 2**64 - 1

#: What a source may be: a path, or the bytes of an encoded image.
Source = Union[str, "os.PathLike[str]", "os.PathLike[bytes]", bytes, bytearray, memoryview, np.ndarray]
Result = Union[np.ndarray, Tuple[np.ndarray, np.ndarray]]

_DATA_TYPES = (bytes, bytearray, memoryview, np.ndarray)
# A non-NULL pointer for empty in-memory sources (size 0), so that the library
# reports them as empty input rather than as a source without path or data.
_EMPTY = ffi.new("uint8_t[1]")


# ----------------------------------------------------------------------------------
# Argument checks (all run before any native call)
# ----------------------------------------------------------------------------------

def _int_arg(name: str, value: Any, low: int, high: int) -> int:
    if isinstance(value, bool):
        raise TypeError(f"{name} must be an int, not bool")
    try:
        number = operator.index(value)
    except TypeError:
        raise TypeError(f"{name} must be an int, not {type(value).__name__}") from None
    if not low <= number <= high:
        raise ValueError(f"{name} must be in [{low}, {high}], got {number}")
    return number


def _channels_arg(channels: Any) -> int:
    value = _int_arg("channels", channels, 0, _UINT32_MAX)
    if value not in (1, 3, 4):
        raise ValueError(f"channels must be 1 (gray), 3 (RGB) or 4 (RGBA), got {value}")
    return value


def _size_arg(size: Any) -> Tuple[int, int]:
    if isinstance(size, (tuple, list)):
        if len(size) != 2:
            raise ValueError(f"size must be an int or a (height, width) pair, got {size!r}")
        return (_int_arg("size[0] (height)", size[0], 1, _MAX_SIDE),
                _int_arg("size[1] (width)", size[1], 1, _MAX_SIDE))
    side = _int_arg("size", size, 1, _MAX_SIDE)
    return side, side


def _choice_arg(name: str, value: Any, choices: Dict[str, int]) -> int:
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str, one of {sorted(choices)}, not {type(value).__name__}")
    try:
        return choices[value.lower()]
    except KeyError:
        raise ValueError(f"unknown {name} {value!r}; expected one of {sorted(choices)}") from None


def _errors_arg(errors: Any) -> str:
    if errors not in _ERRORS:
        raise ValueError(f"errors must be one of {_ERRORS}, got {errors!r}")
    return errors


def _float_arg(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name} must be a number, not {type(value).__name__}")
    number = float(value)
    if not (number > 0 and np.isfinite(number)):
        raise ValueError(f"{name} must be a finite number > 0, got {number}")
    return number


def _real_array(name: str, value: Any) -> np.ndarray:
    try:
        array = np.asarray(value)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"{name} is not a regular array: {exc}") from None
    if array.dtype.kind not in "fiu":
        raise TypeError(f"{name} must hold real numbers (int or float), got dtype {array.dtype}")
    return array


def _vector_arg(name: str, value: Any, count: int) -> np.ndarray:
    """A float32 vector of count values; a scalar is repeated."""
    array = _real_array(name, value)
    if array.ndim == 0:
        return np.full(count, array, dtype=np.float32)
    if array.shape != (count,):
        raise ValueError(f"{name} must be a scalar or have shape ({count},) to match the sources, "
                         f"got shape {array.shape}")
    return np.ascontiguousarray(array, dtype=np.float32)


def _boxes_arg(boxes: Any, count: int) -> np.ndarray:
    array = _real_array("boxes", boxes)
    if array.shape != (count, 4) and not (count == 0 and array.size == 0):
        raise ValueError(f"boxes must have shape ({count}, 4), rows of (x0, y0, x1, y1), "
                         f"got shape {array.shape}")
    return np.ascontiguousarray(array.reshape(count, 4), dtype=np.float32)


def _sources_list(sources: Any) -> List[Any]:
    if isinstance(sources, (str, os.PathLike) + _DATA_TYPES[:3]):
        raise TypeError(f"sources must be a sequence of sources, not a single {type(sources).__name__}; "
                        "wrap one source in a list")
    if isinstance(sources, np.ndarray) and sources.dtype.kind not in "UO":
        raise TypeError(f"sources must be a sequence of sources, not an ndarray of dtype {sources.dtype}; "
                        "wrap one encoded image in a list")
    try:
        return list(sources)
    except TypeError:
        raise TypeError(f"sources must be a sequence, not {type(sources).__name__}") from None


class _Sources:
    """The parcrop_source array of a batch and the Python objects it points into."""

    def __init__(self, sources: Any) -> None:
        items = _sources_list(sources)
        self.count = len(items)
        self.array = ffi.new("parcrop_source[]", max(self.count, 1))
        self.keep: List[Any] = []
        self.data_items: List[int] = []
        paths: Dict[bytes, Any] = {}
        for index, item in enumerate(items):
            if isinstance(item, (str, os.PathLike)):
                encoded = os.fsencode(item)
                if b"\0" in encoded:
                    raise ValueError(f"sources[{index}]: a path cannot contain a NUL character")
                cpath = paths.get(encoded)
                if cpath is None:
                    cpath = paths[encoded] = ffi.new("char[]", encoded)
                self.array[index].path = cpath
            elif isinstance(item, _DATA_TYPES):
                self._set_data(index, item)
            else:
                raise TypeError(
                    f"sources[{index}] is a {type(item).__name__}; expected a path (str or os.PathLike) "
                    "or the bytes of an encoded image (bytes, bytearray, memoryview, uint8 ndarray)")
        self.keep.extend(paths.values())

    def _set_data(self, index: int, item: Any) -> None:
        if isinstance(item, np.ndarray):
            if item.dtype != np.uint8:
                raise TypeError(f"sources[{index}]: an ndarray of encoded bytes must have dtype uint8, "
                                f"got {item.dtype}")
            if not item.flags.c_contiguous:
                raise ValueError(f"sources[{index}]: an ndarray of encoded bytes must be C-contiguous")
            size = item.nbytes
        elif isinstance(item, memoryview):
            if not item.c_contiguous:
                raise ValueError(f"sources[{index}]: a memoryview of encoded bytes must be C-contiguous")
            size = item.nbytes
        else:
            size = len(item)
        if size == 0:
            self.array[index].data = _EMPTY
        else:
            buffer = ffi.from_buffer("uint8_t[]", item)
            self.keep.append(buffer)
            self.array[index].data = buffer
        self.array[index].size = size
        self.data_items.append(index)


def _writable_view(out: Any) -> np.ndarray:
    """A numpy view of the caller's memory, never a copy: parcrop writes through it."""
    if isinstance(out, np.ndarray):
        return out
    if hasattr(out, "__array_interface__"):
        return np.asarray(out)
    try:
        return np.asarray(memoryview(out))
    except TypeError:
        pass
    # torch.Tensor (CPU, pinned or not) has __array__, whose result shares its storage;
    # data_ptr() proves it, so a copying __array__ elsewhere is refused, not written in vain.
    if hasattr(out, "__array__") and hasattr(out, "data_ptr"):
        view = np.asarray(out)
        if view.size == 0 or view.ctypes.data == out.data_ptr():
            return view
    raise TypeError(f"out must be a numpy.ndarray or expose its memory (buffer protocol, "
                    f"__array_interface__, a CPU torch.Tensor), not {type(out).__name__}")


def _out_arg(out: Any, shape: Tuple[int, ...]) -> np.ndarray:
    if out is None:
        # Every slot is written by the library (a crop or zeros), so empty is enough.
        return np.empty(shape, dtype=np.uint8)
    out = _writable_view(out)
    if out.dtype != np.uint8:
        raise TypeError(f"out must have dtype uint8, got {out.dtype}")
    if out.shape != shape:
        raise ValueError(f"out must have shape {shape}, got {out.shape}")
    if not out.flags.c_contiguous:
        raise ValueError("out must be C-contiguous (parcrop writes into it directly and never copies)")
    if not out.flags.writeable:
        raise ValueError("out must be writable")
    return out


def _returned_out(result: Result, out: Any) -> Any:
    """The caller's own object when it gave one that is not an ndarray (a torch.Tensor)."""
    if out is None or isinstance(out, np.ndarray):
        return result
    return (out, result[1]) if isinstance(result, tuple) else out


def _params(height: int, width: int, channels: int, filter_value: int, mode_value: int,
            flags: int) -> Any:
    params = ffi.new("parcrop_crop_params*")
    lib.parcrop_crop_params_init(params)
    params.out_height = height
    params.out_width = width
    params.out_channels = channels
    params.filter = filter_value
    params.mode = mode_value
    params.flags = flags
    return params


OUT_OF_BOUNDS = {"error": 0, "pad": 1, "clamp": 2}
EXIF = {"ignore": 0, "apply": 1}


def _flip_arg(name: str, value: Any, count: int) -> np.ndarray:
    """One bool per item; a bool (or 0/1) is every item's."""
    array = np.asarray(value)
    if array.dtype.kind not in "biu":
        raise TypeError(f"{name} must be a bool or a sequence of bools, got dtype {array.dtype}")
    if array.ndim == 0:
        array = np.full(count, array)
    if array.shape != (count,):
        raise ValueError(f"{name} must be a bool or have shape ({count},) to match the sources, "
                         f"got shape {array.shape}")
    if ((array != 0) & (array != 1)).any():
        raise ValueError(f"{name} must hold booleans (0 or 1)")
    return array.astype(bool)


def _fill_arg(value: Any, channels: int) -> Tuple[int, ...]:
    array = np.asarray(value)
    if array.dtype.kind not in "iu" and not (array.dtype.kind == "f" and np.all(array == np.round(array))):
        raise TypeError(f"fill must be integers 0..255, got dtype {array.dtype}")
    if array.ndim == 0:
        array = np.full(channels, array)
    if array.shape != (channels,):
        raise ValueError(f"fill must be one value or {channels} (one per output channel), got shape {array.shape}")
    if ((array < 0) | (array > 255)).any():
        raise ValueError(f"fill values must be 0..255, got {array.tolist()}")
    return tuple(int(v) for v in array)


def _set_geometry(params: Any, count: int, channels: int, hflip: Any, vflip: Any, out_of_bounds: str,
                  fill: Any) -> Any:
    """Sets flips, the out-of-bounds policy and the fill; returns what must outlive the call."""
    params.out_of_bounds = _choice_arg("out_of_bounds", out_of_bounds, OUT_OF_BOUNDS)
    fill_values = _fill_arg(fill, channels)
    for channel, value in enumerate(fill_values):
        params.fill[channel] = value
    flips = (_flip_arg("hflip", hflip, count) * PARCROP_FLIP_HORIZONTAL
             + _flip_arg("vflip", vflip, count) * PARCROP_FLIP_VERTICAL).astype(np.uint8)
    if count == 0 or not flips.any():
        return None
    if (flips == flips[0]).all():
        params.flip = int(flips[0])
        return None
    item_flip = ffi.from_buffer("uint8_t[]", flips)
    params.item_flip = item_flip
    return (flips, item_flip)


def _looks_like_path(data: Any) -> bool:
    if not isinstance(data, bytes) or len(data) > 4096 or b"\0" in data:
        return False
    try:
        return os.path.exists(data)
    except (OSError, ValueError):
        return False


# ----------------------------------------------------------------------------------
# Cropper
# ----------------------------------------------------------------------------------

class Cropper:
    """A native parcrop context: worker threads, limits, and the results of its batches.

    Args:
        num_threads: worker threads per batch; 0 uses every core.
        max_width, max_height: the widest and tallest image accepted, in pixels
            (None: the library default, 65535).
        max_pixels: the largest width * height accepted (None: 178956970, Pillow's
            decompression-bomb limit).
        max_file_size: the largest encoded input accepted, in bytes (None: 1 GiB).
        max_decode_memory: what one item's decoder may hold beyond a row of its crop,
            in bytes (None: 256 MiB). Only what cannot stream rows uses it: PSD and PNM,
            progressive JPEG, interlaced PNG and GIF, run-length BMP and TGA; over it, the
            item fails with ``Status.DECODE_MEMORY``.
        max_item_decoded_pixels: tiled images (TIFF) are read tile by tile, so the
            limits above do not apply to them; instead the tiles that one item's crop
            covers, at the level it reads, may hold at most this many pixels (None:
            2**28), else the item fails with ``Status.TOO_MANY_PIXELS``.
        max_tiled_image_side: the widest and tallest level of a tiled image accepted
            (None: 2**20 pixels), else ``Status.IMAGE_TOO_LARGE``.
        index_cache_bytes: memory for entropy indexes of baseline JPEGs without restart
            markers (None: 64 MiB; 0 turns indexing off). The second time this Cropper
            crops such a file (the first, when one batch crops it more than once), it
            pays one Huffman pass over it (about half a full decode); its later crops
            start decoding at the crop instead of at the top of the file. Same pixels
            either way; a dataset read once pays nothing.

    An image over a limit fails with a 3xx status instead of being decoded.

    A Cropper may be shared by several Python threads: batches on it run at the same
    time (the GIL is released during native work). ``close()`` frees the native
    context (garbage collection also does); it waits for running batches to finish
    before freeing, and any later call raises ValueError. A Cropper pickles as its
    settings, so it can be sent to DataLoader worker processes.

    Example:
        >>> import parcrop
        >>> pgm = b"P5 4 4 255\\n" + bytes(range(0, 256, 16))   # a 4x4 gray image
        >>> with parcrop.Cropper(num_threads=1, max_pixels=1 << 20) as cropper:
        ...     crops = cropper.crop_boxes([pgm], [[0, 0, 2, 2]], size=2, channels=1,
        ...                                filter="nearest")
        >>> crops[0, :, :, 0].tolist()
        [[0, 16], [64, 80]]
    """

    def __init__(self, num_threads: int = 0, max_width: Optional[int] = None,
                 max_height: Optional[int] = None, max_pixels: Optional[int] = None,
                 max_file_size: Optional[int] = None,
                 max_decode_memory: Optional[int] = None,
                 max_item_decoded_pixels: Optional[int] = None,
                 max_tiled_image_side: Optional[int] = None,
                 index_cache_bytes: Optional[int] = None) -> None:
        self._settings = (num_threads, max_width, max_height, max_pixels, max_file_size,
                          max_decode_memory, max_item_decoded_pixels, max_tiled_image_side,
                          index_cache_bytes)
        self._ctx: Any = None
        self._lock = threading.Lock()
        self._active = 0
        self._generation = 0
        self._closed = True
        options = ffi.new("parcrop_options*")
        lib.parcrop_options_init(options)
        options.num_threads = _int_arg("num_threads", num_threads, 0, _UINT32_MAX)
        if max_width is not None:
            options.max_width = _int_arg("max_width", max_width, 1, _UINT32_MAX)
        if max_height is not None:
            options.max_height = _int_arg("max_height", max_height, 1, _UINT32_MAX)
        if max_pixels is not None:
            options.max_pixels = _int_arg("max_pixels", max_pixels, 1, _UINT64_MAX)
        if max_file_size is not None:
            options.max_file_size = _int_arg("max_file_size", max_file_size, 1, _UINT64_MAX)
        if max_decode_memory is not None:
            options.max_decode_memory = _int_arg("max_decode_memory", max_decode_memory, 1,
                                                 _UINT64_MAX)
        if max_item_decoded_pixels is not None:
            options.max_item_decoded_pixels = _int_arg("max_item_decoded_pixels",
                                                       max_item_decoded_pixels, 1, _UINT64_MAX)
        if max_tiled_image_side is not None:
            options.max_tiled_image_side = _int_arg("max_tiled_image_side", max_tiled_image_side,
                                                    1, _UINT32_MAX)
        if index_cache_bytes is not None:
            options.index_cache_bytes = _int_arg("index_cache_bytes", index_cache_bytes, 0, _UINT64_MAX)
        context = ffi.new("parcrop_context**")
        status = lib.parcrop_context_create(options, context)
        if status != lib.PARCROP_OK:
            raise _call_error(status)
        self._ctx = ffi.gc(context[0], lib.parcrop_context_destroy)
        self._closed = False

    # -- lifetime ---------------------------------------------------------------

    def close(self) -> None:
        """Frees the native context. Idempotent; batches still running finish first."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            if self._active == 0:
                self._release()

    def _release(self) -> None:
        if self._ctx is not None:
            ffi.release(self._ctx)  # runs parcrop_context_destroy now
            self._ctx = None

    @property
    def closed(self) -> bool:
        """True once close() was called."""
        return self._closed

    def __enter__(self) -> "Cropper":
        if self._closed:
            raise ValueError("this Cropper is closed")
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    def __reduce__(self) -> Tuple[Any, Tuple[Any, ...]]:
        return (Cropper, self._settings)

    def __repr__(self) -> str:
        state = "closed" if self._closed else "open"
        return f"<parcrop.Cropper num_threads={self._settings[0]} {state}>"

    # -- batches ----------------------------------------------------------------

    def crop(self, paths: Sequence[Source], x: Any, y: Any, scale: Any, window_size: int = 32,
             channels: int = 3, max_img_percent: float = 0.25, filter: str = "nearest",
             out: Any = None, errors: str = "raise", exif: str = "ignore") -> Result:
        """Glimpses placed by fractions of each image, as parallel_image_crop crops them.

        Same as :func:`parcrop.crop` on this Cropper's context.
        """
        items = _Sources(paths)
        count = items.count
        xs = _vector_arg("x", x, count)
        ys = _vector_arg("y", y, count)
        scales = _vector_arg("scale", scale, count)
        window = _int_arg("window_size", window_size, 1, _MAX_SIDE)
        chans = _channels_arg(channels)
        percent = _float_arg("max_img_percent", max_img_percent)
        params = _params(window, window, chans, _choice_arg("filter", filter, FILTERS),
                         lib.PARCROP_DECODE_DEFAULT, 0)
        params.exif = _choice_arg("exif", exif, EXIF)
        errors = _errors_arg(errors)
        output = _out_arg(out, (count, window, window, chans))
        glimpses = np.ascontiguousarray(np.stack([xs, ys, scales], axis=1), dtype=np.float32)

        def call(ctx: Any, sources: Any, out_ptr: Any, status_ptr: Any) -> int:
            return lib.parcrop_crop_glimpses(ctx, sources, ffi.from_buffer("parcrop_glimpse[]", glimpses),
                                             count, percent, params, out_ptr, status_ptr)

        return _returned_out(self._run(call, items, output, errors), out)

    def crop_boxes(self, sources: Sequence[Source], boxes: Any, size: Union[int, Tuple[int, int]],
                   channels: int = 3, filter: str = "bilinear", normalized: bool = False,
                   out: Any = None, errors: str = "raise", mode: str = "default",
                   hflip: Any = False, vflip: Any = False, out_of_bounds: str = "error",
                   fill: Any = 0, exif: str = "ignore") -> Result:
        """Crops boxes of images and resizes them. Same as :func:`parcrop.crop_boxes`."""
        items = _Sources(sources)
        count = items.count
        box_array = _boxes_arg(boxes, count)
        height, width = _size_arg(size)
        chans = _channels_arg(channels)
        params = _params(height, width, chans, _choice_arg("filter", filter, FILTERS),
                         _choice_arg("mode", mode, MODES),
                         PARCROP_FLAG_NORMALIZED_BOXES if normalized else 0)
        # Holds the per-item flips that params points to until this method returns.
        item_flips = _set_geometry(params, count, chans, hflip, vflip, out_of_bounds, fill)
        params.exif = _choice_arg("exif", exif, EXIF)
        errors = _errors_arg(errors)
        output = _out_arg(out, (count, height, width, chans))

        def call(ctx: Any, sources: Any, out_ptr: Any, status_ptr: Any) -> int:
            return lib.parcrop_crop_batch(ctx, sources, ffi.from_buffer("parcrop_box[]", box_array),
                                          count, params, out_ptr, status_ptr)

        result = self._run(call, items, output, errors)
        del item_flips
        return _returned_out(result, out)

    def _run(self, call: Any, items: _Sources, output: np.ndarray, errors: str) -> Result:
        count = items.count
        statuses = np.zeros(count, dtype=np.int32)
        messages: Dict[int, str] = {}
        outcome: List[int] = []

        def native(ctx: Any) -> None:
            if count == 0:
                return
            out_ptr = ffi.from_buffer("uint8_t[]", output, require_writable=True)
            status_ptr = ffi.from_buffer("parcrop_status[]", statuses, require_writable=True)
            # The GIL is released for the duration of this call (cffi ABI mode).
            result = call(ctx, items.array, out_ptr, status_ptr)
            if result not in (lib.PARCROP_OK, lib.PARCROP_ITEMS_FAILED):
                raise _call_error(result)
            outcome.append(result)

        def read_messages(ctx: Any) -> None:
            if outcome and outcome[0] == lib.PARCROP_ITEMS_FAILED:
                messages.update(self._messages(statuses))

        self._call_native(native, read_messages)
        if errors == "status":
            return output, statuses
        if errors == "raise" and count > 0 and statuses.any():
            raise _crop_error(output, statuses, messages, items)
        return output

    def _messages(self, statuses: np.ndarray) -> Dict[int, str]:
        ctx = self._ctx
        if lib.parcrop_last_batch_size(ctx) != statuses.size:
            return {}
        messages = {}
        for index in np.flatnonzero(statuses):
            i = int(index)
            if lib.parcrop_last_item_status(ctx, i) != statuses[i]:
                return {}
            messages[i] = ffi.string(lib.parcrop_last_item_message(ctx, i)).decode("utf-8", "replace")
        return messages

    def probe(self, sources: Sequence[Source], *, errors: str = "raise") -> "ImageInfo":
        """Image information from headers, without decoding. Same as :func:`parcrop.probe`
        with this Cropper's threads and limits."""
        from ._probe import run_probe

        return run_probe(self, sources, errors)

    def _call_native(self, call: Any, read_messages: Any) -> None:
        """call(ctx) as one batch on the context, then read_messages(ctx) when no other
        batch overlapped it (the context keeps only the last batch's messages)."""
        with self._lock:
            if self._closed:
                raise ValueError("this Cropper is closed")
            alone = self._active == 0
            self._active += 1
            self._generation += 1
            generation = self._generation
        try:
            call(self._ctx)
            with self._lock:
                if alone and self._generation == generation:
                    read_messages(self._ctx)
        finally:
            with self._lock:
                self._active -= 1
                if self._closed and self._active == 0:
                    self._release()


def _strerror(status: int) -> str:
    return ffi.string(lib.parcrop_strerror(status)).decode("utf-8", "replace")


def _call_error(status: int) -> CallError:
    return CallError(f"{_strerror(status)} ({status_name(status)}, {status})", status)


def _crop_error(output: np.ndarray, statuses: np.ndarray, messages: Dict[int, str],
                items: _Sources) -> CropError:
    failures: List[Failure] = []
    for index in np.flatnonzero(statuses):
        i = int(index)
        code = int(statuses[i])
        failures.append((i, code, messages.get(i) or _strerror(code)))
    first, code, text = failures[0]
    message = (f"{len(failures)} of {statuses.size} items failed; first: item {first}, "
               f"{status_name(code)} ({code}): {text}")
    hinted = [i for i, c, _ in failures if c == Status.UNKNOWN_FORMAT and i in items.data_items]
    if hinted:
        message += ("; note: bytes sources are read as encoded image data, never as paths: "
                    "pass file names as str or os.PathLike (os.fsdecode(b) for a bytes name)")
    return crop_error_class(failures)(message, output, failures, statuses)


# ----------------------------------------------------------------------------------
# Module-level functions: one fresh context per call
# ----------------------------------------------------------------------------------

def crop(paths: Sequence[Source], x: Any, y: Any, scale: Any, window_size: int = 32,
         channels: int = 3, max_img_percent: float = 0.25, filter: str = "nearest",
         num_threads: int = 0, out: Any = None, errors: str = "raise", exif: str = "ignore") -> Result:
    """Crops glimpses placed by fractions of each image, as parallel_image_crop does.

    For an image of width W and height H (all in float32)::

        s = min(scale, max_img_percent)
        crop_w = max(2, floor(W * s)), crop_h = max(2, floor(H * s))
        x_px = min(uint32(x * W), W - crop_w), y_px = min(uint32(y * H), H - crop_h)

    and the crop is resized to ``window_size`` x ``window_size``. With the default
    ``filter="nearest"``, output row o takes crop row floor((o + 0.5) * crop_h /
    window_size) of the full-resolution image (columns alike): byte-identical to the
    Rust library ``parallel_image_crop`` on lossless formats.

    Args:
        paths: one source per item: a path (str or os.PathLike) or the bytes of an
            encoded image (see :func:`crop_boxes` for the rule).
        x, y: the crop's left and top edge as fractions of the image's width and
            height, in [0, 1]; arrays of one value per item, or scalars for all.
        scale: the crop's side as a fraction of the image's side, > 0.
        window_size: the output side in pixels.
        channels: 1 (gray), 3 (RGB) or 4 (RGBA); sources are converted.
        max_img_percent: the largest scale used (larger scales are clamped to it).
        filter: "nearest", "bilinear", "bicubic", "area" or "lanczos3" ("lanczos").
        num_threads: worker threads; 0 uses every core.
        out: an optional C-contiguous, writable uint8 buffer of shape
            [N, window_size, window_size, channels] to write into (as in
            :func:`crop_boxes`).
        errors: "raise" (raise CropError after the batch when an item failed),
            "ignore" (failed items' slots are zero) or "status" (return
            ``(array, statuses)`` with one int32 status per item, 0 for success).
        exif: "ignore" places the glimpse on the image as stored; "apply" on the image
            as displayed, turned by its EXIF orientation (see :func:`crop_boxes`).

    Returns:
        uint8 array [N, window_size, window_size, channels] (the ``out`` array if
        given), or ``(array, statuses)`` with ``errors="status"``.

    Raises:
        TypeError, ValueError: invalid arguments (before any native work).
        CropError: with ``errors="raise"``, when some items failed.

    Example:
        >>> import parcrop
        >>> pgm = b"P5 4 4 255\\n" + bytes(range(0, 256, 16))   # a 4x4 gray image
        >>> parcrop.crop([pgm], x=0.5, y=0.5, scale=0.5, window_size=2, channels=1,
        ...              max_img_percent=1.0)[0, :, :, 0].tolist()
        [[160, 176], [224, 240]]
    """
    with Cropper(num_threads) as cropper:
        return cropper.crop(paths, x, y, scale, window_size=window_size, channels=channels,
                            max_img_percent=max_img_percent, filter=filter, out=out, errors=errors,
                            exif=exif)


def crop_boxes(sources: Sequence[Source], boxes: Any, size: Union[int, Tuple[int, int]],
               channels: int = 3, filter: str = "bilinear", normalized: bool = False,
               out: Any = None, errors: str = "raise", num_threads: int = 0,
               mode: str = "default", hflip: Any = False, vflip: Any = False,
               out_of_bounds: str = "error", fill: Any = 0, exif: str = "ignore") -> Result:
    """Crops a box of each image and resizes it, decoding only what the crop needs.

    Args:
        sources: one source per item. A ``str`` or ``os.PathLike`` is a file path;
            ``bytes``, ``bytearray``, ``memoryview`` and uint8 ``numpy`` arrays are
            always the encoded image itself (JPEG, PNG, BMP, GIF, ...), never a path:
            pass a bytes file name as ``os.fsdecode(name)``. The format is recognised
            from the first bytes, never from a file name.
        boxes: [N, 4] rows of (x0, y0, x1, y1): the half-open rectangle [x0, x1) x
            [y0, y1) in source pixels (fractions allowed), or fractions of the image's
            width and height with ``normalized=True``. A box must be non-empty and, with
            the default ``out_of_bounds="error"``, lie within the image; an invalid one
            fails that item (Status.INVALID_BOX).
        size: the output side, or a (height, width) pair.
        channels: 1 (gray), 3 (RGB) or 4 (RGBA). Gray is replicated to RGB, RGB
            becomes gray with BT.601 weights, alpha is dropped or set to 255.
        filter: "nearest", "bilinear", "bicubic", "area" or "lanczos3" ("lanczos").
            The smoothing filters are antialiased when shrinking, like Pillow's.
        normalized: box coordinates are fractions of the image size.
        out: an optional C-contiguous, writable uint8 buffer of shape
            [N, height, width, channels] to write into, never a silent copy: a numpy
            array, anything with the buffer protocol or ``__array_interface__``, or a
            CPU ``torch.Tensor`` (pinned memory too), which is then what is returned.
        errors: "raise", "ignore" or "status", as in :func:`crop`.
        num_threads: worker threads; 0 uses every core.
        mode: "exact" decodes full-resolution pixels; "fast" lets JPEG decode at
            1/2, 1/4 or 1/8 scale when the crop is much larger than the output;
            "default" is fast for the smoothing filters and exact for nearest.
        hflip, vflip: mirror the crop left-right (``np.flip(crop, 1)``) or top-bottom
            (``np.flip(crop, 0)``); a bool for every item or one per item. Done while
            writing the output, at no extra cost.
        out_of_bounds: for a box reaching outside its image: "error" (Status.INVALID_BOX),
            "pad" (the image is surrounded by ``fill``: the crop is Pillow's
            ``img.crop(box)`` of the padded image, resized; a box wholly outside gives
            the fill) or "clamp" (the box is moved inside the image, keeping its size,
            and becomes the whole side where it is larger than the image).
        fill: the padding, one value 0..255 or one per output channel.
        exif: "ignore" (boxes are on the image as stored) or "apply": boxes (pixel or
            normalized), flips and ``out_of_bounds`` are on the image as displayed, the
            stored one turned by its EXIF orientation (JPEG APP1 Exif, PNG eXIf; none or
            malformed EXIF, and other formats, display as stored). With ``mode="exact"``
            the crop is byte for byte that of ``ImageOps.exif_transpose(img)``; the stored
            pixels are still decoded only as far as the crop needs.

    Returns:
        uint8 array [N, height, width, channels], or ``(array, statuses)`` with
        ``errors="status"``.

    Raises:
        TypeError, ValueError: invalid arguments (before any native work).
        CropError: with ``errors="raise"``, when some items failed; it carries the
            output and the failures.

    Example:
        >>> import parcrop
        >>> pgm = b"P5 4 4 255\\n" + bytes(range(0, 256, 16))   # a 4x4 gray image
        >>> crops = parcrop.crop_boxes([pgm, pgm], [[0, 0, 2, 2], [0, 0, 1, 1]], size=(2, 2),
        ...                            channels=1, filter="nearest", normalized=False)
        >>> crops.shape
        (2, 2, 2, 1)
        >>> crops[0, :, :, 0].tolist()
        [[0, 16], [64, 80]]
        >>> _, statuses = parcrop.crop_boxes([pgm, "missing.png"], [[0, 0, 2, 2]] * 2, size=2,
        ...                                  errors="status")
        >>> [parcrop.Status(s).name for s in statuses]
        ['OK', 'FILE_NOT_FOUND']
    """
    with Cropper(num_threads) as cropper:
        return cropper.crop_boxes(sources, boxes, size, channels=channels, filter=filter,
                                  normalized=normalized, out=out, errors=errors, mode=mode,
                                  hflip=hflip, vflip=vflip, out_of_bounds=out_of_bounds, fill=fill,
                                  exif=exif)
