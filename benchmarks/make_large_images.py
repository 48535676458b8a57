#!/usr/bin/env python3
"""The 8000x8000 RGB JPEGs of the memory check (benchmarks/run_all.sh with LARGE_IMAGES).

Generating 64-megapixel photos with make_images.py's noise model would take the better
part of an hour on two cores, so each one is a distinct make_images.py 2560x1600 photo
scaled up with Pillow's bicubic filter (smooth, but a full-size baseline JPEG of the
right dimensions, which is what the memory check needs) and saved at quality 90.

Usage:
    make_large_images.py --source /tmp/parcrop_bench_images/rgb2560_jpg --out /tmp/large [--count 32]
"""
import argparse
import os
from concurrent.futures import ProcessPoolExecutor

from PIL import Image

SIZE = 8000
WORKLOAD = "rgb8000_jpg"


def _make(job):
    source, target = job
    if os.path.exists(target):
        return
    with Image.open(source) as image:
        large = image.convert("RGB").resize((SIZE, SIZE), Image.BICUBIC)
    large.save(target + ".tmp", format="JPEG", quality=90)
    os.replace(target + ".tmp", target)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--source", required=True, help="folder of make_images.py rgb2560_jpg files")
    ap.add_argument("--out", required=True, help="parent folder; files go to OUT/rgb8000_jpg/")
    ap.add_argument("--count", type=int, default=32)
    args = ap.parse_args()
    sources = sorted(f for f in os.listdir(args.source) if f.endswith(".jpg"))[: args.count]
    if len(sources) < args.count:
        raise SystemExit(f"need {args.count} source files in {args.source}, found {len(sources)}")
    folder = os.path.join(args.out, WORKLOAD)
    os.makedirs(folder, exist_ok=True)
    jobs = [(os.path.join(args.source, s), os.path.join(folder, f"{WORKLOAD}_{i:03d}.jpg"))
            for i, s in enumerate(sources)]
    with ProcessPoolExecutor() as pool:
        list(pool.map(_make, jobs))
    print(f"make_large_images: {len(jobs)} files in {folder}")


if __name__ == "__main__":
    main()
