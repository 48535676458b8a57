#!/usr/bin/env python3
"""A dataset job: 10,000 crops of generated photographs, written as npy, in crops/s.

The dataset (make_images.py, deterministic): 1000 JPEGs of 512x512, 100 of 2560x1600
and 300 PNGs of 512x512, in random order; each image has 1 to 13 boxes (COCO has about
7), of 5% to 80% of each side, 10,000 rows in all, an image's rows together. Every
method crops every row to 64x64 RGB, bilinear with antialiasing, on 2 CPUs, and writes
the crops to disk:

    parcrop_cli    `python -m parcrop crop boxes.csv -o OUT --size 64` (npy shards of 10,000)
    pillow_pool    a plain Pillow script on a process pool of 2: per image, Image.open,
                   convert("RGB"), then crop(box).resize((64, 64), BILINEAR) per row;
                   the crops gathered and saved with np.save
    ray_pillow     Ray Data's read_images (the decoded images) and a Pillow crop and resize
                   per row in map_batches (a callable class holding the boxes), then
                   write_numpy
    parcrop_ray    parcrop.ray.crop_dataset over read_csv(boxes.csv), then write_numpy

Ray runs a local instance with 2 CPUs, started before the clock starts (its start-up,
a few seconds, is not counted; the pipeline's is). Each method runs in a fresh process per
round, rounds interleaved in a rotated order; a method's figure is its median over rounds.
For parcrop_cli the peak resident memory of the job's process is printed per round.
Agreement: the mean absolute difference of parcrop_cli's crops to pillow_pool's (parcrop's
default mode lets JPEGs decode at reduced scale for large boxes, so it is close, not
equal); Ray writes crops in its own order, so for the Ray methods only the count of crops
is checked (tests/python/test_ray.py checks parcrop.ray's bytes against parcrop crop's).

    PY=/work/venv-bench/bin/python      # Pillow and ray[data] installed
    $PY benchmarks/bench_dataset.py --parcrop-lib build/libparcrop.so --rounds 3
"""
import argparse
import csv
import glob
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, HERE)

SIZE = 64
METHODS = ["parcrop_cli", "pillow_pool", "ray_pillow", "parcrop_ray"]
MIX = {"rgb512_jpg": 1000, "rgb2560_jpg": 100, "rgb512_png": 300}


