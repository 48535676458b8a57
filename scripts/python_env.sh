#!/usr/bin/env bash
# Creates .venv and installs parcrop into it with pip (pip install .), plus the test
# requirements. The venv is reused; the package is reinstalled each time.
set -euo pipefail
cd "$(dirname "$0")/.."
[[ -x .venv/bin/python ]] || python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip > /dev/null
.venv/bin/python -m pip install -q -r tests/python/requirements.txt
.venv/bin/python -m pip install -q .
