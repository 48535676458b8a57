"""The Rust-compatible entry points through ctypes (no cffi, no parcrop package code).

Programs written for the Rust library parallel_image_crop call initialize,
parallel_crop_and_resize and destroy; libparcrop exports them unchanged, and also
records a status per item, readable with parcrop_last_item_status.

    python examples/ctypes_rust_api.py [path/to/libparcrop.so]
"""

import ctypes
import os
import sys
import tempfile

import numpy as np


def find_library() -> str:
    if len(sys.argv) > 1:
        return sys.argv[1]
    import parcrop  # only to locate the library that pip installed

    return parcrop.library_path()


def main() -> None:
    lib = ctypes.CDLL(find_library())
    lib.initialize.argtypes = [ctypes.c_uint64, ctypes.c_bool]
    lib.initialize.restype = ctypes.c_void_p
    lib.destroy.argtypes = [ctypes.c_void_p]
    lib.destroy.restype = None
    float_p = ctypes.POINTER(ctypes.c_float)
    lib.parallel_crop_and_resize.argtypes = [
        ctypes.c_void_p, ctypes.POINTER(ctypes.c_char_p), ctypes.POINTER(ctypes.c_uint8),
        float_p, float_p, float_p, ctypes.c_uint32, ctypes.c_uint32, ctypes.c_float, ctypes.c_size_t]
    lib.parallel_crop_and_resize.restype = None
    lib.parcrop_last_item_status.argtypes = [ctypes.c_void_p, ctypes.c_size_t]
    lib.parcrop_last_item_status.restype = ctypes.c_int

    # Two gray PGM images and one missing file.
    folder = tempfile.mkdtemp()
    paths = []
    for i in range(2):
        paths.append(os.path.join(folder, f"{i}.pgm"))
        with open(paths[-1], "wb") as file:
            file.write(b"P5 64 48 255\n" + bytes((x * 4 + i * 50) % 256 for _ in range(48) for x in range(64)))
    paths.append(os.path.join(folder, "missing.png"))

    n, window, chans = len(paths), 16, 3
    c_paths = (ctypes.c_char_p * n)(*[os.fsencode(p) for p in paths])
    x = np.array([0.0, 0.5, 0.5], np.float32)
    y = np.array([0.0, 0.25, 0.25], np.float32)
    scale = np.array([0.5, 0.25, 0.25], np.float32)
    out = np.zeros((n, window, window, chans), np.uint8)

    handle = lib.initialize(0, False)  # 0 = all cores; False = nearest, as the original without vips
    try:
        lib.parallel_crop_and_resize(handle, c_paths, out.ctypes.data_as(ctypes.POINTER(ctypes.c_uint8)),
                                     scale.ctypes.data_as(float_p), x.ctypes.data_as(float_p),
                                     y.ctypes.data_as(float_p), window, chans, 0.25, n)
        statuses = [lib.parcrop_last_item_status(handle, i) for i in range(n)]
    finally:
        lib.destroy(handle)

    assert statuses == [0, 0, 200], statuses  # 200 = PARCROP_E_FILE_NOT_FOUND
    assert out[0].any() and out[1].any() and not out[2].any()
    print("ok:", out.shape, "statuses", statuses)


if __name__ == "__main__":
    main()
