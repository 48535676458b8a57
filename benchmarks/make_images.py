#!/usr/bin/env python3
"""Deterministic benchmark images with photographic statistics.

Flat colours compress and decode unrealistically fast and pure noise unrealistically
slowly, so each image is a sum of: a smooth illumination gradient, 1/f ("pink")
noise built from several octaves of upsampled random fields (texture at many
scales), a handful of shapes with hard and soft edges (discs, rectangles, lines),
a fine sensor-like grain, and for RGB a per-channel colour cast that varies slowly
over the image. Everything is vectorised numpy; the result is saved with Pillow.

Workloads (name: size, mode, format):
    gray4k_jpg   4000x4000 L    JPEG q90
    gray4k_png   4000x4000 L    PNG
    rgb512_jpg    512x512  RGB  JPEG q90
    rgb512_png    512x512  RGB  PNG
    rgb2560_jpg  2560x1600 RGB  JPEG q90
    rgb500_jpg    500x375  RGB  JPEG q90  (ImageNet-like)

Files are <out>/<workload>/<workload>_<i>.<ext>, i = 0..N-1, N distinct images per
workload (default 32, one batch of distinct files). gray4k_jpg and gray4k_png hold
the same pixels. Existing files with the same parameters are kept (a small manifest records them), so re-running is cheap.

Usage:
    make_images.py --out /tmp/parcrop_bench_images [--workloads gray4k_jpg,rgb512_png]
                   [--count 32] [--seed 0] [--force]
"""
import argparse
import json
import os
import sys
import time

import numpy as np

WORKLOADS = {
    # name: (width, height, channels, format)
    "gray4k_jpg": (4000, 4000, 1, "jpg"),
    "gray4k_png": (4000, 4000, 1, "png"),
    "rgb512_jpg": (512, 512, 3, "jpg"),
    "rgb512_png": (512, 512, 3, "png"),
    "rgb2560_jpg": (2560, 1600, 3, "jpg"),
    "rgb500_jpg": (500, 375, 3, "jpg"),
}
JPEG_QUALITY = 90
GENERATOR_VERSION = 1  # bump when the pixels a seed gives change


def _upsample(field, h, w):
    """Bilinear upsampling of a small 2-D field to (h, w), separably (columns on the
    small field first, then rows), vectorised."""
    fh, fw = field.shape

    def coords(n, m):
        pos = np.linspace(0, m - 1, n, dtype=np.float32)
        i0 = np.minimum(pos.astype(np.int32), m - 1)
        i1 = np.minimum(i0 + 1, m - 1)
        return i0, i1, (pos - i0).astype(np.float32)

    x0, x1, wx = coords(w, fw)
    t = field[:, x0] * (1 - wx) + field[:, x1] * wx  # (fh, w), cheap
    y0, y1, wy = coords(h, fh)
    wy = wy[:, None]
    out = t[y0]
    out *= 1 - wy
    out += t[y1] * wy
    return out


def _pink_noise(rng, h, w, octaves=7, base_cells=4, persistence=0.62):
    """Sum of octaves of smoothly upsampled noise, amplitude falling with frequency."""
    out = np.zeros((h, w), np.float32)
    amp, total = 1.0, 0.0
    cells = base_cells
    for _ in range(octaves):
        ch = max(2, int(cells * h / max(h, w)) + 1)
        cw = max(2, int(cells * w / max(h, w)) + 1)
        if ch > h // 2 or cw > w // 2:
            break
        out += amp * _upsample(rng.standard_normal((ch, cw)).astype(np.float32), h, w)
        total += amp
        amp *= persistence
        cells *= 2
    return out / max(total, 1e-6)


def _shapes(rng, h, w, count):
    """Discs, rectangles and thick lines, some hard-edged, some blurred (soft)."""
    layer = np.zeros((h, w), np.float32)
    yy = np.arange(h, dtype=np.float32)[:, None]
    xx = np.arange(w, dtype=np.float32)[None, :]
    scale = min(h, w)
    for _ in range(count):
        kind = rng.integers(3)
        val = rng.uniform(-0.8, 0.8)
        soft = rng.uniform(0.5, 0.02 * scale) if rng.random() < 0.5 else 0.5
        if kind == 0:  # disc
            cy, cx = rng.uniform(0, h), rng.uniform(0, w)
            r = rng.uniform(0.03, 0.2) * scale
            d = np.sqrt((yy - cy) ** 2 + (xx - cx) ** 2) - r
        elif kind == 1:  # axis-aligned rectangle (signed distance, approx.)
            cy, cx = rng.uniform(0, h), rng.uniform(0, w)
            hh, hw = rng.uniform(0.02, 0.2, 2) * scale
            d = np.maximum(np.abs(yy - cy) - hh, np.abs(xx - cx) - hw)
        else:  # thick line through a random point at a random angle
            cy, cx = rng.uniform(0, h), rng.uniform(0, w)
            t = rng.uniform(0, np.pi)
            thick = rng.uniform(0.002, 0.02) * scale
            d = np.abs((yy - cy) * np.cos(t) - (xx - cx) * np.sin(t)) - thick
        layer += val * np.clip(0.5 - d / soft, 0.0, 1.0)
    return layer


