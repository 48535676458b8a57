"""Training input for an image classifier: RandomResizedCrop(224) + flips, a batch per call.

A Dataset that returns whole batches: the DataLoader's BatchSampler hands each worker a
list of indices, and parcrop.transforms.RandomResizedCrop turns their files into one
uint8 [N, 224, 224, 3] batch (sizes from the headers, torchvision's boxes and flips per
(seed, epoch, index), only each box decoded). The batch goes to the model as an NCHW
channels_last tensor; normalisation happens there, as it would on a GPU. The script makes
its own JPEGs (a coloured square on noise; the label is the colour) and trains a tiny
network for a few steps.

    python examples/pytorch_training_crops.py --steps 20

Needs torch, numpy, Pillow and parcrop (``pip install .`` from the repository root).
Workers are spawned and use one parcrop thread each (see pytorch_glimpses.py on OpenMP
and forked workers).
"""

from __future__ import annotations

import argparse
import os
import tempfile

import numpy as np
import torch
from PIL import Image

import parcrop.transforms as T

COLOURS = [(220, 40, 40), (40, 200, 60), (50, 80, 230)]


def make_images(folder: str, count: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    paths, labels = [], []
    for i in range(count):
        height, width = (int(v) for v in rng.integers(300, 700, 2))
        pixels = rng.integers(0, 256, (height, width, 3), dtype=np.uint8)
        label = i % len(COLOURS)
        size = min(height, width) // 2
        top, left = int(rng.integers(0, height - size)), int(rng.integers(0, width - size))
        pixels[top:top + size, left:left + size] = COLOURS[label]
        path = os.path.join(folder, f"{i:03d}.jpg")
        Image.fromarray(pixels).save(path, quality=90)
        paths.append(path)
        labels.append(label)
    return paths, labels


class CropBatches(torch.utils.data.Dataset):
    """Indexed by a list of sample indices (from a BatchSampler): returns their batch."""

    def __init__(self, paths, labels, transform):
        self.paths, self.labels, self.transform = paths, labels, transform
        self.epoch = 0

    def __len__(self):
        return len(self.paths)

    def __getitem__(self, indices):
        batch = self.transform([self.paths[i] for i in indices], indices=indices, epoch=self.epoch)
        return torch.from_numpy(batch), torch.tensor([self.labels[i] for i in indices])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    torch.manual_seed(0)
    with tempfile.TemporaryDirectory() as folder:
        paths, labels = make_images(folder, 48)
        transform = T.RandomResizedCrop(224, scale=(0.25, 1.0), flip_p=0.5, seed=0, num_threads=1)
        dataset = CropBatches(paths, labels, transform)
        sampler = torch.utils.data.BatchSampler(torch.utils.data.RandomSampler(dataset), args.batch, drop_last=True)
        loader = torch.utils.data.DataLoader(dataset, sampler=sampler, batch_size=None, num_workers=args.workers,
                                             multiprocessing_context="spawn" if args.workers else None)
        model = torch.nn.Sequential(torch.nn.Conv2d(3, 8, 5, stride=4), torch.nn.ReLU(),
                                    torch.nn.AdaptiveAvgPool2d(1), torch.nn.Flatten(), torch.nn.Linear(8, 3))
        optimiser = torch.optim.SGD(model.parameters(), lr=0.05)
        mean = torch.tensor([124.0, 116.0, 104.0]).view(1, 3, 1, 1)
        step = 0
        while step < args.steps:
            for images, targets in loader:
                # NHWC uint8 from parcrop; an NCHW view in channels_last layout for the model.
                x = (images.permute(0, 3, 1, 2).float() - mean) / 58.0
                loss = torch.nn.functional.cross_entropy(model(x), targets)
                optimiser.zero_grad()
                loss.backward()
                optimiser.step()
                step += 1
                print(f"step {step:3d}  loss {loss.item():.3f}  batch {tuple(images.shape)}")
                if step == args.steps:
                    break
            dataset.epoch += 1  # spawned workers hold their own copy; next epoch's iterator re-sends it
    print("ok")


if __name__ == "__main__":
    main()
