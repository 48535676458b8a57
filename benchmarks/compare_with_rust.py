#!/usr/bin/env python3
"""Byte-for-byte comparison of parallel_crop_and_resize between the Rust original
(parallel_image_crop) and parcrop, with use_vips false (nearest neighbour on
full-resolution pixels), on lossless images.

Both libraries are called through the Rust project's exact cffi declaration, each in
its own subprocess (so a crash -- the Rust original aborts the process on a panic --
is reported instead of taking the comparison down, and the two libraries' identical
symbol names never meet in one process).

A third implementation is built in: numpy applying the stated nearest rule to a
full Pillow decode (--numpy, on by default):
    glimpse:  x_px = (uint32)(x * W), s = min(scale, max_img_percent),
              crop_w = max(2, floor(W * s)), x_px = min(x_px, W - crop_w)  (y alike)
    nearest:  output row o takes crop row floor((o + 0.5) * (crop_h / window)) with
              everything in float32 (columns alike), clamped to crop_h - 1.

Usage:
    compare_with_rust.py --rust-lib /tmp/rustref/target/release/libparallel_image_crop.so \
        [--parcrop-lib build/libparcrop.so] [--no-numpy] [--workdir DIR] [--seed N]

Pairs compared: rust vs parcrop (when --parcrop-lib is given), rust vs numpy, and
parcrop vs numpy. With only --rust-lib the Rust library is also compared with a
second run of itself (determinism). Exit status 1 on any difference or failure.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

CDEF = """
void destroy(void*);
void* initialize(uint64_t num_threads, bool use_vips);
void parallel_crop_and_resize(void* handle, char** paths, uint8_t* out, float* scale,
                              float* x, float* y, uint32_t window_size, uint32_t chans,
                              float max_img_percent, size_t n);
