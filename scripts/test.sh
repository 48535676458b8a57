#!/usr/bin/env bash
# Every test: installs what is missing, builds, runs the C/C++ suite (CTest), installs
# the Python package into .venv and runs its tests, builds the wheel and the sdist and
# tests each in a fresh environment, then the sanitizer builds and the fuzz smoke runs.
# Exits non-zero on any failure.
#
#   scripts/test.sh               # everything
#   PARCROP_QUICK=1 scripts/test.sh   # skip the wheel, the sanitizers and fuzzing
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh
echo "== C and C++ tests (ctest)"
(cd build && ctest --output-on-failure -j"$(nproc)")

echo "== Python package and tests (pytest)"
scripts/python_env.sh
.venv/bin/python -m pytest -q tests/python

if [[ -z "${PARCROP_QUICK:-}" ]]; then
  echo "== The wheel and the sdist, each in a fresh environment"
  scripts/build_wheel.sh
  scripts/test_wheel.sh
fi

if [[ -z "${PARCROP_QUICK:-}" && -x scripts/sanitize.sh ]]; then
  echo "== Sanitizers and fuzzing"
  scripts/sanitize.sh
fi
