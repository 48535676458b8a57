"""The crop settings a dataset job shares with its Ray twin, and one chunk of manifest
rows cropped with them, failures and all."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Dict, List, Optional, Tuple

import numpy as np

from ._api import EXIF, FILTERS, MODES, OUT_OF_BOUNDS, Cropper
from ._manifest import CropRequests
from ._status import CropError, Status


@dataclass(frozen=True)
class CropSettings:
    """How every row of a manifest is cropped.

    ``filter`` None means the API's default for the manifest's kind: bilinear for boxes,
    nearest for glimpses (as parallel_image_crop crops them). Glimpses are square, of
    ``height``; ``max_img_percent`` bounds their scale.
    """

    height: int
    width: int
    channels: int = 3
    filter: Optional[str] = None
    mode: str = "default"
    normalized: bool = False
    max_img_percent: float = 0.25
    exif: str = "ignore"
    out_of_bounds: str = "error"
    fill: int = 0

    def __post_init__(self) -> None:
        for name, value in (("height", self.height), ("width", self.width)):
            if not isinstance(value, int) or not 1 <= value <= 65535:
                raise ValueError(f"{name} must be an int in 1..65535, got {value!r}")
        if self.channels not in (1, 3, 4):
            raise ValueError(f"channels must be 1, 3 or 4, got {self.channels!r}")
        if self.filter is not None and self.filter not in FILTERS:
            raise ValueError(f"filter must be one of {', '.join(FILTERS)}, got {self.filter!r}")
        for name, value, choices in (("mode", self.mode, MODES), ("exif", self.exif, EXIF),
                                     ("out_of_bounds", self.out_of_bounds, OUT_OF_BOUNDS)):
            if value not in choices:
                raise ValueError(f"{name} must be one of {', '.join(choices)}, got {value!r}")

    def shape(self) -> Tuple[int, int, int]:
        return (self.height, self.width, self.channels)

    def filter_for(self, kind: str) -> str:
        return self.filter or ("bilinear" if kind == "boxes" else "nearest")

    def check_kind(self, kind: str) -> None:
        if kind == "glimpses" and self.height != self.width:
            raise ValueError(f"glimpses are square: size must be one side, got {self.height}x{self.width}")

    def as_dict(self) -> Dict[str, Any]:
        return asdict(self)


def crop_requests(cropper: Cropper, requests: CropRequests, settings: CropSettings,
                  out: np.ndarray) -> Tuple[np.ndarray, List[str]]:
    """Crops every request into ``out`` ([count, height, width, channels] uint8).

    Returns each row's status code and message ("" for a crop that succeeded). A row that
    failed before cropping keeps its status; a failed crop's slot is zero.
    """
    count = requests.count
    statuses = np.zeros(count, dtype=np.int32)
    messages = [""] * count
    for row, (status, message) in requests.failed.items():
        statuses[row] = status
        messages[row] = message
    rows = [row for row in range(count) if row not in requests.failed]
    if not rows:
        out[:count] = 0
        return statuses, messages
    direct = len(rows) == count
    if direct:
        target = out[:count]
        sources, values = requests.sources, requests.values
    else:
        out[:count] = 0
        target = np.empty((len(rows),) + out.shape[1:], dtype=np.uint8)
        sources = [requests.sources[row] for row in rows]
        values = requests.values[rows]

    try:
        if requests.kind == "boxes":
            cropper.crop_boxes(sources, values, (settings.height, settings.width), channels=settings.channels,
                               filter=settings.filter_for("boxes"), normalized=settings.normalized,
                               out=target, mode=settings.mode, out_of_bounds=settings.out_of_bounds,
                               fill=settings.fill, exif=settings.exif)
        else:
            cropper.crop(sources, values[:, 0], values[:, 1], values[:, 2], window_size=settings.height,
                         channels=settings.channels, max_img_percent=settings.max_img_percent,
                         filter=settings.filter_for("glimpses"), out=target, exif=settings.exif)
    except CropError as failure:
        for index, status, message in failure.failures:
            statuses[rows[index]] = status
            messages[rows[index]] = message or Status(status).name
    if not direct:
        out[rows] = target
    return statuses, messages
