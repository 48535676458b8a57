"""Crops on a Ray cluster: a callable class for ``Dataset.map_batches``, and ``crop_dataset``.

Ray is an optional dependency (``pip install "parcrop[ray]"``). Rows have the columns of
a ``parcrop crop`` manifest: ``source`` (a path, which every worker must be able to
open) or ``bytes`` (the encoded image, as ``ray.data.read_binary_files`` gives it),
either ``x0, y0, x1, y1`` or ``x, y, scale``, and optionally ``id``. Each row comes back
with three more columns: ``crop`` (uint8 [height, width, channels], a tensor column;
zero for a failed row), ``status`` (a :class:`parcrop.Status` code, 0 for success) and
``message`` (why a row failed; empty otherwise). The ``bytes`` column is dropped unless
``keep_bytes=True``, so encoded images do not travel on.

A row gets the same crop and status here as from ``parcrop crop`` on one machine:
both run the same row parsing and crop call.

Example:
    >>> import ray, parcrop.ray                                      # doctest: +SKIP
    >>> rows = ray.data.read_parquet("s3://bucket/boxes.parquet")    # doctest: +SKIP
    >>> crops = parcrop.ray.crop_dataset(rows, size=224)             # doctest: +SKIP
    >>> crops.write_parquet("s3://bucket/crops/")                    # doctest: +SKIP
"""

from __future__ import annotations

from typing import Any, Dict, Optional, Tuple, Union

import numpy as np

from ._api import Cropper
from ._manifest import box_kind, requests_from_columns
from ._requests import CropSettings, crop_requests

__all__ = ["CropBatches", "crop_dataset"]


def _assigned_cpus() -> int:
    """The CPUs Ray gave the calling actor, so its crops use them all and no more; 0 (every
    core) outside Ray."""
    try:
        import ray

        if not ray.is_initialized():
            return 0
        cpus = ray.get_runtime_context().get_assigned_resources().get("CPU", 0)
    except Exception:  # an older Ray, or no runtime context: let the library choose
        return 0
    return max(1, int(cpus)) if cpus else 0


class CropBatches:
    """Crops a batch of manifest rows: ``ds.map_batches(CropBatches, fn_constructor_kwargs=
    {"size": 224}, batch_format="numpy", concurrency=4)``.

    One native context (and its threads) lives as long as the actor. Settings are those of
    :func:`parcrop.crop_boxes` (for box rows) and :func:`parcrop.crop` (glimpse rows):
    ``filter=None`` is bilinear for boxes and nearest for glimpses. ``root`` is the
    folder relative ``source`` paths are in; ``num_threads=None`` uses the CPUs the actor
    was given.
    """

    def __init__(self, size: Union[int, Tuple[int, int]], *, channels: int = 3, filter: Optional[str] = None,
                 mode: str = "default", normalized: bool = False, max_img_percent: float = 0.25,
                 exif: str = "ignore", out_of_bounds: str = "error", fill: int = 0, root: Optional[str] = None,
                 num_threads: Optional[int] = None, keep_bytes: bool = False) -> None:
        height, width = (size, size) if isinstance(size, int) else size
        self.settings = CropSettings(height, width, channels, filter, mode, normalized, max_img_percent, exif,
                                     out_of_bounds, fill)
        self.root = root
        self.keep_bytes = keep_bytes
        self.cropper = Cropper(_assigned_cpus() if num_threads is None else num_threads)

    def __call__(self, batch: Dict[str, np.ndarray]) -> Dict[str, np.ndarray]:
        kind = box_kind(list(batch))
        self.settings.check_kind(kind)
        count = len(next(iter(batch.values()))) if batch else 0
        requests = requests_from_columns(batch, count, kind, self.root)
        crops = np.empty((count,) + self.settings.shape(), dtype=np.uint8)
        statuses, messages = crop_requests(self.cropper, requests, self.settings, crops)
        result = {name: column for name, column in batch.items() if name != "bytes" or self.keep_bytes}
        result["crop"] = crops
        result["status"] = statuses
        result["message"] = np.array(messages, dtype=object)
        return result


def crop_dataset(dataset: Any, size: Union[int, Tuple[int, int]], *, batch_size: int = 256,
                 max_actors: Optional[int] = None, num_cpus: float = 1, **settings: Any) -> Any:
    """``dataset`` with every row cropped: :class:`CropBatches` in ``map_batches``.

    Args:
        dataset: a ``ray.data.Dataset`` with manifest columns (see the module's help).
        size: the output side, or (height, width) for boxes.
        batch_size: rows per call; rows of one image in a call share one decode, so keep
            a manifest's rows of an image together.
        max_actors: the most actors; by default one per ``num_cpus`` CPUs of the cluster.
            The pool starts with one and grows while CPUs are free: a pool that took
            every CPU at once would leave none for the tasks that read the rows.
        num_cpus: CPUs per actor, which are also its crop threads; less than the
            cluster's CPUs, which must keep one for reading rows (ValueError otherwise).
        **settings: keyword arguments of :class:`CropBatches` (channels, filter, mode,
            normalized, root, ...).
    """
    import ray
    import ray.data

    cluster_cpus = ray.cluster_resources().get("CPU", 1)
    if num_cpus > cluster_cpus - 1:
        # Measured: one actor holding every CPU leaves Ray's read tasks none, and the job waits forever.
        raise ValueError(f"num_cpus={num_cpus} would let one actor take every CPU of this {cluster_cpus:g}-CPU "
                         "cluster and leave none to read the rows: use fewer")
    if max_actors is None:
        max_actors = max(1, int(cluster_cpus // num_cpus))
    pool = ray.data.ActorPoolStrategy(min_size=1, max_size=max_actors)
    return dataset.map_batches(CropBatches, fn_constructor_args=(size,), fn_constructor_kwargs=settings,
                               batch_size=batch_size, batch_format="numpy", compute=pool, num_cpus=num_cpus)
