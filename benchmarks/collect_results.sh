#!/usr/bin/env bash
# Assembles run_all.sh's outputs in OUT_DIR into OUT_DIR/bench-results.md, the file that
# docs/bench-results.md is a copy of.
#
#   benchmarks/collect_results.sh OUT_DIR
set -euo pipefail
OUT=${1:?usage: collect_results.sh OUT_DIR}
{
  echo "# Benchmark results"
  echo
  echo "Produced by \`RUST_LIB=.../libparallel_image_crop.so LARGE_IMAGES=/tmp/large SLIDES=/tmp/parcrop_slides benchmarks/run_all.sh\`" \
       "on a $(nproc)-core $(. /etc/os-release && echo "$PRETTY_NAME") machine; collected $(date -u '+%Y-%m-%d %H:%M') UTC." \
       "The README's summary comes from these files."
  echo
  echo "## bench_crop.py (all methods)"
  tail -n +2 "$OUT/bench.md"
  echo
  echo "## region_bench (C++)"
  echo
  cat "$OUT/region_bench.md"
  echo
  echo "## png_bench (C++): where PNG time goes"
  echo
  cat "$OUT/png_bench.md"
  if [[ -f "$OUT/large.md" ]]; then
    echo
    echo "## 8000x8000 RGB JPEGs (32 distinct files, 2 threads)"
    echo
    cat "$OUT/large.md"
  fi
  if [[ -f "$OUT/slides.md" ]]; then
    echo
    echo "## bench_slides.py: tiled pyramidal TIFF (SLIDES=DIR)"
    tail -n +2 "$OUT/slides.md"
  fi
  echo
  echo "## File sizes (bytes) before and after parcrop-prepare"
  echo
  echo '```'
  cat "$OUT/sizes.txt"
  echo '```'
} > "$OUT/bench-results.md"
echo "collect_results: wrote $OUT/bench-results.md"