def make_manifest(image_dir, path, rows, seed=0):
    """Writes the manifest; returns its rows as (source, x0, y0, x1, y1)."""
    import make_images

    made = make_images.write_workloads(image_dir, list(MIX), max(MIX.values()), seed=0,
                                       log=lambda m: print(m, file=sys.stderr))
    sized = []
    for name, count in MIX.items():
        width, height = make_images.WORKLOADS[name][:2]
        sized += [(source, width, height) for source in made[name][:count]]
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(sized))
    table = []
    while len(table) < rows:
        for index in order:
            source, width, height = sized[index]
            for _ in range(int(rng.integers(1, 14))):
                w, h = rng.uniform(0.05, 0.8) * width, rng.uniform(0.05, 0.8) * height
                x0, y0 = rng.uniform(0, width - w), rng.uniform(0, height - h)
                table.append((source, round(x0, 1), round(y0, 1), round(x0 + w, 1), round(y0 + h, 1)))
            if len(table) >= rows:
                break
    table = table[:rows]
    with open(path, "w", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(["id", "source", "x0", "y0", "x1", "y1"])
        writer.writerows([(index, *row) for index, row in enumerate(table)])
    return table


def _groups(table):
    """Consecutive rows of one image: [(source, [(row, box), ...]), ...]."""
    groups = []
    for row, (source, *box) in enumerate(table):
        if groups and groups[-1][0] == source:
            groups[-1][1].append((row, box))
        else:
            groups.append((source, [(row, box)]))
    return groups


def _pillow_crops(group):
    from PIL import Image

    source, rows = group
    with Image.open(source) as image:
        image = image.convert("RGB")
        return [(row, np.asarray(image.crop(tuple(box)).resize((SIZE, SIZE), Image.BILINEAR))) for row, box in rows]


def run_pillow_pool(spec):
    import multiprocessing

    table = spec["table"]
    crops = np.zeros((len(table), SIZE, SIZE, 3), np.uint8)
    with multiprocessing.get_context("fork").Pool(spec["cpus"]) as pool:
        for done in pool.imap_unordered(_pillow_crops, _groups(table), chunksize=4):
            for row, crop in done:
                crops[row] = crop
    np.save(os.path.join(spec["out"], "crops.npy"), crops)


def run_parcrop_cli(spec):
    env = dict(os.environ, PYTHONPATH=os.path.join(REPO, "bindings", "python"))
    subprocess.run([sys.executable, "-m", "parcrop", "crop", spec["manifest"], "-o", spec["out"], "--size",
                    str(SIZE), "--threads", str(spec["cpus"]), "-q"], env=env, check=True)


class PillowBoxes:
    """Ray Data's side of ray_pillow: the boxes of each decoded image, cropped with Pillow."""

    def __init__(self, boxes_by_path):
        self.boxes_by_path = boxes_by_path

    def __call__(self, batch):
        from PIL import Image

        crops, rows = [], []
        for image, path in zip(batch["image"], batch["path"]):
            picture = Image.fromarray(image)
            for row, box in self.boxes_by_path[path]:
                crops.append(np.asarray(picture.crop(tuple(box)).resize((SIZE, SIZE), Image.BILINEAR)))
                rows.append(row)
        return {"row": np.array(rows), "crop": np.stack(crops)}


def _start_ray(spec):
    import ray

    env_vars = {"PYTHONPATH": os.path.join(REPO, "bindings", "python")}
    if os.environ.get("PARCROP_LIBRARY"):
        env_vars["PARCROP_LIBRARY"] = os.environ["PARCROP_LIBRARY"]
    ray.init(num_cpus=spec["cpus"], include_dashboard=False, logging_level="ERROR", log_to_driver=False,
             runtime_env={"env_vars": env_vars})
    import ray.data

    context = ray.data.DataContext.get_current()
    context.enable_progress_bars = False
    context.print_on_execution_start = False
    # A tiny job first, so that worker processes exist before the clock starts, for both Ray methods.
    ray.data.range(8).map_batches(lambda batch: batch).take_all()
    return ray


def run_ray_pillow(spec, ray):
    boxes_by_path = {}
    for source, rows in _groups(spec["table"]):
        boxes_by_path.setdefault(source, []).extend(rows)
    paths = list(boxes_by_path)
    dataset = ray.data.read_images(paths, include_paths=True, mode="RGB")
    cropped = dataset.map_batches(PillowBoxes, fn_constructor_args=(boxes_by_path,), batch_size=16,
                                  batch_format="numpy", compute=ray.data.ActorPoolStrategy(min_size=1,
                                                                                           max_size=spec["cpus"]))
    cropped.write_numpy(spec["out"], column="crop")


def run_parcrop_ray(spec, ray):
    import parcrop.ray

    dataset = ray.data.read_csv(spec["manifest"])
    parcrop.ray.crop_dataset(dataset, SIZE).write_numpy(spec["out"], column="crop")


def worker(spec_path, result_path):
    with open(spec_path) as file:
        spec = json.load(file)
    if spec["parcrop_lib"]:
        os.environ["PARCROP_LIBRARY"] = os.path.abspath(spec["parcrop_lib"])
    sys.path.insert(0, os.path.join(REPO, "bindings", "python"))
    method = spec["method"]
    result = {"method": method}
    try:
        ray = _start_ray(spec) if method.endswith("ray") or method.startswith("ray") else None
        start = time.perf_counter()
        if ray is None:
            {"parcrop_cli": run_parcrop_cli, "pillow_pool": run_pillow_pool}[method](spec)
        else:
            {"ray_pillow": run_ray_pillow, "parcrop_ray": run_parcrop_ray}[method](spec, ray)
        result.update(status="ok", seconds=time.perf_counter() - start)
        if method == "parcrop_cli":  # the job ran in a child process: its peak resident memory
            import resource

            result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        if ray is not None:
            ray.shutdown()
    except Exception as error:  # a method that cannot run is reported, not dropped
        result.update(status="missing", reason=f"{type(error).__name__}: {error}"[:400])
    with open(result_path, "w") as file:
        json.dump(result, file)


def read_crops(method, out, rows):
    """A method's crops in manifest order."""
    if method == "parcrop_cli":
        return np.concatenate([np.load(path) for path in sorted(glob.glob(os.path.join(out, "shard-*.npy")))])
    if method == "pillow_pool":
        return np.load(os.path.join(out, "crops.npy"))
    parts = [np.load(path) for path in sorted(glob.glob(os.path.join(out, "*.npy")))]
    return np.concatenate(parts) if parts else np.zeros((0, SIZE, SIZE, 3), np.uint8)


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        worker(sys.argv[2], sys.argv[3])
        return 0
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--image-dir", default="/tmp/parcrop_bench_images")
    parser.add_argument("--rows", type=int, default=10000)
    parser.add_argument("--methods", default=",".join(METHODS))
    parser.add_argument("--parcrop-lib", default=os.path.join(REPO, "build", "libparcrop.so"))
    parser.add_argument("--cpus", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--out-json", default="")
    args = parser.parse_args()

    workdir = tempfile.mkdtemp(prefix="parcrop_dataset_")
    manifest = os.path.join(workdir, "boxes.csv")
    table = make_manifest(args.image_dir, manifest, args.rows)
    methods = [m for m in args.methods.split(",") if m]
    seconds = {m: [] for m in methods}
    status = {}
    crops = {}
    for round_index in range(args.rounds):
        order = methods[round_index % len(methods):] + methods[:round_index % len(methods)]
        for method in order:
            if status.get(method, {}).get("status") == "missing":
                continue
            out = os.path.join(workdir, f"{method}-{round_index}")
            spec = {"method": method, "manifest": manifest, "table": table, "out": out, "cpus": args.cpus,
                    "parcrop_lib": args.parcrop_lib}
            os.makedirs(out, exist_ok=True) if method != "parcrop_cli" else None
            spec_path, result_path = (os.path.join(workdir, f"{method}-{round_index}{s}") for s in (".json", ".out"))
            with open(spec_path, "w") as file:
                json.dump(spec, file)
            subprocess.run([sys.executable, os.path.abspath(__file__), "--worker", spec_path, result_path],
                           capture_output=True, timeout=1800, env=dict(os.environ, PYTHONWARNINGS="ignore"))
            result = json.load(open(result_path)) if os.path.exists(result_path) else \
                {"status": "missing", "reason": "the worker produced no result"}
            status[method] = result
            if result["status"] == "ok":
                seconds[method].append(result["seconds"])
                memory = f"  peak RSS {result['peak_rss_mb']:.0f} MiB" if "peak_rss_mb" in result else ""
                print(f"round {round_index}: {method:12s} {result['seconds']:7.2f} s{memory}", file=sys.stderr)
                if method not in crops:
                    crops[method] = read_crops(method, out, len(table))
            shutil.rmtree(out, ignore_errors=True)

    reference = crops.get("pillow_pool")
    print(f"\n{args.rows:,} crops to {SIZE}x{SIZE}, {args.cpus} CPUs, median of {args.rounds} rounds\n")
    print("| method | seconds | crops/s | parcrop_cli is | mean abs diff to pillow_pool |")
    print("|---|---:|---:|---:|---:|")
    summary = {}
    base = statistics.median(seconds["parcrop_cli"]) if seconds.get("parcrop_cli") else None
    for method in methods:
        if not seconds[method]:
            print(f"| {method} | - | - | - | {status[method].get('reason', '')} |")
            continue
        median = statistics.median(seconds[method])
        got = crops[method]
        if got.shape[0] != args.rows:
            diff = f"wrote {got.shape[0]:,} crops"
        elif method.endswith("ray") or method.startswith("ray") or reference is None:
            diff = f"{got.shape[0]:,} crops"
        else:
            diff = f"{np.abs(got.astype(np.int16) - reference).mean():.2f}"
        ratio = f"{median / base:.2f}x faster" if base and method != "parcrop_cli" else "-"
        print(f"| {method} | {median:.2f} | {args.rows / median:,.0f} | {ratio} | {diff} |")
        summary[method] = {"median_s": median, "crops_per_s": args.rows / median, "rounds": seconds[method]}
    if args.out_json:
        with open(args.out_json, "w") as file:
            json.dump(summary, file, indent=2)
    shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
