"""Random crop boxes drawn as torchvision draws them, from image sizes alone.

:func:`random_resized_crop_boxes` is torchvision's ``RandomResizedCrop.get_params``
for a batch: up to 10 tries of an area uniform in ``scale`` and an aspect ratio
log-uniform in ``ratio``, then the centred fallback. With ``backend="torch"`` it makes
the very calls torchvision makes, in the same order, on a ``torch.Generator``: seeded
alike, it returns torchvision's boxes. With ``backend="numpy"`` (no torch needed) the
same algorithm draws from numpy's PCG64; the boxes follow the same distribution, not
the same values.

Reproducibility does not depend on workers or order: unless a ``generator`` is given,
each item draws from its own stream, seeded by ``(seed, epoch, index)``.
"""

from __future__ import annotations

import math
from typing import Any, Optional, Sequence, Tuple

import numpy as np

__all__ = ["random_resized_crop_boxes", "random_resized_crops", "item_seed"]


def item_seed(seed: int, epoch: int, index: int) -> int:
    """The 63-bit seed of one item's stream: numpy's SeedSequence of the three numbers."""
    for name, value in (("seed", seed), ("epoch", epoch), ("index", index)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0:
            raise ValueError(f"{name} must be an int >= 0, got {value!r}")
    state = np.random.SeedSequence([int(seed), int(epoch), int(index)]).generate_state(1, np.uint64)[0]
    return int(state) & ((1 << 63) - 1)


def _params_from_draws(width: int, height: int, scale: Tuple[float, float], ratio: Tuple[float, float],
                       draw: Any) -> Tuple[int, int, int, int]:
    """torchvision's get_params: (top, left, height, width). ``draw`` makes the random
    draws in torchvision's order: area fraction, aspect ratio, then top and left."""
    area = height * width
    for _ in range(10):
        target_area = area * draw.area_fraction(scale[0], scale[1])
        aspect_ratio = draw.aspect_ratio()
        w = int(round(math.sqrt(target_area * aspect_ratio)))
        h = int(round(math.sqrt(target_area / aspect_ratio)))
        if 0 < w <= width and 0 < h <= height:
            top = draw.integer(0, height - h + 1)
            left = draw.integer(0, width - w + 1)
            return top, left, h, w
    in_ratio = float(width) / float(height)
    if in_ratio < min(ratio):
        w = width
        h = int(round(w / min(ratio)))
    elif in_ratio > max(ratio):
        h = height
        w = int(round(h * max(ratio)))
    else:
        w, h = width, height
    return (height - h) // 2, (width - w) // 2, h, w


class _TorchDraws:
    """The calls torchvision makes, on a generator: float32 tensors, so float32 values."""

    def __init__(self, torch: Any, generator: Any, ratio: Tuple[float, float]) -> None:
        self.torch = torch
        self.generator = generator
        self.log_ratio = torch.log(torch.tensor(ratio))

    def area_fraction(self, lo: float, hi: float) -> float:
        return self.torch.empty(1).uniform_(lo, hi, generator=self.generator).item()

    def aspect_ratio(self) -> float:
        draw = self.torch.empty(1).uniform_(self.log_ratio[0], self.log_ratio[1], generator=self.generator)
        return self.torch.exp(draw).item()

    def integer(self, lo: int, hi: int) -> int:
        return int(self.torch.randint(lo, hi, size=(1,), generator=self.generator).item())

    def flip(self, p: float) -> bool:
        # RandomHorizontalFlip: torch.rand(1) < p.
        return bool(self.torch.rand(1, generator=self.generator).item() < p)


class _NumpyDraws:
    """The same draws from numpy's PCG64, in double precision."""

    def __init__(self, rng: np.random.Generator, ratio: Tuple[float, float]) -> None:
        self.rng = rng
        self.log_ratio = (math.log(ratio[0]), math.log(ratio[1]))

    def area_fraction(self, lo: float, hi: float) -> float:
        return float(self.rng.uniform(lo, hi))

    def aspect_ratio(self) -> float:
        return math.exp(self.rng.uniform(self.log_ratio[0], self.log_ratio[1]))

    def integer(self, lo: int, hi: int) -> int:
        return int(self.rng.integers(lo, hi))

    def flip(self, p: float) -> bool:
        return bool(self.rng.random() < p)


def random_resized_crops(sizes: Any, scale: Sequence[float] = (0.08, 1.0),
                         ratio: Sequence[float] = (3.0 / 4.0, 4.0 / 3.0), flip_p: float = 0.5, *,
                         seed: int = 0, epoch: int = 0, indices: Optional[Sequence[int]] = None,
                         generator: Any = None, backend: str = "auto") -> Tuple[np.ndarray, np.ndarray]:
    """Boxes and horizontal flips of torchvision's RandomResizedCrop then
    RandomHorizontalFlip(flip_p), drawn per item in that order from one stream.

    Arguments as in :func:`random_resized_crop_boxes`; ``flip_p`` is the probability of a
    flip (0 draws nothing). Returns (float32 [N, 4] boxes, bool [N] flips).
    """
    size_array = np.asarray(sizes)
    if size_array.ndim != 2 or size_array.shape[1] != 2 or size_array.dtype.kind not in "iu":
        raise ValueError(f"sizes must be an integer array of shape (N, 2), (width, height), got "
                         f"{size_array.dtype} {size_array.shape}")
    if (size_array < 1).any():
        raise ValueError("sizes must be at least 1 pixel on each side")
    scale_pair = (float(scale[0]), float(scale[1]))
    ratio_pair = (float(ratio[0]), float(ratio[1]))
    if not (0 < scale_pair[0] <= scale_pair[1]) or not (0 < ratio_pair[0] <= ratio_pair[1]):
        raise ValueError(f"scale and ratio must be increasing positive ranges, got {scale} and {ratio}")
    if not 0.0 <= float(flip_p) <= 1.0:
        raise ValueError(f"flip_p must be in [0, 1], got {flip_p}")
    count = size_array.shape[0]
    index_list = list(range(count)) if indices is None else [int(i) for i in indices]
    if len(index_list) != count:
        raise ValueError(f"indices must have {count} entries, got {len(index_list)}")
    if backend not in ("auto", "torch", "numpy"):
        raise ValueError(f"backend must be 'auto', 'torch' or 'numpy', got {backend!r}")
    torch = None
    if backend in ("auto", "torch") or generator is not None:
        try:
            import torch  # noqa: F811  (optional dependency)
        except ImportError:
            if backend == "torch" or generator is not None:
                raise ImportError("backend='torch' and generator= need PyTorch; use backend='numpy'") from None
    boxes = np.empty((count, 4), dtype=np.float32)
    flips = np.zeros(count, dtype=bool)
    for row, (width, height) in enumerate(size_array.tolist()):
        if torch is not None:
            item_generator = generator
            if item_generator is None:
                item_generator = torch.Generator().manual_seed(item_seed(seed, epoch, index_list[row]))
            draw: Any = _TorchDraws(torch, item_generator, ratio_pair)
        else:
            draw = _NumpyDraws(np.random.default_rng(item_seed(seed, epoch, index_list[row])), ratio_pair)
        top, left, h, w = _params_from_draws(width, height, scale_pair, ratio_pair, draw)
        boxes[row] = (left, top, left + w, top + h)
        if flip_p > 0:
            flips[row] = draw.flip(float(flip_p))
    return boxes, flips


def random_resized_crop_boxes(sizes: Any, scale: Sequence[float] = (0.08, 1.0),
                              ratio: Sequence[float] = (3.0 / 4.0, 4.0 / 3.0), *, seed: int = 0,
                              epoch: int = 0, indices: Optional[Sequence[int]] = None,
                              generator: Any = None, backend: str = "auto") -> np.ndarray:
    """Boxes of torchvision's RandomResizedCrop for images of the given sizes.

    Args:
        sizes: [N, 2] rows of (width, height), e.g. from :func:`parcrop.probe`.
        scale: the range of the crop's area as a fraction of the image's.
        ratio: the range of the crop's aspect ratio (width / height), drawn log-uniformly.
        seed, epoch: with each item's index, the seed of that item's own stream
            (:func:`item_seed`), so that boxes do not depend on workers or order.
        indices: the dataset index of each item (default: 0..N-1).
        generator: a ``torch.Generator`` to draw every item from, in order, instead of
            per-item streams: ``torch.manual_seed(s)`` then torchvision's ``get_params``
            on each image gives the same boxes as this with
            ``torch.Generator().manual_seed(s)``.
        backend: "torch", "numpy", or "auto" (torch when importable).

    Returns:
        float32 [N, 4] boxes (x0, y0, x1, y1) in pixels, whole numbers, inside each image:
        torchvision's (top, left, height, width) as (left, top, left + width, top + height).
    """
    return random_resized_crops(sizes, scale, ratio, 0.0, seed=seed, epoch=epoch, indices=indices,
                                generator=generator, backend=backend)[0]
