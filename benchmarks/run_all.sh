#!/usr/bin/env bash
# Every figure in the README's benchmark section, from one command:
#   1. make_images.py: 32 distinct files per workload (cached);
#   2. parcrop-prepare: copies of the JPEG workloads with restart markers (*_rst);
#   3. region_bench: full decode vs region vs region+DCT vs random access, per image
#      and per batch, with peak memory (C++, no Python in the way);
#      png_bench: where PNG time goes (zlib and ISA-L inflate alone, libspng, parcrop);
#   4. bench_crop.py: parcrop against the Rust original and the Python peers;
#   5. with LARGE_IMAGES=DIR: the 8000x8000 memory check (32 distinct RGB JPEGs made by
#      make_large_images.py, 2 threads);
#   6. with SLIDES=DIR: bench_slides.py on 4+4 tiled pyramidal TIFF slides made by
#      make_slides.py (40,000 x 40,000, JPEG and Deflate; 7.6 GB, built once in
#      about 23 minutes);
#   7. summarize.py and collect_results.sh: the README's table and chart, and
#      OUT/bench-results.md (what docs/bench-results.md holds).
#
#   benchmarks/run_all.sh [OUT_DIR]      (default bench-out/)
#
# Needs: a build in build/ (scripts/setup.sh), the peers' venv (benchmarks/setup_peers.sh
# VENV; PY=VENV/bin/python), optionally RUST_LIB=.../libparallel_image_crop.so.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-bench-out}
PY=${PY:-/work/venv-bench/bin/python}
IMAGES=${IMAGES:-/tmp/parcrop_bench_images}
mkdir -p "$OUT"

"$PY" benchmarks/make_images.py --out "$IMAGES" --count 32
for w in gray4k_jpg rgb2560_jpg rgb500_jpg; do
  [[ -d "$IMAGES/${w}_rst" ]] || build/tools/parcrop-prepare -q -o "$IMAGES/${w}_rst" "$IMAGES/$w"
done
du -sb "$IMAGES"/*_jpg "$IMAGES"/*_rst | tee "$OUT/sizes.txt"

build/benchmarks/region_bench "$IMAGES" --trials 15 | tee "$OUT/region_bench.md"
build/benchmarks/png_bench "$IMAGES" --trials 5 | tee "$OUT/png_bench.md"

rust_args=()
[[ -n "${RUST_LIB:-}" ]] && rust_args=(--rust-lib "$RUST_LIB")
# Batches of small images take a few milliseconds, so one slow trial on a shared machine
# moves a median of five; fast methods get TRIALS trials, slow ones stop at the budget.
"$PY" benchmarks/bench_crop.py --images "$IMAGES" --parcrop-lib build/libparcrop.so "${rust_args[@]}" \
  --num-trials "${TRIALS:-25}" --out-md "$OUT/bench.md" --out-json "$OUT/bench.json" --out-png "$OUT/bench.png"

if [[ -n "${LARGE_IMAGES:-}" ]]; then
  "$PY" benchmarks/make_large_images.py --source "$IMAGES/rgb2560_jpg" --out "$LARGE_IMAGES" --count 32
  build/benchmarks/region_bench "$LARGE_IMAGES" --trials 3 --threads 2 | tee "$OUT/large.md"
fi

if [[ -n "${SLIDES:-}" ]]; then
  "$PY" benchmarks/make_slides.py --images "$IMAGES" --out "$SLIDES"
  "$PY" benchmarks/bench_slides.py --slides "$SLIDES" --parcrop-lib build/libparcrop.so \
    --out-md "$OUT/slides.md" --out-json "$OUT/slides.json"
fi

"$PY" benchmarks/summarize.py "$OUT/bench.json" --out-md "$OUT/summary.md" --out-png "$OUT/summary.png"

benchmarks/collect_results.sh "$OUT"
