#!/usr/bin/env bash
# Installs the wheel from scripts/build_wheel.sh into a fresh virtual environment and runs
# the Python tests against it where the system's libjpeg, libwebp, libisal, libzstd, libhwy
# and libgomp cannot be found: in a private mount namespace each of those files is covered
# by an empty one, so a library the wheel failed to bundle fails the run. (libzstd is also
# used by system tools such as gcc and cmake; only this namespace's processes, the venv's
# Python and the manylinux wheels it loads, which carry their own, lose it.) Then builds the sdist
# from source in another fresh environment and runs the tests against that.
#
#   scripts/test_wheel.sh [WHEEL]      # default: the one in dist/
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD

wheel=${1:-$(ls dist/parcrop-*-manylinux_*.whl 2>/dev/null | head -1)}
sdist=$(ls dist/parcrop-*.tar.gz 2>/dev/null | head -1)
[[ -f "$wheel" && -f "$sdist" ]] || { echo "test_wheel: no wheel or sdist in dist/; run scripts/build_wheel.sh"; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
hidden=(libjpeg.so.62 libwebp.so.7 libisal.so.2 libzstd.so.1 libhwy.so.1 libgomp.so.1)

echo "== the wheel in a fresh environment, without ${hidden[*]}"
python3 -m venv "$work/wheel-env"
"$work/wheel-env/bin/python" -m pip install -q --upgrade pip > /dev/null
"$work/wheel-env/bin/python" -m pip install -q "$wheel" -r tests/python/requirements.txt

# The real files behind the sonames, each covered by an empty file inside the namespace.
targets=()
for soname in "${hidden[@]}"; do
  # awk reads to the end: leaving early would kill ldconfig with SIGPIPE, failing the pipe.
  path=$(/sbin/ldconfig -p | awk -v name="$soname" '$1 == name && /x86-64/ && !found {print $NF; found = 1}')
  [[ -n "$path" ]] && targets+=("$(readlink -f "$path")")
done
touch "$work/empty"
unshare_args=(--mount)
[[ $(id -u) -eq 0 ]] || unshare_args=(--map-root-user --mount)

HIDDEN_SONAMES="${hidden[*]}" unshare "${unshare_args[@]}" bash -euo pipefail -c '
  empty=$1; python=$2; repo=$3; shift 3
  for target in "$@"; do mount --bind "$empty" "$target"; done
  # The hiding must work, or this test proves nothing.
  for soname in $HIDDEN_SONAMES; do
    if "$python" -c "import ctypes, sys; ctypes.CDLL(sys.argv[1])" "$soname" 2> /dev/null; then
      echo "test_wheel: $soname is still loadable; the system libraries are not hidden"; exit 1
    fi
  done
  cd /
  "$python" -c "import parcrop; print(\"parcrop\", parcrop.__version__, \"from\", parcrop.library_path())"
  env -u PARCROP_LIBRARY "$python" -m pytest -q -p no:cacheprovider --rootdir "$repo" "$repo/tests/python"
' _ "$work/empty" "$work/wheel-env/bin/python" "$repo" "${targets[@]}"

echo "== the sdist, built from source in a fresh environment"
python3 -m venv "$work/sdist-env"
"$work/sdist-env/bin/python" -m pip install -q --upgrade pip > /dev/null
"$work/sdist-env/bin/python" -m pip install -q "$sdist" -r tests/python/requirements.txt
(cd / && env -u PARCROP_LIBRARY "$work/sdist-env/bin/python" -m pytest -q -p no:cacheprovider --rootdir "$repo" \
  "$repo/tests/python")
