"""Image makers and reference implementations shared by the Python tests."""

import io
import threading
from pathlib import Path

import numpy as np
from PIL import Image

REPO = Path(__file__).resolve().parents[2]
HEADER = REPO / "include" / "parcrop.h"

PIL_MODES = {1: "L", 3: "RGB", 4: "RGBA"}


def noise(rng, height, width, channels=3):
    """Random pixels: the hardest case for exact comparisons."""
    shape = (height, width) if channels == 1 else (height, width, channels)
    return rng.integers(0, 256, shape, dtype=np.uint8)


def smooth(rng, height, width, channels=3):
    """Gradients plus mild noise: a photo-like image for lossy comparisons."""
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float64)
    planes = [xx * 255 / max(width - 1, 1), yy * 255 / max(height - 1, 1),
              (np.sin(xx / 7.0) + np.cos(yy / 5.0) + 2) * 63, np.full_like(xx, 200) - xx % 50]
    array = np.stack(planes[:max(channels, 1)], axis=-1) + rng.normal(0, 6, (height, width, max(channels, 1)))
    array = array.clip(0, 255).astype(np.uint8)
    return array[:, :, 0] if channels == 1 else array


def encode(array, fmt="PNG", **kwargs):
    mode = "L" if array.ndim == 2 else PIL_MODES[array.shape[2]]
    buffer = io.BytesIO()
    Image.fromarray(array, mode).save(buffer, fmt, **kwargs)
    return buffer.getvalue()


def save(path, array, fmt="PNG", **kwargs):
    Path(path).write_bytes(encode(array, fmt, **kwargs))
    return str(path)


def as_hwc(array):
    return array[:, :, None] if array.ndim == 2 else array


def glimpse_reference(image, x, y, scale, window, max_img_percent):
    """The crop rule of parallel_image_crop with nearest resampling, in numpy (float32).

    x_px = (uint32)(x * W), s = min(scale, max_img_percent), crop_w = max(2, floor(W * s)),
    x_px = min(x_px, W - crop_w) (rows alike); output row o takes crop row
    floor((o + 0.5) * (crop_h / window)).
    """
    image = as_hwc(image)
    height, width = image.shape[:2]
    f32 = np.float32
    s = min(f32(scale), f32(max_img_percent))
    crop_w = min(max(2, int(np.floor(f32(width) * s))), width)
    crop_h = min(max(2, int(np.floor(f32(height) * s))), height)
    x_px = min(int(f32(x) * f32(width)), width - crop_w)
    y_px = min(int(f32(y) * f32(height)), height - crop_h)
    o = np.arange(window, dtype=f32)
    rows = np.floor((o + f32(0.5)) * (f32(crop_h) / f32(window))).astype(np.int64)
    cols = np.floor((o + f32(0.5)) * (f32(crop_w) / f32(window))).astype(np.int64)
    return image[y_px + rows][:, x_px + cols]


def pillow_two_pass(image, box, size, resample):
    """Pillow's fixed-point resampler in its classic order, band by band.

    The crop is resized horizontally, then vertically, each band as an "L" image.
    Per band, because Pillow premultiplies alpha when resizing RGBA and parcrop
    treats channels independently; in two explicit passes, because Pillow's
    one-call resize in recent versions may run the vertical pass first, and the
    clipped 8-bit intermediate then differs.
    """
    height, width = size
    mode = "L" if image.ndim == 2 else PIL_MODES[image.shape[2]]
    cropped = Image.fromarray(image, mode).crop(box)
    bands = [band.resize((width, band.height), resample).resize((width, height), resample)
             for band in cropped.split()]
    return np.stack([np.asarray(band) for band in bands], axis=-1)


def max_abs_diff(a, b):
    return int(np.abs(a.astype(np.int32) - b.astype(np.int32)).max()) if a.size else 0


def crop_in_worker(args):
    """Runs in a multiprocessing worker: crops with its own Cropper, returns the bytes."""
    import parcrop

    sources, boxes, num_threads = args
    with parcrop.Cropper(num_threads=num_threads) as cropper:
        return cropper.crop_boxes(sources, boxes, 8).tobytes()


def run_in_threads(work, count):
    """Runs work(i) for i in range(count), each on its own thread at the same time, and
    re-raises the first exception in the calling thread (pytest sees no other)."""
    errors = []

    def guarded(i):
        try:
            work(i)
        except BaseException as exc:  # reported in the calling thread
            errors.append(exc)

    threads = [threading.Thread(target=guarded, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]


def child_env(*more_paths):
    """The environment for a child Python that imports the parcrop these tests import
    (an installed one, or the source tree's under PARCROP_LIBRARY), then more_paths."""
    import os

    import parcrop

    env = dict(os.environ)
    package_parent = os.path.dirname(os.path.dirname(os.path.abspath(parcrop.__file__)))
    env["PYTHONPATH"] = os.pathsep.join([package_parent, *map(str, more_paths), env.get("PYTHONPATH", "")])
    return env


def run_parcrop(*args, timeout=300, **popen_args):
    """`python -m parcrop ARGS` in a child process, importing the package these tests import."""
    import subprocess
    import sys

    return subprocess.run([sys.executable, "-m", "parcrop", *map(str, args)], capture_output=True, text=True,
                          env=child_env(), timeout=timeout, **popen_args)


def make_crop_dataset(folder, rng, rows=60):
    """Photo-like JPEGs and PNGs of assorted sizes under folder/images, and a manifest's
    rows (dicts with id, source relative to folder, x0, y0, x1, y1) of random boxes on
    them, several per image and in runs, as datasets of object boxes have them."""
    folder = Path(folder)
    (folder / "images").mkdir(parents=True, exist_ok=True)
    sources, sizes = [], []
    for index in range(8):
        height, width = (int(v) for v in rng.integers(24, 160, 2))
        channels = (1, 3, 4)[index % 3] if index % 2 else 3
        name = f"images/{index}.{'png' if index % 2 else 'jpg'}"
        save(folder / name, smooth(rng, height, width, channels), "PNG" if index % 2 else "JPEG", quality=90)
        sources.append(name)
        sizes.append((width, height))
    manifest = []
    for row in range(rows):
        image = (row // 3) % len(sources)
        width, height = sizes[image]
        x0, y0 = rng.uniform(0, width - 2), rng.uniform(0, height - 2)
        x1, y1 = rng.uniform(x0 + 1, width), rng.uniform(y0 + 1, height)
        manifest.append({"id": f"item-{row}", "source": sources[image], "x0": round(x0, 2), "y0": round(y0, 2),
                         "x1": round(x1, 2), "y1": round(y1, 2)})
    return manifest


def write_manifest(path, rows, columns=("id", "source", "x0", "y0", "x1", "y1")):
    """rows (dicts) as a CSV or JSON Lines manifest, by the path's suffix."""
    import csv
    import json

    path = Path(path)
    if path.suffix == ".jsonl":
        path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    else:
        with open(path, "w", newline="") as file:
            writer = csv.writer(file)
            writer.writerow(columns)
            for row in rows:
                writer.writerow(["" if row.get(name) is None else row[name] for name in columns])
    return str(path)


def read_npy_shards(folder):
    """The crops and index lines of an npy job's output, shards in order."""
    import csv

    folder = Path(folder)
    shards = sorted(folder.glob("shard-*.npy"))
    crops = np.concatenate([np.load(path) for path in shards]) if shards else np.zeros((0,), np.uint8)
    lines = []
    for index_file in sorted(folder.glob("shard-*.csv")):
        with open(index_file, newline="") as file:
            lines.extend(csv.DictReader(file))
    return crops, lines
