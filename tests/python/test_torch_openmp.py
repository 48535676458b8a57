"""parcrop beside torch: two OpenMP runtimes in one process (torch's wheel brings its own
libgomp, and parcrop's wheel another). Both import orders, batches of both libraries on
threads in turn, and a DataLoader whose forked or spawned workers crop with parcrop: no
hang, no crash, the same bytes as a process without torch. Each case runs in a fresh
interpreter with a timeout, so a hang fails the test instead of blocking the suite.

Skipped where torch is not installed (CI's environment does not hold it; see
docs/release.md for the run made before a release)."""

import importlib.util
import os
import subprocess
import sys

import numpy as np
import pytest

import parcrop
from parcrop_testutil import child_env, encode, smooth

pytestmark = pytest.mark.skipif(importlib.util.find_spec("torch") is None, reason="torch is not installed")

TIMEOUT = 180

# A file, not `python -c`: spawned DataLoader workers import the main module to find Crops.
_SCRIPT = r"""
import sys
import numpy as np


class Crops:
    def __init__(self, path):
        data = np.load(path, allow_pickle=True)
        self.sources, self.boxes = list(data["sources"]), data["boxes"]

    def __len__(self):
        return len(self.sources)

    def __getitem__(self, index):
        import parcrop, torch
        crop = parcrop.crop_boxes([self.sources[index]], self.boxes[index:index + 1], 24, num_threads=2)
        return torch.from_numpy(crop[0])


if __name__ == "__main__":
    order, path, workers = sys.argv[1:4]
    modules = {name: __import__(name) for name in order.split(",")}
    parcrop, torch = modules["parcrop"], modules["torch"]
    crops = Crops(path)
    expected = np.load(path, allow_pickle=True)["expected"]
    torch.set_num_threads(2)
    for _ in range(3):
        a = torch.randn(256, 256)
        (a @ a).sum().item()  # torch's OpenMP threads
        got = parcrop.crop_boxes(crops.sources, crops.boxes, 24, num_threads=2)  # parcrop's
        assert np.array_equal(got, expected), "parcrop's bytes changed beside torch"
    if workers != "none":
        loader = torch.utils.data.DataLoader(crops, batch_size=4, num_workers=2, multiprocessing_context=workers)
        got = np.concatenate([batch.numpy() for batch in loader])
        assert np.array_equal(got, expected), "DataLoader workers cropped other bytes"
    print("ok")
"""


@pytest.fixture(scope="module")
def job(tmp_path_factory):
    rng = np.random.default_rng(5)
    sources = np.array([encode(smooth(rng, 90, 120, 3), "JPEG", quality=90) for _ in range(8)], dtype=object)
    boxes = np.array([[4, 6, 100, 80], [0, 0, 120, 90]] * 4, dtype=np.float64)
    expected = parcrop.crop_boxes(list(sources), boxes, 24, num_threads=2)  # no torch in this process
    folder = tmp_path_factory.mktemp("torch")
    np.savez(folder / "job.npz", sources=sources, boxes=boxes, expected=expected)
    (folder / "torch_and_parcrop.py").write_text(_SCRIPT)
    return folder


@pytest.mark.parametrize("order", ["parcrop,torch", "torch,parcrop"])
@pytest.mark.parametrize("workers", ["none", "fork", "spawn"])
def test_parcrop_and_torch_in_one_process(job, order, workers):
    env = child_env(os.path.dirname(os.path.abspath(__file__)))
    result = subprocess.run([sys.executable, str(job / "torch_and_parcrop.py"), order, str(job / "job.npz"), workers],
                            capture_output=True, text=True, env=env, timeout=TIMEOUT)
    assert result.returncode == 0 and result.stdout.strip().endswith("ok"), result.stdout + result.stderr
