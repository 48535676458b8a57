"""parcrop: crop a batch of images in parallel, decoding only what each crop needs.

Python bindings of libparcrop (cffi, ABI mode). The native library ships inside this
package; set the environment variable ``PARCROP_LIBRARY=/path/to/libparcrop.so`` to
use another build instead (it overrides the packaged library, e.g. a CMake build
directory during development). The library's version is checked on import.

Example:
    >>> import numpy as np, parcrop
    >>> pgm = b"P5 4 4 255\\n" + bytes(range(0, 256, 16))   # a 4x4 gray image
    >>> crops = parcrop.crop_boxes([pgm], np.array([[0, 0, 4, 4]]), size=2, channels=3,
    ...                            filter="area")
    >>> crops.shape, crops.dtype
    ((1, 2, 2, 3), dtype('uint8'))
    >>> crops[0, :, :, 0].tolist()
    [[40, 72], [168, 200]]
"""

from ._version import __version__
from ._lib import LIBRARY_PATH as _LIBRARY_PATH, LibraryLoadError
from ._status import (
    CallError,
    CropError,
    InputError,
    InternalError,
    InvalidItemError,
    LimitError,
    ParcropError,
    ResourceError,
    Status,
)
from ._api import FILTERS, MODES, Cropper, crop, crop_boxes
from ._probe import ImageInfo, probe
from ._manifest import ManifestError
from ._crop_job import JobError, JobSummary, crop_manifest
from . import sampling, transforms


def library_path() -> str:
    """The absolute path of the loaded libparcrop shared library."""
    return _LIBRARY_PATH


def library_version() -> str:
    """The loaded library's version string, e.g. "0.3.0"."""
    from ._lib import ffi, lib

    return ffi.string(lib.parcrop_version_string()).decode("ascii")


__all__ = [
    "__version__",
    "CallError",
    "CropError",
    "Cropper",
    "FILTERS",
    "ImageInfo",
    "InputError",
    "InternalError",
    "InvalidItemError",
    "JobError",
    "JobSummary",
    "LibraryLoadError",
    "LimitError",
    "MODES",
    "ManifestError",
    "ParcropError",
    "ResourceError",
    "Status",
    "crop",
    "crop_boxes",
    "crop_manifest",
    "library_path",
    "library_version",
    "probe",
]
