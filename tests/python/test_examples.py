"""The Python examples run as documented (so the README cannot drift from them)."""

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

from parcrop_testutil import child_env

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _run(script, *args, timeout=600):
    return subprocess.run([sys.executable, str(EXAMPLES / script), *args], capture_output=True, text=True,
                          env=child_env(), timeout=timeout)


@pytest.mark.parametrize("script", ["python_quickstart.py", "ctypes_rust_api.py"])
def test_plain_examples(script):
    result = _run(script, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "ok" in result.stdout


@pytest.mark.skipif(importlib.util.find_spec("tifffile") is None, reason="tifffile is not installed")
def test_slide_crops_example():
    # It asserts its crops equal level 0's pixels and level 2's, as tifffile reads them.
    result = _run("slide_crops.py", timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "levels: [(3072, 2048, 1.0), (1536, 1024, 2.0), (768, 512, 4.0)]" in result.stdout
    assert result.stdout.rstrip().endswith("ok")


@pytest.mark.skipif(importlib.util.find_spec("torch") is None, reason="torch is not installed")
def test_pytorch_glimpses_example():
    # Two spawn DataLoader workers, a few training steps on generated images.
    result = _run("pytorch_glimpses.py", "--steps", "3", "--workers", "2")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "step   3" in result.stdout


@pytest.mark.skipif(importlib.util.find_spec("torch") is None, reason="torch is not installed")
def test_pytorch_training_crops_example():
    # Batches from a BatchSampler, two spawned workers, an epoch boundary (48 images, 16 a batch).
    result = _run("pytorch_training_crops.py", "--steps", "5", "--workers", "2")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "step   5" in result.stdout and "(16, 224, 224, 3)" in result.stdout


@pytest.mark.skipif(importlib.util.find_spec("ray") is None, reason="ray is not installed")
def test_ray_example():
    # A local Ray instance: a Parquet manifest cropped and written, then streamed in batches.
    result = _run("ray_crops.py")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "cropped 60 rows, 0 failed" in result.stdout and "step 3: a batch of 12 crops" in result.stdout
