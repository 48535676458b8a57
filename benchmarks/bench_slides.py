#!/usr/bin/env python3
"""Whole-slide crops: parcrop against OpenSlide, tifffile + zarr and pyvips on tiled
pyramidal TIFF.

Slides: make_slides.py's 40,000 x 40,000 RGB tiled pyramids (256x256 tiles, 2x levels
down to one tile), 4 of each kind: JPEG Q85 (classic TIFF) and Deflate with the
horizontal predictor (BigTIFF), the same pixels per slide index.

Workloads, per kind; a batch is 32 boxes, item k on slide k % 4 (8 per slide), at
positions drawn from numpy's default_rng([seed, workload]) (the same boxes for both
kinds); every method returns a [32, 256, 256, 3] uint8 batch:

    level0_256   256x256 level-0 pixels at any integer position, no resize
    down8_2048   2048x2048 level-0 pixels at positions on multiples of 8, to 256x256
                 (a "20x from a 40x scan" view, downsample 8): every method reads
                 the level of downsample 8 (OpenSlide's rule below), whole pixels

Methods (the level rule is OpenSlide's get_best_level_for_downsample(box side / 256):
the deepest level whose downsample does not exceed the request; the region is read at
that level and resized with Pillow/vips bilinear when it is not already 256x256):

    parcrop          parcrop.Cropper(num_threads=--threads).crop_boxes(paths, boxes,
                     size=256, channels=3, filter="bilinear", mode="fast"): fast mode
                     picks the pyramid level by the same rule; all cores
    openslide        OpenSlide(path) once per slide and batch (the open is timed),
                     read_region(level-0 location, level, size at level), RGBA -> RGB,
                     Pillow resize(BILINEAR) if needed; one Python thread
    openslide_t2     the same with a --peer-threads ThreadPoolExecutor over the items
                     (the slides are opened first, then shared; OpenSlide handles are
                     thread-safe and its ctypes calls release the GIL)
    tifffile         TiffFile(path) once per slide and batch (timed), series[0].levels,
                     zarr.open(series.aszarr(level=L)) once per slide and level, the
                     region sliced from it, Pillow resize if needed; one thread
    tifffile_t2      the same with the thread pool over items
    pyvips           Image.tiffload(path, page=L) once per slide and level per batch
                     (vips writes each level as a page), crop, resize(kernel linear)
                     if needed, write_to_memory; one Python thread (libvips may use
                     its own worker threads inside one call); vips' operation cache is
                     off, so that a batch does not reuse the decoded tiles of the last
    pyvips_t2        the same with the thread pool over items

Fairness: parcrop runs on every core (2 here); the plain peers run as their users
usually call them, item after item in one Python thread, and the *_t2 variants spread
the items over --peer-threads threads (default: the core count); report both.

Measurement: --rounds rounds; in each round every method runs in a fresh process (in
a rotated order), which runs a warm-up batch (the page cache is warm after it) and
then --trials timed batches and reports their median and its peak RSS (VmHWM); a
method's figure is the median over rounds, its RSS the largest. Agreement: mean
absolute difference of each method's batch to OpenSlide's (the first round's
output), over the batch and for its worst item; over --max-mad the row is flagged
(a method measuring the wrong region shows tens of levels).

parcrop runs with the Cropper's default limits (for tiled images: 2**28 decoded pixels
per item, levels up to 2**20 pixels a side; the whole-file limits do not apply). A
libparcrop without TIFF support, or one that refuses the slides, gives the row "missing:
libparcrop cannot read these slides: ... UNKNOWN_FORMAT (204) ..." (the status and
message of each kind of failure), and the peers still run.

    PY=/work/venv-bench/bin/python
    $PY benchmarks/make_slides.py                     # /tmp/parcrop_slides, cached
    $PY benchmarks/bench_slides.py --parcrop-lib build/libparcrop.so \\
        --out-md slides.md --out-json slides.json
A quick check of every method: --rounds 1 --trials 2
"""
import argparse
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

OUT = 256
BATCH = 32
SLIDES_PER_KIND = 4
WORKLOADS = {
    # name: (box side in level-0 pixels, position step)
    "level0_256": (256, 1),
    "down8_2048": (2048, 8),
}
KINDS = ["jpeg", "deflate"]
METHODS = ["parcrop", "openslide", "openslide_t2", "tifffile", "tifffile_t2", "pyvips",
           "pyvips_t2"]
