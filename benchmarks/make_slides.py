#!/usr/bin/env python3
"""Deterministic tiled pyramidal TIFF slides for bench_slides.py.

Each slide is a SIZE x SIZE RGB mosaic (default 40,000 x 40,000) of the benchmark's
generated photographs (make_images.py's rgb2560_jpg, 2560x1600), joined edge to edge
in a grid (16 across, 25 down for 40,000, then cropped to SIZE) in an order drawn
from the slide's own seed, so the slides differ. libvips writes it as a tiled
pyramidal TIFF:

    tiles 256x256, a pyramid of 2x mean-downsampled levels down to one tile, each
    level a page of the main IFD chain (vips' default layout; OpenSlide reads it as
    "generic tiled TIFF", tifffile as series[0].levels, vips as page=N)

and two kinds of compression, with the same pixels per slide index:

    jpeg      JPEG, Q 85 (vips' TIFF JPEG: YCbCr, 2x2 chroma subsampling), classic TIFF
    deflate   Deflate at libtiff's default level (6), horizontal predictor (vips'
              default), BigTIFF: the raw pyramid is 6.4 GB and photographic content
              keeps most of that after Deflate

Files are <out>/slide_<kind>_<i>.tif, i = 0..N-1 (default 4 of each kind). Existing
files with the same parameters are kept (manifest.json records them); missing source
photos are generated first (make_images.py, cached in --images).

At 40,000 x 40,000 on 2 cores: a JPEG slide is 229 MB in 25 s, a Deflate one 1.68 GB
in 11 minutes (vips' Deflate writer compresses on one thread, so --jobs builds slides
side by side); all eight 7.6 GB in 23 minutes.

Usage:
    make_slides.py [--out /tmp/parcrop_slides] [--images /tmp/parcrop_bench_images]
                   [--kinds jpeg,deflate] [--count 4] [--size 40000] [--seed 0] [--force]
"""
import argparse
import json
import math
import os
import shutil
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

SOURCE_WORKLOAD = "rgb2560_jpg"
SOURCE_COUNT = 32
TILE = 256
JPEG_Q = 85
KINDS = {
    # kind: tiffsave options (besides tile, pyramid and tile size)
    "jpeg": {"compression": "jpeg", "Q": JPEG_Q, "bigtiff": False},
    "deflate": {"compression": "deflate", "predictor": "horizontal", "bigtiff": True},
}
GENERATOR_VERSION = 1  # bump when the pixels or the layout a seed gives change


def slide_path(out_dir, kind, i):
    return os.path.join(out_dir, f"slide_{kind}_{i}.tif")


def slide_paths(out_dir, kind, count):
    return [slide_path(out_dir, kind, i) for i in range(count)]


def _params(kind, size, seed, i):
    return {"kind": kind, "size": size, "seed": seed, "index": i, "tile": TILE,
            "source": SOURCE_WORKLOAD, "source_count": SOURCE_COUNT,
            "save": KINDS[kind], "version": GENERATOR_VERSION}


