#!/usr/bin/env python3
"""Training input: RandomResizedCrop(224) + RandomHorizontalFlip, parcrop against its peers.

A batch of 32 distinct files per workload, boxes drawn by torchvision's
RandomResizedCrop rule (scale 0.08-1, ratio 3/4-4/3; parcrop.sampling, numpy variant,
seed 0) from each image's size, half of them flipped; every method gets the same boxes
and flips and returns a [32, 224, 224, 3] uint8 batch, bilinear with antialiasing, on
--threads threads:

    parcrop          parcrop.Cropper.crop_boxes(..., hflip=flips), default (fast) mode
    parcrop_exact    the same with mode="exact" (equal to Pillow's resize of the box)
    pil              torchvision's way: Image.open, convert("RGB"), crop, resize(BILINEAR),
                     transpose when flipped; a thread pool
    pil_draft        the same after Image.draft(), JPEG's DCT scaling down to >= 2x the
                     output (box scaled to the reduced image)
    dali_cpu         DALI on CPU: fn.decoders.image_slice + fn.resize(antialias) + fn.flip
    tf               tf.io.decode_and_crop_jpeg + tf.image.resize(antialias) + flip,
                     in tf.data with a parallel map

Measurement: ROUNDS rounds; in each round every method runs in a fresh process (in a
rotated order), which times a warm-up batch and then TRIALS batches and reports their
median; a method's figure is the median over rounds. The file reads are timed (the page
cache is warm). Agreement: mean absolute difference to Pillow's full-resolution
img.crop(box).resize((224, 224), BILINEAR), flipped.

    PY=/work/venv-bench/bin/python
    $PY benchmarks/bench_train.py --parcrop-lib build/libparcrop.so --out-md train.md
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, HERE)

SIZE = 224
METHODS = ["parcrop", "parcrop_exact", "pil", "pil_draft", "dali_cpu", "tf"]
PEERS = [m for m in METHODS if not m.startswith("parcrop")]


def _import_parcrop(lib):
    if lib:
        os.environ.setdefault("PARCROP_LIBRARY", os.path.abspath(lib))
    sys.path.insert(0, os.path.join(REPO, "bindings", "python"))
    import parcrop

    return parcrop


def make_parcrop(ctx, exact):
    parcrop = _import_parcrop(ctx["parcrop_lib"])
    cropper = parcrop.Cropper(num_threads=ctx["threads"])
    mode = "exact" if exact else "default"

    def run(paths, boxes, flips):
        return cropper.crop_boxes(paths, boxes, SIZE, filter="bilinear", mode=mode, hflip=flips)

    return run


def _flipped(batch, flips):
    batch[flips] = batch[flips][:, :, ::-1]
    return batch


def make_peer(ctx, name):
    import bench_crop

    peer_ctx = {"chans": 3, "window": SIZE, "threads": ctx["threads"], "formats": ctx["formats"],
                "fmt_of": dict(zip(ctx["paths"], ctx["formats"])), "batch": len(ctx["paths"]),
                "args": argparse.Namespace(use_threading=True)}
    if name in ("pil", "pil_draft"):
        inner, _ = bench_crop.make_pil(peer_ctx, "draft" if name == "pil_draft" else "threads")
    elif name == "dali_cpu":
        inner, _ = bench_crop.make_dali(peer_ctx)
    else:
        inner, _ = bench_crop.make_tf(peer_ctx)

    # Flipping a 224x224 crop in numpy costs microseconds, as it would inside the peer.
    def run(paths, boxes, flips):
        return _flipped(inner(paths, boxes, None), flips)

    return run


def worker(spec_path, result_path):
    with open(spec_path) as f:
        spec = json.load(f)
    ctx = dict(spec)
    paths, flips = spec["paths"], np.array(spec["flips"], bool)
    boxes = np.array(spec["boxes"], np.float32)
    result = {"method": spec["method"]}
    try:
        name = spec["method"]
        run = make_parcrop(ctx, name == "parcrop_exact") if name.startswith("parcrop") else make_peer(ctx, name)
        first = run(paths, boxes, flips)
        times = []
        for _ in range(spec["trials"]):
            start = time.perf_counter()
            run(paths, boxes, flips)
            times.append(time.perf_counter() - start)
        np.save(spec["out_npy"], np.asarray(first))
        result.update(status="ok", median_s=statistics.median(times))
    except Exception as error:  # a peer that cannot import or run is reported, not dropped
        result.update(status="missing", reason=f"{type(error).__name__}: {error}"[:300])
    with open(result_path, "w") as f:
        json.dump(result, f)


def reference(paths, boxes, flips):
    from PIL import Image

    out = []
    for path, box, flip in zip(paths, boxes, flips):
        with Image.open(path) as image:
            crop = image.convert("RGB").crop(tuple(int(v) for v in box)).resize((SIZE, SIZE), Image.BILINEAR)
            array = np.asarray(crop)
            out.append(array[:, ::-1] if flip else array)
    return np.stack(out)


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        worker(sys.argv[2], sys.argv[3])
        return 0
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workloads", default="rgb500_jpg,rgb512_jpg,rgb2560_jpg")
    parser.add_argument("--image-dir", default="/tmp/parcrop_bench_images")
    parser.add_argument("--methods", default=",".join(METHODS))
    parser.add_argument("--parcrop-lib", default=os.path.join(REPO, "build", "libparcrop.so"))
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--trials", type=int, default=15)
    parser.add_argument("--out-md", default="")
    parser.add_argument("--out-json", default="")
    args = parser.parse_args()

    import make_images
    parcrop = _import_parcrop(args.parcrop_lib)
    from parcrop.sampling import random_resized_crops

    names = args.workloads.split(",")
    made = make_images.write_workloads(args.image_dir, names, 32, seed=0, log=lambda m: print(m, file=sys.stderr))
    methods = [m for m in args.methods.split(",") if m]
    workdir = tempfile.mkdtemp(prefix="parcrop_train_")
    results = {}
    for name in names:
        paths = made[name][:32]
        from PIL import Image

        sizes = []
        formats = []
        for path in paths:
            with Image.open(path) as image:
                sizes.append(image.size)
                formats.append(image.format)
        boxes, flips = random_resized_crops(np.array(sizes), flip_p=0.5, seed=0, backend="numpy")
        want = reference(paths, boxes, flips)
        per_method = {m: [] for m in methods}
        status = {}
        for round_index in range(args.rounds):
            order = methods[round_index % len(methods):] + methods[:round_index % len(methods)]
            for method in order:
                if status.get(method, {}).get("status") == "missing":
                    continue
                tag = f"{name}__{method}__{round_index}"
                spec = {"method": method, "paths": paths, "formats": formats, "boxes": boxes.tolist(),
                        "flips": flips.tolist(), "threads": args.threads, "trials": args.trials,
                        "parcrop_lib": args.parcrop_lib, "out_npy": os.path.join(workdir, tag + ".npy")}
                spec_path, result_path = (os.path.join(workdir, tag + suffix) for suffix in (".json", ".out.json"))
                with open(spec_path, "w") as f:
                    json.dump(spec, f)
                env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2", PYTHONWARNINGS="ignore")
                subprocess.run([sys.executable, os.path.abspath(__file__), "--worker", spec_path, result_path],
                               env=env, capture_output=True, timeout=900)
                if not os.path.exists(result_path):
                    status[method] = {"status": "missing", "reason": "the worker produced no result"}
                    continue
                with open(result_path) as f:
                    result = json.load(f)
                status[method] = result
                if result["status"] == "ok":
                    per_method[method].append(result["median_s"])
                    if round_index == 0:
                        got = np.load(spec["out_npy"])
                        status[method]["mad"] = float(np.abs(got.astype(np.int16) - want.astype(np.int16)).mean())
                        results.setdefault(name, {})[method] = {"mad": status[method]["mad"]}
                print(f"[{name}] round {round_index} {method}: {result.get('status')} "
                      f"{result.get('median_s', result.get('reason', ''))}", file=sys.stderr)
        rows = results.setdefault(name, {})
        for method in methods:
            row = rows.setdefault(method, {})
            if per_method[method]:
                row["median_s"] = statistics.median(per_method[method])
                row["rounds"] = per_method[method]
            else:
                row["missing"] = status.get(method, {}).get("reason", "not run")
        peer_times = [rows[m]["median_s"] for m in methods if m in PEERS and "median_s" in rows[m]]
        best = min(peer_times) if peer_times else None
        for method in methods:
            if best and "median_s" in rows[method]:
                rows[method]["best_peer_over_this"] = best / rows[method]["median_s"]
    lines = [f"Batch of 32 distinct files, RandomResizedCrop(224) boxes + flips (seed 0), bilinear antialiased, "
             f"{args.threads} threads, {args.rounds} rounds x {args.trials} batches, fresh process per method and "
             f"round; {time.strftime('%Y-%m-%d %H:%M')}.", "",
             "| workload | method | median ms / batch | best peer / method | MAD vs Pillow |",
             "|---|---|---:|---:|---:|"]
    for name, rows in results.items():
        for method in methods:
            row = rows.get(method, {})
            if "median_s" in row:
                ratio = row.get("best_peer_over_this")
                lines.append(f"| {name} | {method} | {row['median_s'] * 1000:.1f} | "
                             f"{ratio:.2f}x | {row.get('mad', float('nan')):.2f} |" if ratio else
                             f"| {name} | {method} | {row['median_s'] * 1000:.1f} | - | {row.get('mad', 0):.2f} |")
            else:
                lines.append(f"| {name} | {method} | missing: {row.get('missing', '')[:80]} | | |")
    text = "\n".join(lines)
    print(text)
    if args.out_md:
        with open(args.out_md, "w") as f:
            f.write(text + "\n")
    if args.out_json:
        with open(args.out_json, "w") as f:
            json.dump(results, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