"""

MAX_IMG_PERCENT = np.float32(0.25)


# ----------------------------------------------------------------------------- images
def _image_array(rng, h, w, c):
    """Lossless test content: noise (so any off-by-one index shows) over gradients and
    a few hard edges (so structure is visible when looking at a failure)."""
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    base = (xx * 255.0 / max(w - 1, 1) * 0.5 + yy * 255.0 / max(h - 1, 1) * 0.5)
    base = np.repeat(base[..., None], c, axis=2)
    base += rng.normal(0, 40, size=(h, w, c)).astype(np.float32)
    if h > 8 and w > 8:
        y0, x0 = h // 4, w // 3
        base[y0:y0 + h // 3, x0:x0 + w // 4] = 255 - base[y0:y0 + h // 3, x0:x0 + w // 4]
    return np.clip(base, 0, 255).astype(np.uint8)


# (group, mode, chans, sizes as (w, h))
SIZES_COMMON = [(2, 2), (3, 5), (5, 3), (2, 7), (7, 2), (8, 8), (31, 17), (33, 65),
                (64, 64), (127, 255), (500, 375), (513, 511), (1023, 767)]
SIZES_LARGE = [(2560, 1600), (4000, 3000)]


def make_images(workdir, seed, large=True):
    from PIL import Image

    rng = np.random.default_rng(seed)
    groups = {}
    sizes = SIZES_COMMON + (SIZES_LARGE if large else [])
    specs = [("gray", "L", 1), ("rgb", "RGB", 3)]
    for group, mode, c in specs:
        items = []
        for (w, h) in sizes:
            arr = _image_array(rng, h, w, c)
            img = Image.fromarray(arr[..., 0] if c == 1 else arr, mode)
            path = os.path.join(workdir, f"{group}_{w}x{h}.png")
            img.save(path, compress_level=1)
            items.append(path)
        groups[group] = {"chans": c, "paths": items}
    # Extra lossless variants, each its own group so a failure stays contained.
    extras = []
    for (w, h) in [(3, 5), (64, 48), (501, 333)]:
        arr = _image_array(rng, h, w, 4)
        p = os.path.join(workdir, f"rgba_{w}x{h}.png")
        Image.fromarray(arr, "RGBA").save(p)
        extras.append(p)
    groups["rgba"] = {"chans": 4, "paths": extras}
    pal = []
    for (w, h) in [(5, 3), (97, 61), (640, 480)]:
        arr = _image_array(rng, h, w, 3)
        p = os.path.join(workdir, f"palette_{w}x{h}.png")
        Image.fromarray(arr, "RGB").quantize(colors=200, dither=Image.Dither.NONE).save(p)
        pal.append(p)
    groups["palette"] = {"chans": 3, "paths": pal}
    return groups


def make_glimpses(rng, n_random):
    """Edge glimpses (x, y in {0, 1}, scales at and above max_img_percent, tiny ones)
    followed by random ones."""
    g = []
    for x in (0.0, 1.0, 0.5):
        for y in (0.0, 1.0, 0.5):
            for s in (0.25, 1.0, 0.0001):
                g.append((s, x, y))
    g += [(0.1, 0.0, 1.0), (0.3, 1.0, 0.0), (0.2499, 0.9999, 0.0001), (2.0, 0.75, 0.25),
          (0.05, 0.123, 0.987), (0.17, 1.0, 1.0),
          # round decimals whose float32 products differ from the float64 ones
          # (e.g. 0.01f * 500 = 5.0 in float32, 4.99999989 in float64)
          (0.01, 0.01, 0.02), (0.02, 0.3, 0.7), (0.15, 0.1, 0.9), (0.07, 0.7, 0.15),
          (0.01, 0.02, 0.01), (0.2, 0.6, 0.3)]
    s = rng.uniform(0.0, 0.5, n_random)
    x = rng.uniform(0.0, 1.0, n_random)
    y = rng.uniform(0.0, 1.0, n_random)
    g += list(zip(s.tolist(), x.tolist(), y.tolist()))
    return np.array(g, dtype=np.float32)  # columns: scale, x, y


# ----------------------------------------------------------------------------- numpy
def glimpse_box(W, H, scale, x, y, mip=MAX_IMG_PERCENT):
    """The Rust glimpse rule, in float32. Returns (x_px, y_px, crop_w, crop_h)."""
    f32 = np.float32
    Wf, Hf = f32(W), f32(H)
    xp = int(f32(f32(x) * Wf))  # `as u32` truncates toward zero
    yp = int(f32(f32(y) * Hf))
    s = min(f32(scale), f32(mip))
    cw = int(max(f32(np.floor(f32(Wf * s))), f32(2.0)))
    ch = int(max(f32(np.floor(f32(Hf * s))), f32(2.0)))
    xp = min(xp, W - cw)
    yp = min(yp, H - ch)
    return xp, yp, cw, ch


def nearest_index(crop_len, window):
    ratio = np.float32(crop_len) / np.float32(window)
    o = np.arange(window, dtype=np.float32)
    pos = (o + np.float32(0.5)) * np.float32(ratio)
    idx = np.floor(pos).astype(np.int64)
    clamped = np.clip(idx, 0, crop_len - 1)
    return clamped, bool((clamped != idx).any())


def numpy_crop(arr, scale, x, y, window):
    H, W = arr.shape[:2]
    xp, yp, cw, ch = glimpse_box(W, H, scale, x, y)
    rows, rc = nearest_index(ch, window)
    cols, cc = nearest_index(cw, window)
    crop = arr[yp:yp + ch, xp:xp + cw]
    return crop[rows][:, cols], (rc or cc)


def load_for_numpy(path, chans):
    from PIL import Image

    with Image.open(path) as im:
        mode = {1: "L", 3: "RGB", 4: "RGBA"}[chans]
        if im.mode == "P":
            im = im.convert("RGBA" if chans == 4 else "RGB")
        if im.mode != mode:
            raise ValueError(f"{path}: mode {im.mode}, expected {mode}")
        a = np.asarray(im)
    return a[..., None] if a.ndim == 2 else a


# ----------------------------------------------------------------------------- worker
def worker_main(argv):
    """Subprocess: run one library over one case file, write the outputs as .npy."""
    lib_path, case_path, out_path = argv
    from cffi import FFI

    with open(case_path) as f:
        case = json.load(f)
    ffi = FFI()
    ffi.cdef(CDEF)
    lib = ffi.dlopen(lib_path)
    handle = lib.initialize(case.get("num_threads", 0), False)
    outs = []
    for call in case["calls"]:
        paths = [p.encode() for p in call["paths"]]
        keep = [ffi.new("char[]", p) for p in paths]
        cpaths = ffi.new("char*[]", keep)
        n = len(paths)
        w, c = call["window"], call["chans"]
        out = np.zeros(n * w * w * c, dtype=np.uint8)
        scale = np.ascontiguousarray(call["scale"], dtype=np.float32)
        x = np.ascontiguousarray(call["x"], dtype=np.float32)
        y = np.ascontiguousarray(call["y"], dtype=np.float32)
        lib.parallel_crop_and_resize(
            handle, cpaths, ffi.cast("uint8_t*", out.ctypes.data),
            ffi.cast("float*", scale.ctypes.data), ffi.cast("float*", x.ctypes.data),
            ffi.cast("float*", y.ctypes.data), w, c, float(MAX_IMG_PERCENT), n)
        outs.append(out)
    lib.destroy(handle)
    np.save(out_path, np.concatenate(outs) if outs else np.zeros(0, np.uint8))
    sys.stdout.flush()
    return 0


def run_worker(lib_path, case, workdir, tag):
    case_path = os.path.join(workdir, f"case_{tag}.json")
    out_path = os.path.join(workdir, f"out_{tag}.npy")
    with open(case_path, "w") as f:
        json.dump(case, f)
    if os.path.exists(out_path):
        os.remove(out_path)
    p = subprocess.run([sys.executable, os.path.abspath(__file__), "--worker", lib_path,
                        case_path, out_path], capture_output=True, text=True)
    if p.returncode != 0 or not os.path.exists(out_path):
        err = (p.stderr or "").strip().splitlines()[-6:]
        return None, f"exit {p.returncode}: " + " | ".join(err)
    return np.load(out_path), None


# ----------------------------------------------------------------------------- main
LARGE_PIXELS = 1 << 21  # images above this many pixels get every 5th glimpse, one window


def image_pixels(path):
    from PIL import Image

    with Image.open(path) as im:
        return im.size[0] * im.size[1]


def build_case(group, glimpses, windows):
    """One call per window size; every image of the group with every glimpse (large
    images, whose full decode dominates the run time, with a subset of them and only
    the first window size)."""
    calls = []
    index = []  # (call_no, path, glimpse_no, window) for every item, in output order
    large = {p: image_pixels(p) > LARGE_PIXELS for p in group["paths"]}
    for ci, window in enumerate(windows):
        paths, sc, xs, ys = [], [], [], []
        for p in group["paths"]:
            if large[p] and ci > 0:
                continue
            for gi, (s, x, y) in enumerate(glimpses):
                if large[p] and gi % 5 != 0:
                    continue
                paths.append(p)
                sc.append(float(s))
                xs.append(float(x))
                ys.append(float(y))
                index.append((ci, p, gi, window))
        calls.append({"paths": paths, "scale": sc, "x": xs, "y": ys, "window": window,
                      "chans": group["chans"]})
    return {"calls": calls}, index


def split_items(flat, index, chans):
    items, off = [], 0
    for (_, _, _, w) in index:
        size = w * w * chans
        items.append(flat[off:off + size].reshape(w, w, chans))
        off += size
    return items


def compare(a_items, b_items, index):
    """Per image: number of differing items and max abs difference."""
    per_image = {}
    for (ci, path, gi, w), a, b in zip(index, a_items, b_items):
        d = per_image.setdefault(os.path.basename(path), {"items": 0, "diff_items": 0,
                                                          "max_abs": 0, "first": None})
        d["items"] += 1
        if not np.array_equal(a, b):
            d["diff_items"] += 1
            m = int(np.abs(a.astype(np.int16) - b.astype(np.int16)).max())
            d["max_abs"] = max(d["max_abs"], m)
            if d["first"] is None:
                nd = int((a != b).sum())
                d["first"] = f"glimpse #{gi} window {w}: {nd} bytes differ, max |d| {m}"
    return per_image


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        return worker_main(sys.argv[2:])
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rust-lib", required=True, help="libparallel_image_crop.so")
    ap.add_argument("--parcrop-lib", help="libparcrop.so (omit to test the Rust side alone)")
    ap.add_argument("--no-numpy", action="store_true", help="skip the numpy nearest rule")
    ap.add_argument("--no-large", action="store_true", help="skip the large images")
    ap.add_argument("--groups", default="gray,rgb,rgba,palette",
                    help="image groups to test (default: gray,rgb,rgba,palette)")
    ap.add_argument("--windows", default="32,7,64,1", help="window sizes (default 32,7,64,1)")
    ap.add_argument("--num-random", type=int, default=24, help="random glimpses per image")
    ap.add_argument("--num-threads", type=int, default=0)
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--workdir", help="where images and outputs go (default: a temp dir)")
    ap.add_argument("--verbose", "-v", action="store_true", help="print every image")
    args = ap.parse_args()

    workdir = args.workdir or tempfile.mkdtemp(prefix="parcrop_cmp_")
    os.makedirs(workdir, exist_ok=True)
    rng = np.random.default_rng(args.seed)
    groups = make_images(workdir, args.seed, large=not args.no_large)
    glimpses = make_glimpses(rng, args.num_random)
    windows = [int(w) for w in args.windows.split(",")]
    wanted = [g for g in args.groups.split(",") if g]

    sides = [("rust", args.rust_lib)]
    if args.parcrop_lib:
        sides.append(("parcrop", args.parcrop_lib))
    else:
        sides.append(("rust-again", args.rust_lib))

    print(f"images in {workdir}; {len(glimpses)} glimpses per image; windows {windows}")
    all_ok = True
    summary = []
    clamp_hits = 0
    for gname in wanted:
        group = groups[gname]
        case, index = build_case(group, glimpses, windows)
        case["num_threads"] = args.num_threads
        results = {}
        for tag, lib in sides:
            flat, err = run_worker(lib, case, workdir, f"{gname}_{tag}")
            if err:
                print(f"[{gname}] {tag}: FAILED ({err})")
                results[tag] = None
            else:
                results[tag] = split_items(flat, index, group["chans"])
        if not args.no_numpy:
            items = []
            cache = {}
            for (ci, path, gi, w) in index:
                if path not in cache:
                    cache[path] = load_for_numpy(path, group["chans"])
                s, x, y = glimpses[gi]
                out, hit = numpy_crop(cache[path], s, x, y, w)
                clamp_hits += hit
                items.append(out)
            results["numpy"] = items

        names = list(results)
        for i in range(len(names)):
            for j in range(i + 1, len(names)):
                a, b = names[i], names[j]
                if b == "rust-again" and a != "rust":
                    continue
                if results[a] is None or results[b] is None:
                    # a failed side counts as a difference only if it is the Rust
                    # or parcrop side of the pair
                    all_ok = False
                    summary.append((gname, f"{a} vs {b}", "n/a", "side failed"))
                    continue
                per = compare(results[a], results[b], index)
                nd = sum(d["diff_items"] for d in per.values())
                ni = sum(d["items"] for d in per.values())
                ok = nd == 0
                all_ok &= ok
                summary.append((gname, f"{a} vs {b}", f"{ni - nd}/{ni}",
                                "IDENTICAL" if ok else "DIFFERENT"))
                for img, d in per.items():
                    if d["diff_items"] or args.verbose:
                        status = "identical" if not d["diff_items"] else (
                            f"{d['diff_items']}/{d['items']} differ; max |d| {d['max_abs']}; "
                            f"first: {d['first']}")
                        print(f"  [{gname}] {a} vs {b}: {img}: {status}")

    print()
    print("| group | pair | identical items | result |")
    print("|---|---|---|---|")
    for row in summary:
        print("| " + " | ".join(row) + " |")
    if not args.no_numpy:
        print(f"\nnumpy rule: the clamp to crop-1 changed an index in {clamp_hits} items")
    print("\nOVERALL:", "BYTE-IDENTICAL" if all_ok else "DIFFERENCES FOUND")
    return 0 if all_ok else 1


if __name__ == "__main__":
    sys.exit(main())