PEERS = [m for m in METHODS if m != "parcrop"]
REFERENCE = "openslide"


class Missing(Exception):
    """A method that cannot run here (not installed, or the format is unsupported)."""


# ============================================================================ boxes
def make_boxes(workload, width, height, seed):
    """[BATCH, 4] float32 boxes (x0, y0, x1, y1) in level-0 pixels; item k on slide k % 4."""
    side, step = WORKLOADS[workload]
    rng = np.random.default_rng([seed, list(WORKLOADS).index(workload)])
    x0 = rng.integers(0, (width - side) // step + 1, BATCH) * step
    y0 = rng.integers(0, (height - side) // step + 1, BATCH) * step
    return np.stack([x0, y0, x0 + side, y0 + side], 1).astype(np.float32)


def best_level(downsamples, want):
    """OpenSlide's openslide_get_best_level_for_downsample."""
    if want < downsamples[0]:
        return 0
    for i in range(1, len(downsamples)):
        if want < downsamples[i]:
            return i - 1
    return len(downsamples) - 1


def level_region(box, ds):
    """(x, y, w, h) at a level of downsample ds for a level-0 box; OpenSlide's rounding."""
    x0, y0, x1, y1 = (float(v) for v in box)
    return (int(x0 // ds), int(y0 // ds), max(1, round((x1 - x0) / ds)),
            max(1, round((y1 - y0) / ds)))


def _by_slide(paths):
    """{path: [item indices]} in first-appearance order."""
    groups = {}
    for i, p in enumerate(paths):
        groups.setdefault(p, []).append(i)
    return groups


def _pil_fit(img):
    from PIL import Image

    if img.size != (OUT, OUT):
        img = img.resize((OUT, OUT), Image.BILINEAR)
    return np.asarray(img)


# ============================================================================ methods
# Each make_<method>(ctx) returns run(paths, boxes) -> [N, 256, 256, 3] uint8, and notes.
def _import_parcrop(lib):
    if lib:
        os.environ.setdefault("PARCROP_LIBRARY", os.path.abspath(lib))
    sys.path.insert(0, os.path.join(REPO, "bindings", "python"))
    import parcrop

    return parcrop


def make_parcrop(ctx):
    try:
        parcrop = _import_parcrop(ctx["parcrop_lib"])
    except Exception as e:
        raise Missing(f"import parcrop failed: {type(e).__name__}: {e}")
    cropper = parcrop.Cropper(num_threads=ctx["threads"])  # default limits

    def run(paths, boxes):
        try:
            return cropper.crop_boxes(paths, boxes, size=OUT, channels=3, filter="bilinear",
                                      mode="fast")
        except parcrop.CropError as e:
            codes = {}
            for _, code, message in e.failures:
                codes.setdefault(code, message)
            text = "; ".join(f"{_status_name(parcrop, c)} ({c}): {m}" for c, m in codes.items())
            raise Missing(f"libparcrop cannot read these slides: {len(e.failures)} of "
                          f"{len(paths)} items failed: {text}"[:400])

    return run, []


def _status_name(parcrop, code):
    try:
        return parcrop.Status(code).name
    except Exception:
        return "status"


def make_openslide(ctx, threads):
    try:
        import openslide
    except Exception as e:
        raise Missing(f"openslide: {type(e).__name__}: {e}")
    from concurrent.futures import ThreadPoolExecutor

    pool = ThreadPoolExecutor(threads) if threads > 1 else None

    def one(slide, box):
        level = slide.get_best_level_for_downsample((box[2] - box[0]) / OUT)
        x, y, w, h = level_region(box, slide.level_downsamples[level])
        region = slide.read_region((int(box[0]), int(box[1])), level, (w, h))
        return _pil_fit(region.convert("RGB"))

    def run(paths, boxes):
        out = np.empty((len(paths), OUT, OUT, 3), np.uint8)
        groups = _by_slide(paths)
        if pool is None:
            for path, items in groups.items():
                with openslide.OpenSlide(path) as slide:
                    for i in items:
                        out[i] = one(slide, boxes[i])
            return out
        slides = {path: openslide.OpenSlide(path) for path in groups}
        try:
            def fill(i):
                out[i] = one(slides[paths[i]], boxes[i])

            list(pool.map(fill, range(len(paths))))
        finally:
            for s in slides.values():
                s.close()
        return out

    return run, []


def make_tifffile(ctx, threads):
    try:
        import tifffile
        import zarr
        import imagecodecs  # noqa: F401 -- tifffile decodes JPEG tiles with it
    except Exception as e:
        raise Missing(f"tifffile/zarr/imagecodecs: {type(e).__name__}: {e}")
    from concurrent.futures import ThreadPoolExecutor
    from PIL import Image

    pool = ThreadPoolExecutor(threads) if threads > 1 else None

    class Slide:
        def __init__(self, path):
            self.tif = tifffile.TiffFile(path)
            self.series = self.tif.series[0]
            shapes = [lvl.shape for lvl in self.series.levels]
            h0, w0 = shapes[0][:2]
            self.downsamples = [(w0 / s[1] + h0 / s[0]) / 2 for s in shapes]
            self.arrays = {}

        def array(self, level):
            if level not in self.arrays:
                self.arrays[level] = zarr.open(self.series.aszarr(level=level), mode="r")
            return self.arrays[level]

        def close(self):
            self.tif.close()

    def one(slide, box, level):
        x, y, w, h = level_region(box, slide.downsamples[level])
        region = slide.array(level)[y:y + h, x:x + w]
        return _pil_fit(Image.fromarray(np.asarray(region)[..., :3]))

    def run(paths, boxes):
        out = np.empty((len(paths), OUT, OUT, 3), np.uint8)
        groups = _by_slide(paths)
        slides = {}
        try:
            if pool is None:
                for path, items in groups.items():
                    slide = slides[path] = Slide(path)
                    for i in items:
                        level = best_level(slide.downsamples, (boxes[i][2] - boxes[i][0]) / OUT)
                        out[i] = one(slide, boxes[i], level)
                return out
            # open the slides and their levels first, then share them among the threads
            levels = []
            for i, path in enumerate(paths):
                slide = slides.get(path) or slides.setdefault(path, Slide(path))
                level = best_level(slide.downsamples, (boxes[i][2] - boxes[i][0]) / OUT)
                slide.array(level)
                levels.append(level)

            def fill(i):
                out[i] = one(slides[paths[i]], boxes[i], levels[i])

            list(pool.map(fill, range(len(paths))))
            return out
        finally:
            for s in slides.values():
                s.close()

    return run, [f"zarr {zarr.__version__}"]


def make_pyvips(ctx, threads):
    try:
        import pyvips
    except Exception as e:
        raise Missing(f"pyvips: {type(e).__name__}: {e}")
    from concurrent.futures import ThreadPoolExecutor

    pyvips.cache_set_max(0)  # no reuse of the last batch's loads (and their tile caches)
    pool = ThreadPoolExecutor(threads) if threads > 1 else None

    class Slide:
        def __init__(self, path):
            self.path = path
            first = pyvips.Image.tiffload(path)
            self.pages = {0: first}
            n = first.get("n-pages") if first.get_typeof("n-pages") else 1
            sizes = [(first.width, first.height)]
            for page in range(1, n):
                image = pyvips.Image.tiffload(path, page=page)
                self.pages[page] = image
                sizes.append((image.width, image.height))
            w0, h0 = sizes[0]
            self.downsamples = [(w0 / w + h0 / h) / 2 for w, h in sizes]

    def one(slide, box):
        level = best_level(slide.downsamples, (box[2] - box[0]) / OUT)
        x, y, w, h = level_region(box, slide.downsamples[level])
        image = slide.pages[level].crop(x, y, w, h)
        if (w, h) != (OUT, OUT):
            image = image.resize(OUT / w, vscale=OUT / h, kernel="linear")
        if image.bands > 3:
            image = image.extract_band(0, n=3)
        return np.ndarray(buffer=image.write_to_memory(), dtype=np.uint8,
                          shape=(image.height, image.width, image.bands))

    def run(paths, boxes):
        out = np.empty((len(paths), OUT, OUT, 3), np.uint8)
        groups = _by_slide(paths)
        if pool is None:
            for path, items in groups.items():
                slide = Slide(path)
                for i in items:
                    out[i] = one(slide, boxes[i])
            return out
        slides = {path: Slide(path) for path in groups}

        def fill(i):
            out[i] = one(slides[paths[i]], boxes[i])

        list(pool.map(fill, range(len(paths))))
        return out

    return run, [f"libvips {pyvips.version(0)}.{pyvips.version(1)}.{pyvips.version(2)}"]


def make_method(name, ctx):
    threads = ctx["peer_threads"] if name.endswith("_t2") else 1
    base = name[:-3] if name.endswith("_t2") else name
    if base == "parcrop":
        return make_parcrop(ctx)
    if base == "openslide":
        return make_openslide(ctx, threads)
    if base == "tifffile":
        return make_tifffile(ctx, threads)
    if base == "pyvips":
        return make_pyvips(ctx, threads)
    raise Missing(f"unknown method {name}")


# ============================================================================ worker
def worker(spec_path, result_path):
    from bench_crop import _rss_mb

    with open(spec_path) as f:
        spec = json.load(f)
    paths = spec["paths"]
    boxes = np.array(spec["boxes"], np.float32)
    result = {"method": spec["method"]}
    try:
        run, notes = make_method(spec["method"], spec)
        start = time.perf_counter()
        first = np.asarray(run(paths, boxes))
        warmup = time.perf_counter() - start
        expect = (len(paths), OUT, OUT, 3)
        if first.shape != expect or first.dtype != np.uint8:
            raise RuntimeError(f"output {first.shape} {first.dtype}, expected {expect} uint8")
        times = []
        for _ in range(spec["trials"]):
            start = time.perf_counter()
            run(paths, boxes)
            times.append(time.perf_counter() - start)
        if spec.get("out_npy"):
            np.save(spec["out_npy"], first)
        result.update(status="ok", median_s=statistics.median(times), min_s=min(times),
                      warmup_s=warmup, peak_rss_mb=_rss_mb(), notes=list(notes))
    except Missing as e:
        result.update(status="missing", reason=str(e))
    except Exception as e:  # a peer that fails is reported, never dropped
        import traceback

        result.update(status="error", reason=f"{type(e).__name__}: {e}"[:400],
                      traceback=traceback.format_exc()[-2000:])
    with open(result_path, "w") as f:
        json.dump(result, f)
    sys.stdout.flush()
    os._exit(0)  # skip interpreter teardown (thread pools, libvips)


# ============================================================================ parent
def slide_size(path):
    import tifffile

    with tifffile.TiffFile(path) as tif:
        page = tif.pages[0]
        return page.imagewidth, page.imagelength


def run_method(method, tag, spec, workdir, timeout):
    spec = dict(spec, method=method)
    spec_path, result_path = (os.path.join(workdir, tag + s) for s in (".json", ".out.json"))
    with open(spec_path, "w") as f:
        json.dump(spec, f)
    if os.path.exists(result_path):
        os.remove(result_path)
    env = dict(os.environ, PYTHONWARNINGS="ignore")
    try:
        proc = subprocess.run([sys.executable, os.path.abspath(__file__), "--worker", spec_path,
                               result_path], env=env, capture_output=True, text=True,
                              timeout=timeout)
        rc, err = proc.returncode, proc.stderr
    except subprocess.TimeoutExpired:
        rc, err = "timeout", f"no result after {timeout}s"
    if os.path.exists(result_path):
        with open(result_path) as f:
            return json.load(f)
    lines = [ln for ln in (err or "").strip().splitlines() if ln.strip()]
    return {"method": method, "status": "error",
            "reason": f"worker exit {rc}: " + (lines[-1] if lines else "no output")[-300:]}


def fmt(v, digits=3):
    if v is None:
        return "-"
    if v >= 100:
        return f"{v:.0f}"
    if v >= 10:
        return f"{v:.1f}"
    return f"{v:.{digits}g}"


def markdown(results, meta):
    lines = [
        "# Whole-slide crops: parcrop against OpenSlide, tifffile and pyvips", "",
        f"{meta['slides']} slides of {meta['size']} per kind (tiled pyramidal TIFF, 256x256 "
        f"tiles); batch {BATCH} boxes (item k on slide k mod {meta['slides']}) to {OUT}x{OUT} RGB, bilinear; parcrop on "
        f"{meta['threads']} threads, plain peers on one Python thread, *_t2 on "
        f"{meta['peer_threads']} threads; {meta['rounds']} rounds x {meta['trials']} batches, "
        f"a fresh process per method and round, medians; slides opened once per batch and "
        f"the opens timed; page cache warm; {meta['cpu_count']} cores, {meta['date']}.", "",
        "Speed-up = this method's median / parcrop's median (how many times faster parcrop "
        f"is). MAD = mean |method - {REFERENCE}| in 8-bit levels, over the batch and for the "
        "worst item.", ""]
    for key, rows in results.items():
        lines += [f"## {key}", "",
                  "| method | median s/batch | crops/s | peak RSS MB | parcrop speed-up | "
                  "MAD (worst item) | note |",
                  "|---|---:|---:|---:|---:|---:|---|"]
        for method, r in rows.items():
            if "median_s" in r:
                mad = "-" if r.get("mad") is None else \
                    f"{r['mad']:.2f} ({r['mad_worst']:.2f})" + (" CHECK" if r.get("mad_flag") else "")
                lines.append(f"| {method} | {fmt(r['median_s'])} | {fmt(r['crops_per_s'])} | "
                             f"{fmt(r['peak_rss_mb'], 4)} | "
                             f"{fmt(r.get('parcrop_speedup')) + 'x' if r.get('parcrop_speedup') else '-'} | "
                             f"{mad} | {'; '.join(r.get('notes', []))} |")
            else:
                reason = r.get("reason", "").replace("|", "/").replace("\n", " ")
                lines.append(f"| {method} | {r.get('status', 'missing')} | | | | | {reason[:300]} |")
        lines.append("")
    return "\n".join(lines)


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        worker(sys.argv[2], sys.argv[3])
        return 0
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--slides", default="/tmp/parcrop_slides", help="make_slides.py's folder")
    ap.add_argument("--count", type=int, default=SLIDES_PER_KIND,
                    help="slides per kind; item k of a batch is on slide k %% count (default 4)")
    ap.add_argument("--kinds", default=",".join(KINDS))
    ap.add_argument("--workloads", default=",".join(WORKLOADS))
    ap.add_argument("--methods", default=",".join(METHODS))
    ap.add_argument("--parcrop-lib", default=os.path.join(REPO, "build", "libparcrop.so"))
    ap.add_argument("--threads", type=int, default=0, help="parcrop's threads, 0 = all cores")
    ap.add_argument("--peer-threads", type=int, default=0,
                    help="threads of the *_t2 peers (default: the core count)")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--trials", type=int, default=10, help="timed batches per process")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--max-mad", type=float, default=4.0,
                    help="flag a method whose batch differs from OpenSlide's by more (levels)")
    ap.add_argument("--timeout", type=float, default=900.0, help="per process")
    ap.add_argument("--out-md", default="")
    ap.add_argument("--out-json", default="")
    args = ap.parse_args()

    import make_slides

    kinds = [k for k in args.kinds.split(",") if k]
    workloads = [w for w in args.workloads.split(",") if w]
    methods = [m for m in args.methods.split(",") if m]
    for given, known, what in ((kinds, KINDS, "kinds"), (workloads, WORKLOADS, "workloads"),
                               (methods, METHODS, "methods")):
        bad = [x for x in given if x not in known]
        if bad:
            ap.error(f"unknown {what} {bad}; known: {list(known)}")
    cores = os.cpu_count() or 1
    peer_threads = args.peer_threads or cores
    workdir = tempfile.mkdtemp(prefix="parcrop_slides_")
    meta = {"slides": args.count, "threads": args.threads or cores,
            "peer_threads": peer_threads, "rounds": args.rounds, "trials": args.trials,
            "seed": args.seed, "cpu_count": cores, "date": time.strftime("%Y-%m-%d %H:%M"),
            "python": sys.version.split()[0], "parcrop_lib": os.path.abspath(args.parcrop_lib),
            "versions": versions()}
    results = {}
    for kind in kinds:
        paths4 = make_slides.slide_paths(args.slides, kind, args.count)
        absent = [p for p in paths4 if not os.path.exists(p)]
        if absent:
            sys.exit(f"bench_slides: {absent[0]} is missing; run benchmarks/make_slides.py "
                     f"--out {args.slides}")
        sizes = {slide_size(p) for p in paths4}
        width, height = min(w for w, _ in sizes), min(h for _, h in sizes)
        meta["size"] = " / ".join(f"{w}x{h}" for w, h in sorted(sizes))
        paths = [paths4[k % args.count] for k in range(BATCH)]
        for workload in workloads:
            key = f"{workload} / {kind}"
            boxes = make_boxes(workload, width, height, args.seed)
            spec = {"paths": paths, "boxes": boxes.tolist(), "trials": args.trials,
                    "threads": args.threads, "peer_threads": peer_threads,
                    "parcrop_lib": os.path.abspath(args.parcrop_lib)}
            rounds = {m: [] for m in methods}
            last = {}
            outputs = {}
            for r in range(args.rounds):
                order = methods[r % len(methods):] + methods[:r % len(methods)]
                for method in order:
                    if last.get(method, {}).get("status") in ("missing", "error"):
                        continue
                    tag = f"{workload}__{kind}__{method}__{r}"
                    npy = os.path.join(workdir, tag + ".npy") if r == 0 else ""
                    res = run_method(method, tag, dict(spec, out_npy=npy), workdir, args.timeout)
                    last[method] = res
                    if res["status"] == "ok":
                        rounds[method].append(res)
                        if npy:
                            outputs[method] = np.load(npy)
                    print(f"[{key}] round {r} {method}: {res['status']} "
                          + (f"{res['median_s'] * 1e3:.1f} ms, warm-up {res['warmup_s'] * 1e3:.0f} ms, "
                             f"{res['peak_rss_mb']:.0f} MB" if res["status"] == "ok"
                             else res.get("reason", "")[:300]), file=sys.stderr)
            rows = {}
            ref = outputs.get(REFERENCE)
            if ref is None and outputs:
                ref = next(iter(outputs.values()))
            for method in methods:
                if not rounds[method]:
                    rows[method] = {k: v for k, v in last.get(method, {"status": "not run"}).items()
                                    if k in ("status", "reason", "traceback")}
                    continue
                med = statistics.median(x["median_s"] for x in rounds[method])
                row = {"median_s": med, "crops_per_s": BATCH / med,
                       "rounds_s": [x["median_s"] for x in rounds[method]],
                       "peak_rss_mb": max(x["peak_rss_mb"] for x in rounds[method]),
                       "notes": rounds[method][-1].get("notes", [])}
                if ref is not None and method in outputs:
                    diff = np.abs(outputs[method].astype(np.int16) - ref.astype(np.int16))
                    per_item = diff.reshape(BATCH, -1).mean(1)
                    row.update(mad=float(diff.mean()), mad_worst=float(per_item.max()),
                               mad_flag=bool(per_item.max() > args.max_mad))
                rows[method] = row
            base = rows.get("parcrop", {}).get("median_s")
            for method, row in rows.items():
                if base and method != "parcrop" and "median_s" in row:
                    row["parcrop_speedup"] = row["median_s"] / base
            results[key] = rows
    shutil.rmtree(workdir, ignore_errors=True)
    meta["boxes"] = {w: make_boxes(w, width, height, args.seed).tolist() for w in workloads}
    text = markdown(results, meta)
    print(text)
    if args.out_md:
        with open(args.out_md, "w") as f:
            f.write(text + "\n")
    if args.out_json:
        with open(args.out_json, "w") as f:
            json.dump({"meta": meta, "results": results}, f, indent=1)
    flagged = [f"{k}: {m}" for k, rows in results.items() for m, r in rows.items()
               if r.get("mad_flag")]
    if flagged:
        print("bench_slides: outputs differ from OpenSlide's beyond --max-mad: "
              + ", ".join(flagged), file=sys.stderr)
    return 0


def versions():
    from importlib import metadata

    out = {}
    for name in ("numpy", "pillow", "openslide-python", "openslide-bin", "tifffile",
                 "imagecodecs", "zarr", "pyvips", "cffi"):
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            pass
    return out


if __name__ == "__main__":
    sys.exit(main())
