"""Feed parcrop glimpses to a PyTorch training loop through a multi-process DataLoader.

Each dataset item is one point of one image, seen as several nested glimpses (square
crops of growing size centred on the point, all resized to the same window), as in
recurrent attention models. parcrop crops all glimpses of an item in one call; the
image is decoded once for them. The script makes its own images (PPM files with a
coloured disk on noise; the label is the disk's colour) and trains a tiny network for
a few steps.

    python examples/pytorch_glimpses.py --steps 20

Needs torch, numpy and parcrop (``pip install .`` from the repository root).

OpenMP and forked DataLoader workers
------------------------------------
libparcrop runs each batch on OpenMP threads. With GNU OpenMP (libgomp, what GCC
builds use), a process that has run an OpenMP parallel region and then calls fork()
can hang in the child at its first parallel region: the child inherits the parent's
thread-pool state but not its threads. PyTorch's DataLoader forks its workers by
default on Linux. libparcrop itself detects a forked child and runs its batches on
fresh threads there, but other libgomp users in the same process (torch's own CPU
kernels, some BLAS builds) do not. So, when the main process does parallel work
before the workers start:

* create the DataLoader with ``multiprocessing_context="spawn"`` (or "forkserver"),
  as this script does: workers start from a fresh interpreter; or
* if you fork, use ``parcrop.Cropper(num_threads=1)`` in the workers: the
  DataLoader's processes give the parallelism anyway, and one thread per worker
  avoids oversubscribing the cores (workers x threads per batch).

This script uses both: spawn, and one parcrop thread per worker. ``--context fork``
is there to experiment with; it is not recommended.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from typing import List, Optional, Sequence, Tuple

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset

import parcrop

COLOURS = np.array([[230, 40, 40], [40, 200, 60], [50, 80, 230]], np.uint8)  # the three classes
GLIMPSE_SCALES = (0.08, 0.16, 0.32)  # sides of the nested glimpses, as fractions of the image
WINDOW = 16


def write_ppm(path: str, image: np.ndarray) -> None:
    """A binary PPM: any image format parcrop reads would do; this one needs no encoder."""
    height, width, _ = image.shape
    with open(path, "wb") as file:
        file.write(b"P6 %d %d 255\n" % (width, height))
        file.write(np.ascontiguousarray(image, np.uint8).tobytes())


def make_images(folder: str, count: int, seed: int = 0) -> List[Tuple[str, float, float, int]]:
    """Images with one coloured disk on noise; returns (path, x, y, label) per image."""
    rng = np.random.default_rng(seed)
    items = []
    for i in range(count):
        height, width = (int(v) for v in rng.integers(120, 260, 2))
        image = rng.integers(0, 120, (height, width, 3), dtype=np.uint8)
        label = int(rng.integers(0, len(COLOURS)))
        cx, cy = rng.uniform(0.2, 0.8) * width, rng.uniform(0.2, 0.8) * height
        radius = 0.08 * min(width, height)
        yy, xx = np.mgrid[0:height, 0:width]
        image[(xx - cx) ** 2 + (yy - cy) ** 2 <= radius**2] = COLOURS[label]
        path = os.path.join(folder, f"image{i:04d}.ppm")
        write_ppm(path, image)
        items.append((path, cx / width, cy / height, label))
    return items


class GlimpseDataset(Dataset):
    """Item i: the nested glimpses around point i as a float tensor [G, 3, WINDOW, WINDOW]."""

    def __init__(self, items: Sequence[Tuple[str, float, float, int]], num_threads: int = 1) -> None:
        self.items = list(items)
        self.num_threads = num_threads
        self._cropper: Optional[parcrop.Cropper] = None
        self._pid = -1

    def __getstate__(self) -> dict:
        # Workers get the settings, not the native context: each makes its own.
        state = dict(self.__dict__)
        state["_cropper"], state["_pid"] = None, -1
        return state

    @property
    def cropper(self) -> parcrop.Cropper:
        if self._cropper is None or self._pid != os.getpid():
            self._cropper = parcrop.Cropper(num_threads=self.num_threads)
            self._pid = os.getpid()
        return self._cropper

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, index: int) -> Tuple[torch.Tensor, int]:
        path, x, y, label = self.items[index]
        scales = np.array(GLIMPSE_SCALES, np.float32)
        # parcrop.crop places a glimpse by its top-left corner; centre it on the point.
        left = np.clip(x - scales / 2, 0.0, 1.0)
        top = np.clip(y - scales / 2, 0.0, 1.0)
        glimpses = self.cropper.crop([path] * len(scales), left, top, scales, window_size=WINDOW,
                                     channels=3, max_img_percent=1.0, filter="area")
        tensor = torch.from_numpy(glimpses).permute(0, 3, 1, 2).float().div_(255.0)
        return tensor, label


class GlimpseNet(nn.Module):
    """A tiny network: a shared conv encoder per glimpse, glimpse features concatenated."""

    def __init__(self, glimpses: int, classes: int) -> None:
        super().__init__()
        self.encoder = nn.Sequential(
            nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(8, 16, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten())
        self.head = nn.Linear(16 * glimpses, classes)

    def forward(self, glimpses: torch.Tensor) -> torch.Tensor:
        batch, count = glimpses.shape[:2]
        features = self.encoder(glimpses.flatten(0, 1)).view(batch, count * 16)
        return self.head(features)


def train(steps: int, workers: int, context: str, batch_size: int = 16, seed: int = 0) -> float:
    torch.manual_seed(seed)
    with tempfile.TemporaryDirectory() as folder:
        items = make_images(folder, 64, seed)
        dataset = GlimpseDataset(items, num_threads=1)
        # The parent uses parcrop (and so OpenMP) before the workers start: exactly the
        # situation in which forking is unsafe with libgomp. See the module docstring.
        preview = dataset[0][0]
        print(f"one item: {tuple(preview.shape)} glimpses, parcrop {parcrop.__version__}")
        loader = DataLoader(dataset, batch_size=batch_size, shuffle=True, num_workers=workers,
                            multiprocessing_context=context if workers > 0 else None,
                            persistent_workers=workers > 0, drop_last=True)
        model = GlimpseNet(len(GLIMPSE_SCALES), len(COLOURS))
        optimiser = torch.optim.Adam(model.parameters(), lr=0.01)
        loss_fn = nn.CrossEntropyLoss()
        step, loss_value = 0, float("nan")
        start = time.perf_counter()
        while step < steps:
            for glimpses, labels in loader:
                optimiser.zero_grad()
                loss = loss_fn(model(glimpses), labels)
                loss.backward()
                optimiser.step()
                loss_value = loss.item()
                step += 1
                print(f"step {step:3d}  loss {loss_value:.4f}")
                if step >= steps:
                    break
        print(f"{steps} steps in {time.perf_counter() - start:.1f} s with {workers} {context} workers")
        return loss_value


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--context", default="spawn", choices=["spawn", "forkserver", "fork"])
    args = parser.parse_args(argv)
    loss = train(args.steps, args.workers, args.context)
    return 0 if np.isfinite(loss) else 1


if __name__ == "__main__":  # required by the spawn context: workers re-import this module
    raise SystemExit(main())
