"""Finds libparcrop, loads it with cffi in ABI mode and checks its version.

The library is looked up in this order:

1. the file named by the environment variable ``PARCROP_LIBRARY`` (for development
   against a CMake build directory; it overrides the packaged library);
2. the library that ``pip install .`` placed inside this package's directory.
"""

from __future__ import annotations

import glob
import os
import sys
from typing import Any, Optional, Tuple

from cffi import FFI

from . import _cdefs
from ._version import __version__

ENV_VAR = "PARCROP_LIBRARY"

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))

if sys.platform == "darwin":  # pragma: no cover - the project builds on Linux today
    _CANDIDATES = ("libparcrop.0.dylib", "libparcrop.dylib")
elif sys.platform == "win32":  # pragma: no cover
    _CANDIDATES = ("parcrop.dll", "libparcrop.dll")
else:
    _CANDIDATES = ("libparcrop.so.0", "libparcrop.so")


class LibraryLoadError(ImportError):
    """libparcrop could not be found or loaded, or is of the wrong version."""


def _find_library() -> str:
    override = os.environ.get(ENV_VAR)
    if override:
        if not os.path.isfile(override):
            raise LibraryLoadError(
                f"{ENV_VAR}={override!r} does not name a file. Point it at a built "
                "libparcrop.so (e.g. build/libparcrop.so after `cmake --build build`) "
                f"or unset {ENV_VAR} to use the library installed with the package."
            )
        return os.path.abspath(override)
    for name in _CANDIDATES:
        path = os.path.join(_PACKAGE_DIR, name)
        if os.path.isfile(path):
            return path
    found = sorted(glob.glob(os.path.join(_PACKAGE_DIR, "libparcrop.so.*")))
    if found:
        return found[0]
    raise LibraryLoadError(
        f"libparcrop was not found in {_PACKAGE_DIR}. Install the package with "
        "`pip install .` from the repository root (this builds and bundles the library), "
        f"or set {ENV_VAR}=/path/to/libparcrop.so to use a CMake build directory."
    )


def _expected_version() -> Tuple[int, int, int]:
    major, minor, patch = (int(part) for part in __version__.split(".")[:3])
    return major, minor, patch


def _check_version(lib: Any, ffi: FFI, path: str) -> None:
    runtime = int(lib.parcrop_version())
    text = ffi.string(lib.parcrop_version_string()).decode("ascii", "replace")
    major, minor, patch = _expected_version()
    r_major, r_minor, r_patch = runtime // 10000, (runtime // 100) % 100, runtime % 100
    # Before 1.0 a minor release may change the ABI, so major and minor must match;
    # a newer patch release of the library is accepted.
    if (r_major, r_minor) != (major, minor) or r_patch < patch:
        raise LibraryLoadError(
            f"libparcrop at {path} is version {text} ({runtime}), but the parcrop Python "
            f"package {__version__} needs {major}.{minor}.x with x >= {patch}. "
            "Reinstall the package so that its bundled library matches "
            "(`pip install --force-reinstall .` from the repository root), or, if "
            f"{ENV_VAR} is set, point it at a build of the same version."
        )
    # The struct layouts declared in _cdefs must be the library's: the _init functions
    # write their own sizeof into struct_size.
    for struct, init in (("parcrop_options", lib.parcrop_options_init),
                         ("parcrop_crop_params", lib.parcrop_crop_params_init)):
        probe = ffi.new(f"{struct}*")
        init(probe)
        if probe.struct_size != ffi.sizeof(struct):
            raise LibraryLoadError(
                f"libparcrop at {path} reports sizeof({struct}) = {probe.struct_size}, but "
                f"the Python declarations say {ffi.sizeof(struct)}. The library and the "
                "package come from different sources; reinstall with `pip install .`."
            )


def load() -> Tuple[FFI, Any, str]:
    """Returns (ffi, lib, path) with the library loaded and its version checked."""
    path = _find_library()
    ffi = FFI()
    ffi.cdef(_cdefs.CDEFS)
    try:
        lib = ffi.dlopen(path)
    except OSError as exc:
        raise LibraryLoadError(
            f"could not load libparcrop from {path}: {exc}. It needs the shared "
            "libraries it was built against (libjpeg, libisal, libgomp); check them with "
            f"`ldd {path}`."
        ) from exc
    _check_loaded_file(lib, ffi, path)
    _check_version(lib, ffi, path)
    return ffi, lib, path


def _mapped_file(address: int) -> Optional[str]:
    """The file mapped at ``address`` in this process (Linux), or None where unknown."""
    try:
        with open("/proc/self/maps") as maps:
            for line in maps:
                fields = line.split(maxsplit=5)
                start, end = (int(bound, 16) for bound in fields[0].split("-"))
                if start <= address < end:
                    return fields[5].strip() if len(fields) == 6 else None
    except (OSError, ValueError, IndexError):
        return None
    return None


def _check_loaded_file(lib: Any, ffi: FFI, path: str) -> None:
    """dlopen() hands back an already loaded library of the same name (a system
    libparcrop loaded through ctypes, say) instead of the file asked for: refuse that, so
    that the bundled library and its bundled dependencies are what runs."""
    address = int(ffi.cast("uintptr_t", ffi.addressof(lib, "parcrop_version")))
    mapped = _mapped_file(address)
    if mapped is not None and os.path.exists(mapped) and not os.path.samefile(mapped, path):
        raise LibraryLoadError(
            f"asked to load libparcrop from {path}, but this process already runs the one at {mapped}, "
            "loaded earlier under the same name. Import parcrop before loading another libparcrop, or "
            f"point {ENV_VAR} at {mapped}."
        )


ffi, lib, LIBRARY_PATH = load()