def photo_order(seed, i, cells, count=SOURCE_COUNT):
    """Which photo fills each grid cell: whole shuffled rounds of the photos, from the
    slide's own generator, so every photo appears about equally often."""
    rng = np.random.default_rng([seed, i])
    rounds = -(-cells // count)
    return np.concatenate([rng.permutation(count) for _ in range(rounds)])[:cells].tolist()


def build_slide(path, kind, size, seed, i, photos):
    import pyvips

    first = pyvips.Image.new_from_file(photos[0])
    pw, ph = first.width, first.height
    across, down = -(-size // pw), -(-size // ph)
    order = photo_order(seed, i, across * down, len(photos))
    # sequential access: each photo is decoded once, top to bottom, as the writer needs it
    tiles = [pyvips.Image.new_from_file(photos[k], access="sequential") for k in order]
    mosaic = pyvips.Image.arrayjoin(tiles, across=across).crop(0, 0, size, size)
    tmp = path + ".tmp"
    mosaic.tiffsave(tmp, tile=True, tile_width=TILE, tile_height=TILE, pyramid=True,
                    **KINDS[kind])
    os.replace(tmp, path)


def _build_task(task):
    start = time.perf_counter()
    build_slide(*task)
    return time.perf_counter() - start


def estimate_bytes(kind, size):
    """A generous upper estimate of one slide's size (raw pyramid = 4/3 of level 0)."""
    raw = size * size * 3 * 4 / 3
    return raw * (0.12 if kind == "jpeg" else 0.5)


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default="/tmp/parcrop_slides")
    ap.add_argument("--images", default="/tmp/parcrop_bench_images",
                    help="make_images.py's folder (rgb2560_jpg is generated there if missing)")
    ap.add_argument("--kinds", default=",".join(KINDS), help="comma-separated: jpeg, deflate")
    ap.add_argument("--count", type=int, default=4, help="slides of each kind (default 4)")
    ap.add_argument("--size", type=int, default=40000, help="side in pixels (default 40000)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--force", action="store_true", help="rewrite existing slides")
    ap.add_argument("--jobs", type=int, default=0,
                    help="slides built at once (default: all cores; vips' Deflate writer "
                         "compresses on one thread)")
    args = ap.parse_args()
    kinds = [k for k in args.kinds.split(",") if k]
    bad = [k for k in kinds if k not in KINDS]
    if bad:
        ap.error(f"unknown kinds {bad}; known: {list(KINDS)}")
    try:
        import pyvips  # noqa: F401
    except Exception as e:
        sys.exit(f"make_slides: pyvips is needed (benchmarks/setup_peers.sh installs it): {e}")

    import make_images

    photos = make_images.write_workloads(args.images, [SOURCE_WORKLOAD], SOURCE_COUNT,
                                         log=lambda m: print(m, file=sys.stderr))[SOURCE_WORKLOAD]
    os.makedirs(args.out, exist_ok=True)
    manifest_path = os.path.join(args.out, "manifest.json")
    manifest = {}
    if os.path.exists(manifest_path) and not args.force:
        try:
            with open(manifest_path) as f:
                manifest = json.load(f)
        except (OSError, ValueError):
            manifest = {}

    todo = []
    for kind in kinds:
        for i in range(args.count):
            path = slide_path(args.out, kind, i)
            name = os.path.basename(path)
            params = _params(kind, args.size, args.seed, i)
            if (not args.force and os.path.exists(path)
                    and manifest.get(name, {}).get("params") == params):
                continue
            todo.append((kind, i, path, params))
    if not todo:
        print(f"make_slides: all {len(kinds) * args.count} slides present in {args.out}",
              file=sys.stderr)
        return 0
    need = sum(estimate_bytes(kind, args.size) for kind, *_ in todo)
    free = shutil.disk_usage(args.out).free
    print(f"make_slides: {len(todo)} slides to build, up to {need / 1e9:.1f} GB; "
          f"{free / 1e9:.1f} GB free in {args.out}", file=sys.stderr)
    if need > free * 0.9:
        sys.exit("make_slides: not enough free disk space (use --count, --kinds or --size)")

    total = time.perf_counter()
    jobs = max(1, min(args.jobs or os.cpu_count() or 1, len(todo)))
    tasks = [(path, kind, args.size, args.seed, i, photos) for kind, i, path, _ in todo]
    if jobs > 1:
        import multiprocessing as mp

        pool = mp.get_context("spawn").Pool(jobs)
        done = pool.imap(_build_task, tasks)
    else:
        pool, done = None, map(_build_task, tasks)
    for (kind, i, path, params), seconds in zip(todo, done):
        manifest[os.path.basename(path)] = {"params": params, "bytes": os.path.getsize(path),
                                            "build_s": round(seconds, 1)}
        with open(manifest_path + ".tmp", "w") as f:
            json.dump(manifest, f, indent=1)
        os.replace(manifest_path + ".tmp", manifest_path)
        print(f"make_slides: {os.path.basename(path)} {os.path.getsize(path) / 1e6:.0f} MB "
              f"in {seconds:.0f} s", file=sys.stderr)
    if pool is not None:
        pool.close()
        pool.join()
    print(f"make_slides: built {len(todo)} slides in {time.perf_counter() - total:.0f} s",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
