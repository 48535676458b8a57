"""parcrop.crop: the glimpse rule of parallel_image_crop, and its cffi entry points."""

import numpy as np
import pytest
from cffi import FFI

import parcrop
from parcrop_testutil import encode, glimpse_reference, noise, save

# The Rust project's cffi declaration, verbatim.
RUST_CDEF = """
void destroy(void*);
void* initialize(uint64_t num_threads, bool use_vips);
void parallel_crop_and_resize(void* handle, char** paths, uint8_t* out, float* scale, float* x, float* y, uint32_t window_size, uint32_t chans, float max_img_percent, size_t n);
"""


def _batch(tmp_path, rng, count=24, channels=3):
    images, paths = [], []
    for i in range(count):
        height, width = (int(v) for v in rng.integers(3, 180, 2))
        image = noise(rng, height, width, channels)
        images.append(image)
        paths.append(save(tmp_path / f"img{i}.png", image))
    x = rng.random(count).astype(np.float32)
    y = rng.random(count).astype(np.float32)
    scale = rng.uniform(0.01, 0.6, count).astype(np.float32)
    # Edges of the rule: x or y at 1.0, a scale over max_img_percent, tiny crops.
    x[0], y[1], scale[2], scale[3] = 1.0, 1.0, 5.0, 1e-4
    return images, paths, x, y, scale


@pytest.mark.parametrize("channels", [1, 3, 4])
@pytest.mark.parametrize("window", [1, 7, 32])
def test_crop_equals_numpy_reference(tmp_path, rng, channels, window):
    images, paths, x, y, scale = _batch(tmp_path, rng, channels=channels)
    got = parcrop.crop(paths, x, y, scale, window_size=window, channels=channels, max_img_percent=0.25)
    assert got.shape == (len(paths), window, window, channels) and got.dtype == np.uint8
    for i, image in enumerate(images):
        want = glimpse_reference(image, x[i], y[i], scale[i], window, 0.25)
        np.testing.assert_array_equal(got[i], want, err_msg=f"item {i}, image {image.shape}")


def test_tiny_images_and_full_scale(tmp_path, rng):
    shapes = [(1, 1), (1, 5), (5, 1), (2, 2), (3, 200)]
    images = [noise(rng, h, w) for h, w in shapes]
    paths = [save(tmp_path / f"t{i}.png", image) for i, image in enumerate(images)]
    x = np.array([0.0, 0.5, 0.9, 1.0, 0.3], np.float32)
    y = np.array([0.0, 1.0, 0.2, 0.0, 0.7], np.float32)
    got = parcrop.crop(paths, x, y, 1.0, window_size=5, max_img_percent=1.0)
    for i, image in enumerate(images):
        np.testing.assert_array_equal(got[i], glimpse_reference(image, x[i], y[i], 1.0, 5, 1.0))


def test_scalars_broadcast(tmp_path, rng):
    _, paths, x, y, _ = _batch(tmp_path, rng, count=4)
    a = parcrop.crop(paths, x, y, 0.2, window_size=8)
    b = parcrop.crop(paths, x, y, np.full(4, 0.2, np.float32), window_size=8)
    np.testing.assert_array_equal(a, b)


def test_rust_cffi_declaration_gives_the_same_bytes(tmp_path, rng):
    _, paths, x, y, scale = _batch(tmp_path, rng, count=16)
    window, chans, max_img_percent = 24, 3, 0.3
    ffi = FFI()
    ffi.cdef(RUST_CDEF)
    lib = ffi.dlopen(parcrop.library_path())
    handle = lib.initialize(2, False)
    assert handle != ffi.NULL
    try:
        c_paths = [ffi.new("char[]", p.encode()) for p in paths]
        c_path_array = ffi.new("char*[]", c_paths)
        out = np.zeros((len(paths), window, window, chans), np.uint8)
        lib.parallel_crop_and_resize(
            handle, c_path_array, ffi.cast("uint8_t*", out.ctypes.data),
            ffi.cast("float*", scale.ctypes.data), ffi.cast("float*", x.ctypes.data),
            ffi.cast("float*", y.ctypes.data), window, chans, max_img_percent, len(paths))
    finally:
        lib.destroy(handle)
    want = parcrop.crop(paths, x, y, scale, window_size=window, channels=chans,
                        max_img_percent=max_img_percent, filter="nearest")
    assert out.any()
    np.testing.assert_array_equal(out, want)


def test_glimpses_of_in_memory_sources(tmp_path, rng):
    images, paths, x, y, scale = _batch(tmp_path, rng, count=6)
    data = [encode(image) for image in images]
    np.testing.assert_array_equal(parcrop.crop(data, x, y, scale), parcrop.crop(paths, x, y, scale))


@pytest.mark.parametrize("filter", ["bilinear", "bicubic", "area", "lanczos3", "lanczos"])
def test_smoothing_filters_run(tmp_path, rng, filter):
    images, paths, x, y, scale = _batch(tmp_path, rng, count=6)
    got = parcrop.crop(paths, x, y, scale, window_size=16, filter=filter)
    assert got.shape == (6, 16, 16, 3) and got.any()
