"""Batch transforms for training input: a list of files in, a uint8 batch out.

:class:`RandomResizedCrop` is torchvision's ``RandomResizedCrop(size, scale, ratio)``
followed by ``RandomHorizontalFlip(flip_p)``, for a whole batch in one native call:
the image sizes come from :func:`parcrop.probe` (headers only), the boxes and flips
from :mod:`parcrop.sampling`, and parcrop decodes only each box, resizes it and flips
it while writing the batch.

Where it equals torchvision: the boxes and flips (with ``backend="torch"`` and the same
generator state, see :mod:`parcrop.sampling`); and in ``mode="exact"`` the pixels are
Pillow's resize of the same box, which torchvision's PIL path uses (bilinear with
antialiasing; exact to the byte against Pillow's classic horizontal-then-vertical
passes). Where it differs: ``mode="default"`` lets JPEG decode at 1/2, 1/4 or 1/8 scale
when the box is at least twice the output; the README's "Training input" section gives
the measured difference.
"""

from __future__ import annotations

from typing import Any, Optional, Sequence, Tuple, Union

import numpy as np

from ._api import Cropper
from .sampling import random_resized_crops

__all__ = ["RandomResizedCrop"]


class RandomResizedCrop:
    """Random resized crops and horizontal flips of a batch of images, as uint8 [N, H, W, C].

    Args:
        size: the output side, or (height, width).
        scale: the range of the crop's area, as a fraction of the image's [(0.08, 1.0)].
        ratio: the range of the crop's aspect ratio, width / height [(3/4, 4/3)].
        flip_p: the probability of a horizontal flip [0.5].
        filter: the resampling filter ["bilinear", antialiased as Pillow's].
        mode: "default" (DCT-scaled JPEG decoding where the box is large), or "exact".
        channels: 1, 3 or 4 [3].
        seed: with the epoch and each sample's index, the seed of that sample's draws,
            so a batch does not depend on worker count or order [0].
        backend: "torch" (torchvision's calls), "numpy" or "auto" [auto].
        exif: "ignore" (the stored image, as torchvision and Pillow's open) or "apply"
            (the photo as displayed: sizes, boxes and flips in the frame its EXIF
            orientation gives) ["ignore"].
        num_threads: native threads per call; 0 uses every core [0]. In DataLoader
            workers use 1.

    Call it with the sources (paths or encoded bytes), their dataset ``indices`` and the
    ``epoch``; it returns the batch (written into ``out=`` if given: any writable
    C-contiguous uint8 buffer of the right shape, e.g. a pinned torch tensor).

    Example:
        >>> import numpy as np, parcrop.transforms as T
        >>> pgm = b"P5 64 48 255\\n" + bytes(range(256)) * 12
        >>> crop = T.RandomResizedCrop(16, seed=1, backend="numpy")
        >>> crop([pgm, pgm], indices=[0, 1], epoch=0).shape
        (2, 16, 16, 3)
    """

    def __init__(self, size: Union[int, Tuple[int, int]], scale: Sequence[float] = (0.08, 1.0),
                 ratio: Sequence[float] = (3.0 / 4.0, 4.0 / 3.0), flip_p: float = 0.5, *,
                 filter: str = "bilinear", mode: str = "default", channels: int = 3, seed: int = 0,
                 backend: str = "auto", exif: str = "ignore", num_threads: int = 0) -> None:
        self.size = (size, size) if isinstance(size, int) else tuple(size)
        self.scale = tuple(float(v) for v in scale)
        self.ratio = tuple(float(v) for v in ratio)
        self.flip_p = float(flip_p)
        self.filter = filter
        self.mode = mode
        self.channels = channels
        self.seed = seed
        self.backend = backend
        if exif not in ("ignore", "apply"):
            raise ValueError(f"exif must be 'ignore' or 'apply', got {exif!r}")
        self.exif = exif
        self.num_threads = num_threads
        self._cropper: Optional[Cropper] = None

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(size={self.size}, scale={self.scale}, ratio={self.ratio}, "
                f"flip_p={self.flip_p}, filter={self.filter!r}, mode={self.mode!r}, "
                f"channels={self.channels}, seed={self.seed}, backend={self.backend!r}, exif={self.exif!r})")

    # A native context is made on first use in each process, so the transform pickles
    # as its settings and DataLoader workers each get their own.
    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        state["_cropper"] = None
        return state

    def _context(self) -> Cropper:
        if self._cropper is None:
            self._cropper = Cropper(num_threads=self.num_threads)
        return self._cropper

    def draw(self, sizes: Any, indices: Optional[Sequence[int]] = None,
             epoch: int = 0) -> Tuple[np.ndarray, np.ndarray]:
        """The boxes and flips for images of the given (width, height) sizes."""
        return random_resized_crops(sizes, self.scale, self.ratio, self.flip_p, seed=self.seed, epoch=epoch,
                                    indices=indices, backend=self.backend)

    def __call__(self, sources: Sequence[Any], indices: Optional[Sequence[int]] = None, epoch: int = 0,
                 out: Any = None, errors: str = "raise") -> Any:
        """Crops a batch. ``errors`` as in :func:`parcrop.crop_boxes`; an item whose header
        cannot be read fails with its probe status."""
        sources = list(sources)
        cropper = self._context()
        info = cropper.probe(sources, errors="status" if errors != "raise" else "raise")
        sizes = (info.display_size if self.exif == "apply" else info.size).astype(np.int64)
        failed = ~info.ok
        sizes[failed] = 1  # drawn for, then refused below with the probe's status
        boxes, flips = self.draw(sizes, indices, epoch)
        result = cropper.crop_boxes(sources, boxes, self.size, channels=self.channels, filter=self.filter,
                                    mode=self.mode, hflip=flips, exif=self.exif, out=out,
                                    errors="status" if errors != "raise" else "raise")
        if errors == "raise":
            return result
        output, statuses = result
        statuses = np.where(failed, info.statuses, statuses).astype(np.int32)
        return (output, statuses) if errors == "status" else output
