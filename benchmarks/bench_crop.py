#!/usr/bin/env python3
"""Crop-and-resize benchmark: parcrop against the Rust original and Python peers.

Reproduces the benchmark of parallel_image_crop (its benchmarks/test.py: a batch of
glimpses (scale, x, y) drawn with np.random.rand, window 32, max_img_percent 0.25,
the same flags) and extends it to several workloads and many peers. Every method
gets the same pixel boxes, from the glimpse rule (per image, W x H, float32):
    x_px = (uint32)(x * W), s = min(scale, max_img_percent),
    crop_w = max(2, floor(W * s)), x_px = min(x_px, W - crop_w)     (y alike)
and produces [batch, 32, 32, C] uint8.

Methods (each measured in its own subprocess, so peak RSS is per method):
    pil_threads     Pillow open + crop + resize(BILINEAR), thread pool
    pil_procs       the same in a process pool (skipped with --use-threading)
    pil_draft       Pillow with JPEG draft mode (DCT scaling, keeping >= 2x the
                    window), box scaled to the reduced image, thread pool
    vips_shrink     pyvips, JPEG shrink-on-load (shrink=2/4/8, >= 2x the window),
                    crop + resize(kernel linear), thread pool
    vips_plain      pyvips full decode, crop + resize(kernel linear), thread pool
    cv2_reduced     OpenCV IMREAD_REDUCED_*_2/4/8 for JPEG, crop + INTER_AREA
    cv2_full        OpenCV full decode, crop + INTER_AREA
    dali_cpu        DALI CPU pipeline: fn.decoders.image_slice + fn.resize (linear,
                    antialiased)
    tf_crop_jpeg    tf.io.decode_and_crop_jpeg + tf.image.resize(bilinear,
                    antialias) in tf.data with parallel map (JPEG only)
    rust            the Rust original (--rust-lib) through its exact cffi
                    declaration; nearest (or libvips with --use-vips)
    parcrop_cffi    libparcrop (--parcrop-lib) through the same declaration
    parcrop_c       libparcrop's parcrop_crop_batch, bilinear, default (fast) mode
    parcrop_c_exact the same with PARCROP_DECODE_EXACT
    parcrop_py      the parcrop Python package, crop_boxes(..., filter="bilinear")
    parcrop_py_exact  the same with mode="exact"
    parcrop_py_noindex  parcrop_py without entropy indexes (index_cache_bytes=0): the region
                    path every time, as a dataset read once is cropped; the other parcrop
                    methods index a plain JPEG on its second crop, so their timed batches
                    (after the warm-up) read through indexes

Per method and workload: median and min seconds per batch, crops/s, peak RSS of the
method's process (VmHWM, i.e. its own ru_maxrss; process-pool children separately), ratio of
the median to the best peer's (non-parcrop methods) in the same run, and agreement:
the mean absolute difference to a reference computed from a full-resolution Pillow
decode, img.crop(box).resize((32, 32), BILINEAR). A peer that cannot be imported
or run is reported as "missing" (with the reason), never dropped.

Outputs: a markdown table on stdout and in --out-md, all results in --out-json, a
bar chart (log-scale time per batch, grouped by workload) in --out-png.

Quick default: 5 timed batches after a warm-up, fewer when a method's batches are
slow (--budget 10 s per method; at least 2 trials, 1 when the warm-up batch alone
took over half the budget); about 6 to 8 minutes on 2 cores with every peer, most
of it in the 4000x4000 workloads. For stable numbers raise --budget and
--num-trials.
    python benchmarks/bench_crop.py --rust-lib /tmp/rustref/target/release/libparallel_image_crop.so \
        --parcrop-lib build/libparcrop.so
A smaller run:
    python benchmarks/bench_crop.py --workloads rgb500_jpg,rgb512_png --num-trials 3
"""
import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import traceback

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

WINDOW = 32
MAX_IMG_PERCENT = 0.25

RUST_CDEF = """
void destroy(void*);
void* initialize(uint64_t num_threads, bool use_vips);
void parallel_crop_and_resize(void* handle, char** paths, uint8_t* out, float* scale,
                              float* x, float* y, uint32_t window_size, uint32_t chans,
                              float max_img_percent, size_t n);
"""

# The parts of include/parcrop.h that parcrop_c needs (types as in the header).
PARCROP_CDEF = """
typedef int parcrop_status;
typedef int parcrop_filter;
typedef int parcrop_decode_mode;
typedef struct parcrop_options {
    size_t struct_size; uint32_t num_threads; uint32_t max_width; uint32_t max_height;
    uint64_t max_pixels; uint64_t max_file_size; uint64_t max_decode_memory;
    uint64_t max_item_decoded_pixels; uint32_t max_tiled_image_side; uint64_t index_cache_bytes;
} parcrop_options;
typedef struct parcrop_context parcrop_context;
typedef struct parcrop_source { const char* path; const uint8_t* data; size_t size; } parcrop_source;
typedef struct parcrop_box { float x0, y0, x1, y1; } parcrop_box;
typedef struct parcrop_crop_params {
    size_t struct_size; uint32_t out_height; uint32_t out_width; uint32_t out_channels;
    parcrop_filter filter; parcrop_decode_mode mode; uint32_t flags;
    size_t item_stride; size_t row_stride;
} parcrop_crop_params;
void parcrop_options_init(parcrop_options* options);
parcrop_status parcrop_context_create(const parcrop_options* options, parcrop_context** out_context);
void parcrop_context_destroy(parcrop_context* context);
void parcrop_crop_params_init(parcrop_crop_params* params);
parcrop_status parcrop_crop_batch(parcrop_context* context, const parcrop_source* sources,
                                  const parcrop_box* boxes, size_t count,
                                  const parcrop_crop_params* params, uint8_t* out,
                                  parcrop_status* item_status);
const char* parcrop_strerror(parcrop_status status);
"""
PARCROP_FILTER_BILINEAR = 2
PARCROP_DECODE_DEFAULT = 0
PARCROP_DECODE_EXACT = 1