def make_image(seed, w, h, c):
    """One image as uint8 (h, w) or (h, w, 3). Deterministic in (seed, w, h, c)."""
    rng = np.random.default_rng([GENERATOR_VERSION, seed, w, h, c])
    yy = np.linspace(-1, 1, h, dtype=np.float32)[:, None]
    xx = np.linspace(-1, 1, w, dtype=np.float32)[None, :]
    a, b = rng.uniform(-0.5, 0.5, 2)
    lum = 0.5 + 0.25 * (a * xx + b * yy) - 0.15 * (xx ** 2 + yy ** 2)  # vignette
    lum = lum + 0.22 * _pink_noise(rng, h, w)
    lum = lum + 0.35 * _shapes(rng, h, w, count=int(rng.integers(6, 14)))
    # mid-frequency texture: a second, finer noise band, modulated so it is patchy
    patch = np.clip(_pink_noise(rng, h, w, octaves=3, base_cells=3) * 2 + 0.5, 0, 1)
    lum = lum + 0.08 * patch * _pink_noise(rng, h, w, octaves=4, base_cells=64,
                                           persistence=0.8)
    lum = np.clip(lum, 0, 1)
    if c == 1:
        img = lum * 255 + rng.normal(0, 2.5, (h, w)).astype(np.float32)
    else:
        cast = np.stack([_pink_noise(rng, h, w, octaves=3, base_cells=2) for _ in range(3)], -1)
        tint = rng.uniform(0.8, 1.2, 3).astype(np.float32)
        img = lum[..., None] * tint * (1 + 0.35 * cast) * 255
        img = img + rng.normal(0, 2.5, (h, w, 3)).astype(np.float32)
    return np.clip(img, 0, 255).astype(np.uint8)


def _params(name, seed):
    w, h, c, fmt = WORKLOADS[name]
    return {"w": w, "h": h, "c": c, "fmt": fmt, "seed": seed, "quality": JPEG_QUALITY,
            "version": GENERATOR_VERSION}


def _load_manifest(d, params, force):
    path = os.path.join(d, "manifest.json")
    if force or not os.path.exists(path):
        return set()
    try:
        with open(path) as f:
            m = json.load(f)
    except (OSError, ValueError):
        return set()
    return set(m.get("files", [])) if m.get("params") == params else set()


def _make_one(task):
    """Worker: generate image i of a (w, h, c) group and save it in every requested
    workload of that group (so gray4k_jpg and gray4k_png hold the same pixels)."""
    from PIL import Image

    seed, i, w, h, c, targets = task
    arr = make_image(seed * 100003 + i, w, h, c)
    img = Image.fromarray(arr, "L" if c == 1 else "RGB")
    for path, fmt in targets:
        tmp = path + ".tmp"
        if fmt == "jpg":
            img.save(tmp, format="JPEG", quality=JPEG_QUALITY)
        else:
            img.save(tmp, format="PNG", compress_level=3)
        os.replace(tmp, path)
    return len(targets)


def write_workloads(out_dir, names, count, seed=0, force=False, jobs=None, log=print):
    """Makes sure out_dir/<name>/ holds count images for every name; returns
    {name: [paths]}. Only missing or stale files are generated."""
    jobs = jobs or os.cpu_count() or 1
    result, done, tasks = {}, {}, {}
    for name in names:
        w, h, c, fmt = WORKLOADS[name]
        d = os.path.join(out_dir, name)
        os.makedirs(d, exist_ok=True)
        done[name] = _load_manifest(d, _params(name, seed), force)
        result[name] = workload_paths(out_dir, name, count)
        for i, path in enumerate(result[name]):
            fname = os.path.basename(path)
            if fname in done[name] and os.path.exists(path):
                continue
            key = (w, h, c, i)
            tasks.setdefault(key, []).append((path, fmt))
            done[name].add(fname)
    if tasks:
        t0 = time.time()
        work = [(seed, i, w, h, c, targets) for (w, h, c, i), targets in sorted(tasks.items())]
        if jobs > 1 and len(work) > 1:
            import multiprocessing as mp

            with mp.get_context("fork").Pool(min(jobs, len(work))) as pool:
                n = sum(pool.imap_unordered(_make_one, work))
        else:
            n = sum(map(_make_one, work))
        log(f"make_images: wrote {n} files in {time.time() - t0:.1f}s under {out_dir}")
    for name in names:
        with open(os.path.join(out_dir, name, "manifest.json"), "w") as f:
            json.dump({"params": _params(name, seed), "files": sorted(done[name])}, f)
    return result


def workload_paths(out_dir, name, count):
    w, h, c, fmt = WORKLOADS[name]
    return [os.path.join(out_dir, name, f"{name}_{i:03d}.{fmt}") for i in range(count)]


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default="/tmp/parcrop_bench_images", help="output folder")
    ap.add_argument("--workloads", default=",".join(WORKLOADS),
                    help="comma-separated subset of: " + ", ".join(WORKLOADS))
    ap.add_argument("--count", type=int, default=32, help="distinct files per workload")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--force", action="store_true", help="rewrite existing files")
    ap.add_argument("--jobs", type=int, default=0, help="processes (default: all cores)")
    args = ap.parse_args()
    names = [n for n in args.workloads.split(",") if n]
    bad = [n for n in names if n not in WORKLOADS]
    if bad:
        ap.error(f"unknown workloads {bad}; known: {list(WORKLOADS)}")
    write_workloads(args.out, names, args.count, args.seed, args.force, args.jobs or None)
    return 0


if __name__ == "__main__":
    sys.exit(main())
