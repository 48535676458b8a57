#!/usr/bin/env bash
# The main job: installs what is missing, builds, then crops batches of 32 glimpses
# from built-in sample photographs, prints the time per batch and writes a contact
# sheet of the crops to parcrop-demo/contact-sheet.png.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
build/examples/crop_demo parcrop-demo "${1:-20}"