METHODS = ["pil_threads", "pil_procs", "pil_draft", "vips_shrink", "vips_plain",
           "cv2_reduced", "cv2_full", "dali_cpu", "tf_crop_jpeg", "rust", "parcrop_cffi",
           "parcrop_c", "parcrop_c_exact", "parcrop_py", "parcrop_py_exact", "parcrop_py_noindex"]
PARCROP_METHODS = {m for m in METHODS if m.startswith("parcrop")}


class Missing(Exception):
    """A method that cannot run here (not installed, not applicable)."""


# ============================================================================ boxes
def glimpse_box(W, H, scale, x, y, mip=MAX_IMG_PERCENT):
    """The Rust glimpse rule in float32 -> (x0, y0, x1, y1) integer pixel box."""
    f32 = np.float32
    xp = int(f32(f32(x) * f32(W)))
    yp = int(f32(f32(y) * f32(H)))
    s = min(f32(scale), f32(mip))
    cw = int(max(np.floor(f32(f32(W) * s)), f32(2.0)))
    ch = int(max(np.floor(f32(f32(H) * s)), f32(2.0)))
    cw, ch = min(cw, W), min(ch, H)
    xp = max(0, min(xp, W - cw))
    yp = max(0, min(yp, H - ch))
    return (xp, yp, xp + cw, yp + ch)


def image_info(path):
    from PIL import Image

    with Image.open(path) as im:
        return im.size[0], im.size[1], im.format or "", im.mode


# ============================================================================ helpers
def _to_channels_pil(img, chans):
    mode = "L" if chans == 1 else "RGB"
    return img if img.mode == mode else img.convert(mode)


def _as_hwc(a, chans):
    a = np.asarray(a)
    if a.ndim == 2:
        a = a[..., None]
    if a.shape[2] != chans:
        if chans == 1:  # BT.601 like Pillow's convert("L")
            a = (a[..., :3].astype(np.float32) @ np.array([0.299, 0.587, 0.114], np.float32)
                 + 0.5).astype(np.uint8)[..., None]
        else:
            a = np.repeat(a[..., :1], 3, axis=2) if a.shape[2] == 1 else a[..., :3]
    return a


def _reduced_factor(box, window, max_factor=8, keep=2):
    """Largest power-of-two DCT factor (<= max_factor) that keeps at least
    keep * window pixels of the crop along its shorter side."""
    side = min(box[2] - box[0], box[3] - box[1])
    f = 1
    while f * 2 <= max_factor and side / (f * 2) >= keep * window:
        f *= 2
    return f


def _thread_map(pool, fn, items):
    if pool is None:
        return [fn(it) for it in items]
    return list(pool.map(fn, items))


# ============================================================================ methods
# Each make_<method>(ctx) returns run(paths, boxes, glimpses) -> [N, 32, 32, C] uint8,
# plus an optional close(). ctx has: chans, window, threads, args, formats.
def _pil_crop(item):
    from PIL import Image

    path, box, chans, window = item
    with Image.open(path) as img:
        img = _to_channels_pil(img.crop(box), chans)
        return np.asarray(img.resize((window, window), Image.BILINEAR))


