"""Test setup for the parcrop Python package.

Two ways to run these tests (see tests/python/README.md):

* against an installed package: ``pip install .`` then ``pytest tests/python``;
* against a CMake build directory, without installing: set
  ``PARCROP_LIBRARY=/path/to/build/libparcrop.so``; the package is then imported
  from this checkout's bindings/python and loads that library.
"""

import os
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

if os.environ.get("PARCROP_LIBRARY"):
    sys.path.insert(0, str(REPO / "bindings" / "python"))


@pytest.fixture
def rng():
    import numpy as np

    return np.random.default_rng(20240611)


def pytest_report_header(config):
    try:
        import parcrop
    except Exception as exc:  # reported by the tests themselves
        return f"parcrop: not importable ({exc})"
    return (f"parcrop {parcrop.__version__} from {os.path.dirname(parcrop.__file__)}, "
            f"library {parcrop.library_path()}")
