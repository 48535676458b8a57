#!/usr/bin/env bash
# Installs the built parcrop into a scratch prefix, then builds and runs a consumer
# project against it with find_package and with pkg-config.
set -euo pipefail
build_dir=$1
source_dir=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cmake --install "$build_dir" --prefix "$work/prefix" > /dev/null
export PKG_CONFIG_PATH="$work/prefix/lib/pkgconfig:$work/prefix/lib/x86_64-linux-gnu/pkgconfig"
cmake -S "$source_dir" -B "$work/build" -DCMAKE_PREFIX_PATH="$work/prefix" > /dev/null
cmake --build "$work/build" > /dev/null
libdir=$(dirname "$(find "$work/prefix" -name 'libparcrop.so' | head -n 1)")
LD_LIBRARY_PATH="$libdir" "$work/build/consumer_cmake"
LD_LIBRARY_PATH="$libdir" "$work/build/consumer_pkgconfig"