def _pil_draft_crop(item):
    from PIL import Image

    path, box, chans, window = item
    with Image.open(path) as img:
        W, H = img.size
        if img.format == "JPEG":
            cw, ch = box[2] - box[0], box[3] - box[1]
            # draft picks the largest DCT scale whose image is >= the requested size
            req = (max(1, -(-W * 2 * window // cw)), max(1, -(-H * 2 * window // ch)))
            img.draft("L" if chans == 1 else "RGB", req)
        sx, sy = img.size[0] / W, img.size[1] / H
        b = (box[0] * sx, box[1] * sy, box[2] * sx, box[3] * sy)
        img = _to_channels_pil(img, chans)
        return np.asarray(img.resize((window, window), Image.BILINEAR, box=b))


def make_pil(ctx, kind):
    import PIL  # noqa: F401
    from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

    fn = _pil_draft_crop if kind == "draft" else _pil_crop
    if kind == "procs":
        import multiprocessing as mp

        pool = ProcessPoolExecutor(ctx["threads"], mp_context=mp.get_context("fork"))
        # start the workers before timing
        list(pool.map(int, range(ctx["threads"] * 2)))
    else:
        pool = ThreadPoolExecutor(ctx["threads"])

    def run(paths, boxes, glimpses):
        items = [(p, tuple(int(v) for v in b), ctx["chans"], ctx["window"])
                 for p, b in zip(paths, boxes)]
        return np.stack([_as_hwc(a, ctx["chans"]) for a in pool.map(fn, items)])

    return run, pool.shutdown


def make_vips(ctx, shrink):
    try:
        import pyvips
    except Exception as e:  # ImportError, or OSError when libvips is absent
        raise Missing(f"pyvips: {e}")
    from concurrent.futures import ThreadPoolExecutor

    chans, window = ctx["chans"], ctx["window"]
    pool = ThreadPoolExecutor(ctx["threads"])
    if shrink and not any(f == "JPEG" for f in ctx["formats"]):
        raise Missing("shrink-on-load applies to JPEG only (use vips_plain)")

    def one(item):
        path, fmt, box = item
        f = _reduced_factor(box, window) if (shrink and fmt == "JPEG") else 1
        img = pyvips.Image.new_from_file(path, shrink=f) if f > 1 else \
            pyvips.Image.new_from_file(path)
        # box on the reduced image (vips' shrink rounds the size down)
        x0, y0 = box[0] // f, box[1] // f
        x1 = min(img.width, max(x0 + 1, -(-box[2] // f)))
        y1 = min(img.height, max(y0 + 1, -(-box[3] // f)))
        c = img.crop(x0, y0, x1 - x0, y1 - y0)
        r = c.resize(window / c.width, vscale=window / c.height, kernel="linear")
        if r.width != window or r.height != window:  # rounding guard
            r = r.gravity("centre", window, window, extend="copy") if \
                (r.width < window or r.height < window) else r.crop(0, 0, window, window)
        if r.bands != chans:
            r = r.colourspace("b-w") if chans == 1 else r.colourspace("srgb")
            if r.bands > chans:
                r = r.extract_band(0, n=chans)
        a = np.ndarray(buffer=r.write_to_memory(), dtype=np.uint8,
                       shape=(r.height, r.width, r.bands))
        return _as_hwc(a, chans)

    def run(paths, boxes, glimpses):
        items = [(p, ctx["fmt_of"][p], tuple(int(v) for v in b)) for p, b in zip(paths, boxes)]
        return np.stack(_thread_map(pool, one, items))

    return run, pool.shutdown


def make_cv2(ctx, reduced):
    try:
        import cv2
    except Exception as e:
        raise Missing(f"cv2: {e}")
    from concurrent.futures import ThreadPoolExecutor

    cv2.setNumThreads(1)  # parallelism comes from the thread pool (imread drops the GIL)
    chans, window = ctx["chans"], ctx["window"]
    if reduced and not any(f == "JPEG" for f in ctx["formats"]):
        raise Missing("IMREAD_REDUCED_* only saves work for JPEG (use cv2_full)")
    flags = {
        (1, 1): cv2.IMREAD_GRAYSCALE, (1, 2): cv2.IMREAD_REDUCED_GRAYSCALE_2,
        (1, 4): cv2.IMREAD_REDUCED_GRAYSCALE_4, (1, 8): cv2.IMREAD_REDUCED_GRAYSCALE_8,
        (3, 1): cv2.IMREAD_COLOR, (3, 2): cv2.IMREAD_REDUCED_COLOR_2,
        (3, 4): cv2.IMREAD_REDUCED_COLOR_4, (3, 8): cv2.IMREAD_REDUCED_COLOR_8,
    }
    pool = ThreadPoolExecutor(ctx["threads"])

    def one(item):
        path, fmt, box = item
        f = _reduced_factor(box, window) if (reduced and fmt == "JPEG") else 1
        img = cv2.imread(path, flags[(1 if chans == 1 else 3, f)])
        if img is None:
            raise RuntimeError(f"cv2.imread failed on {path}")
        x0, y0 = box[0] // f, box[1] // f
        x1 = min(img.shape[1], max(x0 + 1, -(-box[2] // f)))
        y1 = min(img.shape[0], max(y0 + 1, -(-box[3] // f)))
        crop = img[y0:y1, x0:x1]
        interp = cv2.INTER_AREA if min(crop.shape[:2]) >= window else cv2.INTER_LINEAR
        out = cv2.resize(crop, (window, window), interpolation=interp)
        if chans == 3:
            out = cv2.cvtColor(out, cv2.COLOR_BGR2RGB)
        return _as_hwc(out, chans)

    def run(paths, boxes, glimpses):
        items = [(p, ctx["fmt_of"][p], tuple(int(v) for v in b)) for p, b in zip(paths, boxes)]
        return np.stack(_thread_map(pool, one, items))

    return run, pool.shutdown


def make_dali(ctx):
    try:
        from nvidia.dali import fn, pipeline_def, types
    except Exception as e:
        raise Missing(f"nvidia.dali: {e}")
    chans, window, n = ctx["chans"], ctx["window"], ctx["batch"]

    @pipeline_def(batch_size=n, num_threads=ctx["threads"], device_id=None,
                  exec_async=False, exec_pipelined=False, prefetch_queue_depth=1)
    def pipe():
        enc = fn.external_source(name="enc", dtype=types.UINT8)
        anchor = fn.external_source(name="anchor", dtype=types.FLOAT)
        shape = fn.external_source(name="shape", dtype=types.FLOAT)
        img = fn.decoders.image_slice(enc, anchor, shape, device="cpu",
                                      output_type=types.GRAY if chans == 1 else types.RGB,
                                      axis_names="WH", normalized_anchor=False,
                                      normalized_shape=False)
        return fn.resize(img, resize_x=window, resize_y=window,
                         interp_type=types.INTERP_LINEAR, antialias=True)

    p = pipe()
    p.build()

    def run(paths, boxes, glimpses):
        enc = [np.fromfile(path, dtype=np.uint8) for path in paths]  # file I/O is timed
        anchors = [np.array([b[0], b[1]], np.float32) for b in boxes]
        shapes = [np.array([b[2] - b[0], b[3] - b[1]], np.float32) for b in boxes]
        p.feed_input("enc", enc)
        p.feed_input("anchor", anchors)
        p.feed_input("shape", shapes)
        (out,) = p.run()
        return np.stack([_as_hwc(out.at(i), chans) for i in range(len(paths))])

    return run, None


def make_tf(ctx):
    if not all(f == "JPEG" for f in ctx["formats"]):
        raise Missing("decode_and_crop_jpeg is JPEG only")
    try:
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
        import tensorflow as tf
    except Exception as e:
        raise Missing(f"tensorflow: {e}")
    tf.config.threading.set_inter_op_parallelism_threads(ctx["threads"])
    tf.config.threading.set_intra_op_parallelism_threads(ctx["threads"])
    chans, window = ctx["chans"], ctx["window"]

    def load(path, win):
        data = tf.io.read_file(path)
        img = tf.io.decode_and_crop_jpeg(data, win, channels=chans)
        img = tf.image.resize(img, [window, window], method="bilinear", antialias=True)
        return tf.cast(tf.clip_by_value(tf.round(img), 0, 255), tf.uint8)

    def run(paths, boxes, glimpses):
        wins = np.array([[b[1], b[0], b[3] - b[1], b[2] - b[0]] for b in boxes], np.int32)
        ds = tf.data.Dataset.from_tensor_slices((list(paths), wins))
        ds = ds.map(load, num_parallel_calls=ctx["threads"], deterministic=True)
        ds = ds.batch(len(paths))
        return next(iter(ds)).numpy()

    return run, None


def _open_rust_abi(path, use_vips, threads):
    from cffi import FFI

    ffi = FFI()
    ffi.cdef(RUST_CDEF)
    lib = ffi.dlopen(path)
    handle = lib.initialize(threads, use_vips)
    if handle == ffi.NULL:
        raise RuntimeError("initialize returned NULL")
    return ffi, lib, handle


def make_rust_abi(ctx, lib_path, label):
    if not lib_path:
        raise Missing(f"no library given (--{label}-lib)")
    if not os.path.exists(lib_path):
        raise Missing(f"{lib_path} does not exist")
    ffi, lib, handle = _open_rust_abi(lib_path, ctx["args"].use_vips, ctx["args"].num_threads)
    chans, window = ctx["chans"], ctx["window"]

    def run(paths, boxes, glimpses):
        keep = [ffi.new("char[]", os.fsencode(p)) for p in paths]
        cpaths = ffi.new("char*[]", keep)
        n = len(paths)
        out = np.zeros((n, window, window, chans), np.uint8)
        s = np.ascontiguousarray(glimpses[:, 0], np.float32)
        x = np.ascontiguousarray(glimpses[:, 1], np.float32)
        y = np.ascontiguousarray(glimpses[:, 2], np.float32)
        lib.parallel_crop_and_resize(handle, cpaths, ffi.cast("uint8_t*", out.ctypes.data),
                                     ffi.cast("float*", s.ctypes.data),
                                     ffi.cast("float*", x.ctypes.data),
                                     ffi.cast("float*", y.ctypes.data),
                                     window, chans, MAX_IMG_PERCENT, n)
        return out

    return run, lambda: lib.destroy(handle)


def make_parcrop_c(ctx, exact):
    lib_path = ctx["args"].parcrop_lib
    if not lib_path:
        raise Missing("no library given (--parcrop-lib)")
    if not os.path.exists(lib_path):
        raise Missing(f"{lib_path} does not exist")
    from cffi import FFI

    ffi = FFI()
    ffi.cdef(PARCROP_CDEF)
    try:
        lib = ffi.dlopen(lib_path)
        lib.parcrop_crop_batch  # noqa: B018 -- resolve the symbol now
    except (OSError, AttributeError) as e:
        raise Missing(f"libparcrop C API not loadable: {e}")
    opts = ffi.new("parcrop_options*")
    lib.parcrop_options_init(opts)
    opts.num_threads = ctx["args"].num_threads
    pctx = ffi.new("parcrop_context**")
    st = lib.parcrop_context_create(opts, pctx)
    if st != 0:
        raise RuntimeError(f"parcrop_context_create: {st}")
    context = pctx[0]
    params = ffi.new("parcrop_crop_params*")
    lib.parcrop_crop_params_init(params)
    chans, window = ctx["chans"], ctx["window"]
    params.out_height = params.out_width = window
    params.out_channels = chans
    params.filter = PARCROP_FILTER_BILINEAR
    params.mode = PARCROP_DECODE_EXACT if exact else PARCROP_DECODE_DEFAULT

    def run(paths, boxes, glimpses):
        n = len(paths)
        keep = [ffi.new("char[]", os.fsencode(p)) for p in paths]
        srcs = ffi.new("parcrop_source[]", n)
        for i, k in enumerate(keep):
            srcs[i].path = k
        bx = np.ascontiguousarray(boxes, np.float32)
        out = np.zeros((n, window, window, chans), np.uint8)
        status = np.zeros(n, np.int32)
        st = lib.parcrop_crop_batch(context, srcs, ffi.cast("parcrop_box*", bx.ctypes.data), n,
                                    params, ffi.cast("uint8_t*", out.ctypes.data),
                                    ffi.cast("parcrop_status*", status.ctypes.data))
        if st != 0:
            bad = {int(s) for s in status if s}
            raise RuntimeError(f"parcrop_crop_batch returned {st}; item statuses {sorted(bad)}")
        return out

    return run, lambda: lib.parcrop_context_destroy(context)


def make_parcrop_py(ctx, exact, indexes=True):
    args = ctx["args"]
    if args.parcrop_lib and os.path.exists(args.parcrop_lib):
        os.environ.setdefault("PARCROP_LIBRARY", os.path.abspath(args.parcrop_lib))
    try:
        import parcrop
    except Exception as first:
        extra = args.parcrop_python_path
        if extra and os.path.isdir(extra) and extra not in sys.path:
            sys.path.insert(0, extra)
            try:
                import parcrop
            except Exception as e:
                raise Missing(f"import parcrop failed: {type(e).__name__}: {e}")
        else:
            raise Missing(f"import parcrop failed: {type(first).__name__}: {first}")
    if not hasattr(parcrop, "crop_boxes"):
        raise Missing("parcrop has no crop_boxes")
    import inspect

    chans, window = ctx["chans"], ctx["window"]
    kwargs = {"channels": chans, "filter": "bilinear"}
    fn = parcrop.crop_boxes
    if hasattr(parcrop, "Cropper"):  # a reusable context, as a training loop would
        try:
            cropper = parcrop.Cropper(num_threads=args.num_threads,
                                      **({} if indexes else {"index_cache_bytes": 0}))
            fn = cropper.crop_boxes
        except Exception:
            cropper = None
    else:
        cropper = None
    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        params = {}
    if exact:
        if "mode" not in params:
            raise Missing("crop_boxes exposes no mode= (exact decode)")
        kwargs["mode"] = "exact"
    if cropper is None and "num_threads" in params:
        kwargs["num_threads"] = args.num_threads

    def run(paths, boxes, glimpses):
        res = fn(list(paths), np.asarray(boxes, np.float32), window, **kwargs)
        if isinstance(res, tuple):
            res = res[0]
        return np.asarray(res).reshape(len(paths), window, window, chans)

    close = getattr(cropper, "close", None)
    return run, close


def make_method(name, ctx):
    a = ctx["args"]
    if name == "pil_threads":
        return make_pil(ctx, "threads")
    if name == "pil_procs":
        if a.use_threading:
            raise Missing("skipped by --use-threading")
        return make_pil(ctx, "procs")
    if name == "pil_draft":
        if not any(f == "JPEG" for f in ctx["formats"]):
            raise Missing("draft mode applies to JPEG only")
        return make_pil(ctx, "draft")
    if name == "vips_shrink":
        return make_vips(ctx, True)
    if name == "vips_plain":
        return make_vips(ctx, False)
    if name == "cv2_reduced":
        return make_cv2(ctx, True)
    if name == "cv2_full":
        return make_cv2(ctx, False)
    if name == "dali_cpu":
        return make_dali(ctx)
    if name == "tf_crop_jpeg":
        return make_tf(ctx)
    if name == "rust":
        return make_rust_abi(ctx, a.rust_lib, "rust")
    if name == "parcrop_cffi":
        return make_rust_abi(ctx, a.parcrop_lib, "parcrop")
    if name == "parcrop_c":
        return make_parcrop_c(ctx, False)
    if name == "parcrop_c_exact":
        return make_parcrop_c(ctx, True)
    if name == "parcrop_py":
        return make_parcrop_py(ctx, False)
    if name == "parcrop_py_exact":
        return make_parcrop_py(ctx, True)
    if name == "parcrop_py_noindex":
        return make_parcrop_py(ctx, False, indexes=False)
    raise Missing(f"unknown method {name}")


# ============================================================================ worker
def _rss_mb(who=resource.RUSAGE_SELF):
    """Peak resident set size in MiB. For this process, VmHWM of /proc/self/status
    where it exists: Linux carries ru_maxrss across execve, so a worker's ru_maxrss
    would include the parent's footprint at the fork; VmHWM belongs to the address
    space of the worker's own program. ru_maxrss elsewhere and for the children."""
    if who == resource.RUSAGE_SELF:
        try:
            with open("/proc/self/status") as f:
                for line in f:
                    if line.startswith("VmHWM:"):
                        return int(line.split()[1]) / 1024.0
        except OSError:
            pass
    return resource.getrusage(who).ru_maxrss / 1024.0  # KiB on Linux


def worker(spec_path):
    with open(spec_path) as f:
        spec = json.load(f)
    result = {"method": spec["method"], "workload": spec["workload"]}
    try:
        args = argparse.Namespace(**spec["args"])
        paths = spec["paths"]
        boxes = np.array(spec["boxes"], np.int64)
        glimpses = np.array(spec["glimpses"], np.float32)
        ctx = {"args": args, "chans": spec["chans"], "window": WINDOW,
               "threads": max(1, args.num_threads or os.cpu_count() or 1),
               "batch": len(paths), "fmt_of": dict(zip(paths, spec["formats"])),
               "formats": sorted(set(spec["formats"]))}
        rss0 = _rss_mb()
        t0 = time.perf_counter()
        try:
            run, close = make_method(spec["method"], ctx)
        except Missing as e:
            result.update(status="missing", reason=str(e))
            return result
        result["setup_s"] = time.perf_counter() - t0
        result["rss_after_setup_mb"] = _rss_mb()
        result["rss_before_setup_mb"] = rss0
        t = time.perf_counter()
        out = run(paths, boxes, glimpses)  # warm-up (not in the statistics)
        result["warmup_s"] = time.perf_counter() - t
        # Slow batches (warm-up over half the budget) get a single timed trial.
        min_trials = 1 if result["warmup_s"] > spec["budget_s"] / 2 else spec["min_trials"]
        times = []
        t_start = time.perf_counter()
        for i in range(spec["num_trials"]):
            t = time.perf_counter()
            out = run(paths, boxes, glimpses)
            times.append(time.perf_counter() - t)
            if (time.perf_counter() - t_start > spec["budget_s"] and i + 1 >= min_trials):
                break
        if close:
            close()
        out = np.asarray(out)
        expect = (len(paths), WINDOW, WINDOW, spec["chans"])
        if out.shape != expect or out.dtype != np.uint8:
            raise RuntimeError(f"output {out.shape} {out.dtype}, expected {expect} uint8")
        np.save(spec["out_npy"], out)
        result.update(status="ok", times=times, trials=len(times),
                      median_s=statistics.median(times), min_s=min(times),
                      peak_rss_mb=_rss_mb(),
                      children_peak_rss_mb=_rss_mb(resource.RUSAGE_CHILDREN))
    except Exception as e:
        result.update(status="error", reason=f"{type(e).__name__}: {e}",
                      traceback=traceback.format_exc()[-2000:])
    return result


def worker_main(spec_path, result_path):
    res = worker(spec_path)
    with open(result_path, "w") as f:
        json.dump(res, f)
    sys.stdout.flush()
    os._exit(0)  # skip interpreter teardown (some peers' threads make it slow)


# ============================================================================ parent
def reference_crops(paths, boxes, chans):
    from PIL import Image

    out = []
    for p, b in zip(paths, boxes):
        with Image.open(p) as img:
            img = _to_channels_pil(img, chans)
            out.append(_as_hwc(img.crop(tuple(int(v) for v in b)).resize(
                (WINDOW, WINDOW), Image.BILINEAR), chans))
    return np.stack(out)


def discover_workloads(args):
    """[(name, paths, chans)]"""
    exts = (".jpg", ".jpeg", ".png", ".bmp", ".gif", ".tif", ".tiff", ".webp", ".ppm", ".pgm")
    if args.images:
        dirs = sorted(d for d in os.listdir(args.images)
                      if os.path.isdir(os.path.join(args.images, d)))
        groups = []
        for d in [None] + dirs:
            root = args.images if d is None else os.path.join(args.images, d)
            files = sorted(os.path.join(root, f) for f in os.listdir(root)
                           if f.lower().endswith(exts))
            if files:
                groups.append((d or os.path.basename(os.path.normpath(root)), files))
        if args.workloads:
            keep = set(args.workloads.split(","))
            groups = [g for g in groups if g[0] in keep]
        res = []
        for name, files in groups:
            chans = 1 if args.use_grayscale else (1 if image_info(files[0])[3] == "L" else 3)
            res.append((name, files, chans))
        return res
    import make_images

    names = args.workloads.split(",") if args.workloads else list(make_images.WORKLOADS)
    if args.use_grayscale and not args.workloads:
        names = [n for n in names if make_images.WORKLOADS[n][2] == 1]
    bad = [n for n in names if n not in make_images.WORKLOADS]
    if bad:
        sys.exit(f"unknown workloads {bad}; known: {list(make_images.WORKLOADS)}")
    made = make_images.write_workloads(args.image_dir, names, args.batch_size, seed=0,
                                       log=lambda m: print(m, file=sys.stderr))
    return [(n, made[n], make_images.WORKLOADS[n][2]) for n in names]


def run_one(method, wl_name, paths, chans, boxes, glimpses, formats, args, workdir):
    tag = f"{wl_name}__{method}"
    spec = {"method": method, "workload": wl_name, "paths": paths, "chans": chans,
            "boxes": boxes.tolist(), "glimpses": glimpses.tolist(), "formats": formats,
            "num_trials": args.num_trials, "min_trials": min(args.num_trials, 2),
            "budget_s": args.budget, "args": vars(args),
            "out_npy": os.path.join(workdir, tag + ".npy")}
    spec_path = os.path.join(workdir, tag + ".json")
    res_path = os.path.join(workdir, tag + ".result.json")
    with open(spec_path, "w") as f:
        json.dump(spec, f)
    for p in (res_path, spec["out_npy"]):
        if os.path.exists(p):
            os.remove(p)
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2", PYTHONWARNINGS="ignore")
    t = time.perf_counter()
    try:
        proc = subprocess.run([sys.executable, os.path.abspath(__file__), "--worker", spec_path,
                               res_path], capture_output=True, text=True, env=env,
                              timeout=args.timeout)
        rc, err = proc.returncode, proc.stderr
    except subprocess.TimeoutExpired:
        rc, err = "timeout", f"no result after {args.timeout}s"
    wall = time.perf_counter() - t
    if os.path.exists(res_path):
        with open(res_path) as f:
            res = json.load(f)
    else:
        lines = [ln for ln in (err or "").strip().splitlines() if ln.strip()]
        res = {"method": method, "workload": wl_name, "status": "error",
               "reason": f"worker exit {rc}: " + (lines[-1] if lines else "no output")[-300:]}
    res["wall_s"] = wall
    return res, spec["out_npy"]


def fmt_num(v, digits=3):
    if v is None:
        return "-"
    if v >= 100:
        return f"{v:.0f}"
    if v >= 10:
        return f"{v:.1f}"
    return f"{v:.{digits}g}"


def markdown(results, meta):
    lines = [f"# parcrop crop benchmark", "",
             f"batch {meta['batch_size']}, window {WINDOW}, max_img_percent {MAX_IMG_PERCENT}, "
             f"threads {meta['threads']}, trials {meta['num_trials']} (+1 warm-up), "
             f"seed {meta['seed']}, use_vips {meta['use_vips']}, {meta['cpu_count']} cores, "
             f"{meta['date']}", "",
             "Agreement: mean |crop - reference| in 8-bit levels; reference = full-resolution "
             "Pillow decode, crop, resize(32x32, BILINEAR). Ratio = median / best non-parcrop "
             "median of the workload.", ""]
    by_wl = {}
    for r in results:
        by_wl.setdefault(r["workload"], []).append(r)
    for wl, rows in by_wl.items():
        info = meta["workloads"][wl]
        lines += [f"## {wl} ({info['size']}, {info['format']}, C={info['chans']}, "
                  f"{info['files']} distinct files)", "",
                  "| method | median s/batch | min s/batch | crops/s | ratio | peak RSS MB "
                  "| agreement (MAD) | trials | note |",
                  "|---|---:|---:|---:|---:|---:|---:|---:|---|"]
        for r in rows:
            if r["status"] == "ok":
                rss = fmt_num(r["peak_rss_mb"], 4)
                if r["method"] == "pil_procs" and r.get("children_peak_rss_mb", 0) > 1:
                    rss += f" (+{fmt_num(r['children_peak_rss_mb'], 4)} per child)"
                lines.append("| {} | {} | {} | {} | {} | {} | {} | {} | {} |".format(
                    r["method"], fmt_num(r["median_s"]), fmt_num(r["min_s"]),
                    fmt_num(r["crops_per_s"]), fmt_num(r.get("ratio")), rss,
                    fmt_num(r.get("mad")), r["trials"], r.get("note", "")))
            else:
                lines.append(f"| {r['method']} | {r['status']} | | | | | | | "
                             f"{r.get('reason', '')[:160].replace('|', '/')} |")
        lines.append("")
    return "\n".join(lines)


def plot(results, path):
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except Exception as e:
        print(f"no plot: matplotlib missing ({e})", file=sys.stderr)
        return
    ok = [r for r in results if r["status"] == "ok"]
    if not ok:
        return
    wls = list(dict.fromkeys(r["workload"] for r in ok))
    methods = [m for m in METHODS if any(r["method"] == m for r in ok)]
    cmap = plt.get_cmap("tab20")
    fig, ax = plt.subplots(figsize=(max(8, 1.6 * len(wls) * max(1, len(methods)) / 6), 5.5))
    width = 0.8 / max(1, len(methods))
    for j, m in enumerate(methods):
        xs, ys = [], []
        for i, wl in enumerate(wls):
            r = next((r for r in ok if r["workload"] == wl and r["method"] == m), None)
            if r:
                xs.append(i - 0.4 + width * (j + 0.5))
                ys.append(r["median_s"])
        ax.bar(xs, ys, width, label=m, color=cmap(j % 20),
               edgecolor="black" if m in PARCROP_METHODS else None,
               hatch="//" if m in PARCROP_METHODS else None)
    ax.set_yscale("log")
    ax.set_xticks(range(len(wls)))
    ax.set_xticklabels(wls, rotation=15)
    ax.set_ylabel("median seconds per batch (log)")
    ax.set_title("crop + resize to 32x32, batch of %d" % ok[0].get("batch", 32))
    ax.legend(fontsize=7, ncol=2, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    ax.grid(axis="y", which="both", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        worker_main(sys.argv[2], sys.argv[3])
        return 0
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--batch-size", type=int, default=32, help="crops per batch (default 32)")
    ap.add_argument("--num-trials", type=int, default=5, help="timed batches (default 5)")
    ap.add_argument("--num-threads", type=int, default=0, help="threads, 0 = all cores")
    ap.add_argument("--use-grayscale", action="store_true",
                    help="only the grayscale workloads (with --images: crop to 1 channel)")
    ap.add_argument("--use-threading", action="store_true",
                    help="Pillow with threads only (skip the process pool)")
    ap.add_argument("--use-vips", action="store_true",
                    help="use_vips=true for the Rust-ABI methods (rust, parcrop_cffi)")
    ap.add_argument("--workloads", default="",
                    help="comma-separated workloads of make_images.py (default: all)")
    ap.add_argument("--images", help="benchmark the images in DIR (each subfolder a workload)")
    ap.add_argument("--image-dir", default="/tmp/parcrop_bench_images",
                    help="where generated images are cached")
    ap.add_argument("--methods", default=",".join(METHODS), help="comma-separated methods")
    ap.add_argument("--rust-lib", help="libparallel_image_crop.so of the Rust original")
    ap.add_argument("--parcrop-lib", help="libparcrop.so")
    ap.add_argument("--parcrop-python-path",
                    default=os.path.join(os.path.dirname(HERE), "bindings", "python"),
                    help="added to sys.path when `import parcrop` fails")
    ap.add_argument("--seed", type=int, default=0, help="seed of the glimpses")
    ap.add_argument("--budget", type=float, default=10.0,
                    help="stop timing a method after this many seconds: at least 2 trials, "
                         "or 1 when the warm-up batch took over half the budget (default 10)")
    ap.add_argument("--timeout", type=float, default=600.0, help="per method and workload")
    ap.add_argument("--out-md", default="bench_results.md")
    ap.add_argument("--out-json", default="bench_results.json")
    ap.add_argument("--out-png", default="bench_results.png")
    args = ap.parse_args()
    for k in ("rust_lib", "parcrop_lib"):
        if getattr(args, k):
            setattr(args, k, os.path.abspath(getattr(args, k)))

    workloads = discover_workloads(args)
    methods = [m for m in args.methods.split(",") if m]
    unknown = [m for m in methods if m not in METHODS]
    if unknown:
        ap.error(f"unknown methods {unknown}; known: {METHODS}")
    workdir = tempfile.mkdtemp(prefix="parcrop_bench_")
    rng = np.random.RandomState(args.seed)
    threads = args.num_threads or os.cpu_count()
    meta = {"batch_size": args.batch_size, "num_trials": args.num_trials, "threads": threads,
            "seed": args.seed, "use_vips": args.use_vips, "cpu_count": os.cpu_count(),
            "date": time.strftime("%Y-%m-%d %H:%M"), "python": sys.version.split()[0],
            "rust_lib": args.rust_lib, "parcrop_lib": args.parcrop_lib, "workloads": {},
            "versions": peer_versions()}
    results = []
    for wl_name, files, chans in workloads:
        paths = [files[i % len(files)] for i in range(args.batch_size)]
        # glimpses as in the Rust project's test.py: np.random.rand, float32
        scale = rng.rand(len(paths)).astype(np.float32)
        x = rng.rand(len(paths)).astype(np.float32)
        y = rng.rand(len(paths)).astype(np.float32)
        glimpses = np.stack([scale, x, y], 1)
        infos = [image_info(p) for p in paths]
        boxes = np.array([glimpse_box(W, H, s, xx, yy) for (W, H, _, _), (s, xx, yy)
                          in zip(infos, glimpses)], np.int64)
        formats = [i[2] for i in infos]
        sizes = sorted({f"{i[0]}x{i[1]}" for i in infos})
        meta["workloads"][wl_name] = {"size": ",".join(sizes[:3]), "chans": chans,
                                      "format": ",".join(sorted(set(formats))),
                                      "files": len(set(paths))}
        print(f"[{wl_name}] reference crops ...", file=sys.stderr)
        ref = reference_crops(paths, boxes, chans)
        rows = []
        for m in methods:
            res, npy = run_one(m, wl_name, paths, chans, boxes, glimpses, formats, args, workdir)
            res["batch"] = len(paths)
            if res["status"] == "ok":
                crops = np.load(npy)
                res["mad"] = float(np.abs(crops.astype(np.int16) - ref.astype(np.int16)).mean())
                res["crops_per_s"] = len(paths) / res["median_s"]
                notes = []
                if m in ("rust", "parcrop_cffi"):
                    notes.append("libvips lanczos3" if args.use_vips else "nearest")
                if m == "rust":
                    notes.append("rayon global pool (ignores num_threads)")
                res["note"] = "; ".join(notes)
            print(f"[{wl_name}] {m}: {res['status']}"
                  + (f" median {res['median_s']:.4f}s MAD {res['mad']:.2f}"
                     if res["status"] == "ok" else f" ({res.get('reason', '')[:200]})"),
                  file=sys.stderr)
            rows.append(res)
        peers = [r["median_s"] for r in rows if r["status"] == "ok"
                 and r["method"] not in PARCROP_METHODS]
        best = min(peers) if peers else None
        for r in rows:
            if r["status"] == "ok" and best:
                r["ratio"] = r["median_s"] / best
        results += rows
    md = markdown(results, meta)
    print(md)
    for path, text in ((args.out_md, md),
                       (args.out_json, json.dumps({"meta": meta, "results": results}, indent=1))):
        if path:
            with open(path, "w") as f:
                f.write(text + "\n")
    if args.out_png:
        plot(results, args.out_png)
    return 0


def peer_versions():
    """Installed versions, read from package metadata (no imports)."""
    from importlib import metadata

    out = {}
    for name in ("numpy", "pillow", "pillow-simd", "pyvips", "opencv-python-headless",
                 "opencv-python", "nvidia-dali-cuda120", "tensorflow-cpu", "tensorflow",
                 "cffi", "parcrop"):
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            pass
    return out


if __name__ == "__main__":
    sys.exit(main())
