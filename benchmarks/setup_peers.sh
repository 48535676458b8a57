#!/usr/bin/env bash
# Creates the benchmark virtual environment and installs the peer libraries that
# bench_crop.py, bench_train.py and bench_slides.py compare parcrop against. Each peer is installed on its own, so one
# that fails (no wheel for this Python, a build error, no network) is reported as
# missing and the rest still install. The benchmark itself reports a peer it
# cannot import as "missing".
#
# Usage: benchmarks/setup_peers.sh [VENV_DIR]        (default /work/venv-bench)
# Environment:
#   PINNED=1        install the versions in requirements-peers.txt (default: 1)
#   WITH_TORCH=1    also try torch (the PyPI wheel pulls ~6 GB of CUDA wheels; unused
#                   by bench_crop.py; off by default)
#   WITH_SIMD=1     also try to build pillow-simd into a wheel (needs a C compiler,
#                   libjpeg and zlib headers); on success it is installed in place of
#                   pillow only if REPLACE_PILLOW=1, since both provide the PIL module.
#   APT=1           apt-get install libvips-dev first (needed by pyvips; default: 1
#                   when running as root and libvips is absent)
set -u

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="${1:-/work/venv-bench}"
pinned="${PINNED:-1}"
req="$here/requirements-peers.txt"
py="${PYTHON:-python3}"

installed=()
missing=()

note() { printf '[setup_peers] %s\n' "$*"; }

# libvips for pyvips (its cffi binding loads libvips.so.42 at import time).
if ! pkg-config --exists vips 2>/dev/null; then
    if [ "${APT:-1}" = "1" ] && [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
        note "installing libvips-dev with apt-get"
        (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -q libvips-dev) \
            >/tmp/setup_peers_apt.log 2>&1 || note "apt-get failed (see /tmp/setup_peers_apt.log); pyvips will be missing"
    else
        note "libvips not found and not installing it; pyvips will be missing"
    fi
fi

if [ ! -x "$venv/bin/python" ]; then
    note "creating venv $venv"
    "$py" -m venv "$venv" || { note "cannot create venv $venv"; exit 1; }
fi
pip=("$venv/bin/python" -m pip)
"${pip[@]}" install -q --upgrade pip setuptools wheel >/dev/null 2>&1 || note "could not upgrade pip (continuing)"

# spec_for NAME: the pinned line from requirements-peers.txt, or NAME itself.
spec_for() {
    local name="$1" line
    if [ "$pinned" = "1" ] && [ -f "$req" ]; then
        line="$(grep -iE "^(#optional )?${name}==" "$req" | head -n1)"
        line="${line#\#optional }"
        if [ -n "$line" ]; then printf '%s' "$line"; return; fi
    fi
    printf '%s' "$name"
}

install_peer() {
    local name="$1" spec
    spec="$(spec_for "$name")"
    note "installing $spec"
    if "${pip[@]}" install -q "$spec" >"/tmp/setup_peers_${name}.log" 2>&1; then
        installed+=("$name")
    else
        note "  FAILED: $name (see /tmp/setup_peers_${name}.log)"
        missing+=("$name")
    fi
}

# Order matters a little: numpy first so later packages resolve against it.
for p in numpy cffi pillow matplotlib joblib pyvips opencv-python-headless \
         nvidia-dali-cuda120 tensorflow-cpu \
         openslide-bin openslide-python tifffile imagecodecs zarr; do
    install_peer "$p"
done

if [ "${WITH_TORCH:-0}" = "1" ]; then
    install_peer torch
fi

if [ "${WITH_SIMD:-0}" = "1" ]; then
    note "building pillow-simd wheel (this compiles C code)"
    wd="$(mktemp -d)"
    if CC="${CC:-cc} -mavx2" "${pip[@]}" wheel --no-deps -w "$wd" "$(spec_for pillow-simd)" \
            >/tmp/setup_peers_pillow-simd.log 2>&1; then
        note "  pillow-simd wheel built: $(ls "$wd")"
        if [ "${REPLACE_PILLOW:-0}" = "1" ]; then
            "${pip[@]}" uninstall -y -q pillow && "${pip[@]}" install -q "$wd"/*.whl \
                && installed+=(pillow-simd) || missing+=(pillow-simd)
        else
            note "  not installed (REPLACE_PILLOW=1 to replace pillow with it)"
        fi
    else
        note "  FAILED: pillow-simd (see /tmp/setup_peers_pillow-simd.log)"
        missing+=(pillow-simd)
    fi
fi

# Import check: a package can install and still fail to import (missing .so).
for mod in numpy cffi PIL matplotlib pyvips cv2 nvidia.dali tensorflow openslide tifffile \
           imagecodecs zarr torch; do
    if "$venv/bin/python" -c "import $mod" >/dev/null 2>&1; then
        note "import ok: $mod"
    else
        note "import FAILED: $mod"
    fi
done

note "installed: ${installed[*]:-none}"
note "missing:   ${missing[*]:-none}"
exit 0
