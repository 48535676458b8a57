#!/usr/bin/env bash
# Installs what parcrop needs on Debian 12, builds it, and makes the Python test
# environment. Safe to run again: it installs only what is missing.
#
#   scripts/setup.sh                          # system packages, then build/ (Release)
#   scripts/setup.sh --system-packages-only   # only the Debian packages
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(build-essential cmake ninja-build pkg-config python3-venv
          libjpeg62-turbo-dev libjpeg-turbo-progs libspng-dev libstb-dev zlib1g-dev libisal-dev libzstd-dev libhwy-dev libwebp-dev catch2
          # the Python tests' TIFF references: pyvips loads libvips at run time; libvips-tools is `vips`
          libvips-tools libvips42)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "installing: ${missing[*]}"
  sudo_cmd=""
  [[ $(id -u) -eq 0 ]] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}" > /dev/null
fi

[[ "${1:-}" == "--system-packages-only" ]] && exit 0

cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release > /dev/null
cmake --build build -j"$(nproc)"
