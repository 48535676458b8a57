"""Status codes and exceptions."""

from __future__ import annotations

import enum
from typing import List, Optional, Tuple

import numpy as np


class Status(enum.IntEnum):
    """The library's status codes (``parcrop_status`` in parcrop.h), pinned across releases.

    Codes are grouped by hundreds: 1xx the caller's arguments, 2xx the input file or
    bytes, 3xx the limits of a :class:`~parcrop.Cropper`, 4xx resources, 5xx a bug.
    """

    OK = 0
    ITEMS_FAILED = 1

    NULL_ARGUMENT = 100
    STRUCT_SIZE = 101
    INVALID_BOX = 102
    INVALID_SIZE = 103
    INVALID_CHANNELS = 104
    INVALID_FILTER = 105
    INVALID_STRIDE = 106
    INVALID_SOURCE = 107
    INVALID_OPTION = 108

    FILE_NOT_FOUND = 200
    FILE_UNREADABLE = 201
    NOT_A_FILE = 202
    EMPTY_INPUT = 203
    UNKNOWN_FORMAT = 204
    TRUNCATED = 205
    CORRUPT = 206
    UNSUPPORTED = 207

    FILE_TOO_LARGE = 300
    IMAGE_TOO_LARGE = 301
    TOO_MANY_PIXELS = 302
    DECODE_MEMORY = 303
    DECODE_WORK = 304

    OUT_OF_MEMORY = 400

    INTERNAL = 500

    @property
    def group(self) -> int:
        """The hundreds group: 1 arguments, 2 input, 3 limits, 4 resources, 5 internal."""
        return int(self) // 100


def status_name(code: int) -> str:
    try:
        return Status(code).name
    except ValueError:
        return f"status {code}"


class ParcropError(Exception):
    """Base class of the errors that parcrop raises; ``.status`` is the status code."""

    status: int

    def __init__(self, message: str, status: int = 0) -> None:
        super().__init__(message)
        self.status = status


class CallError(ParcropError, ValueError):
    """The native library rejected the call as a whole (a 1xx status); nothing ran."""


Failure = Tuple[int, int, str]


class CropError(ParcropError):
    """Some items of a batch failed (raised with ``errors="raise"`` after the whole batch ran).

    Attributes:
        output: the uint8 array of the batch; failed items' slots are zero, the others
            hold their crops. From :func:`parcrop.probe`: its :class:`ImageInfo`.
        failures: one ``(index, status_code, message)`` per failed item, in index order.
        statuses: int32 array with every item's status code (0 = success).
        status: the status code of the first failure.

    When every failure falls in one status group the exception is of that group's
    subclass: :class:`InvalidItemError` (1xx, e.g. a NaN box), :class:`InputError`
    (2xx, missing or bad files), :class:`LimitError` (3xx), :class:`ResourceError`
    (4xx) or :class:`InternalError` (5xx).
    """

    output: np.ndarray
    failures: List[Failure]
    statuses: np.ndarray

    def __init__(self, message: str, output: np.ndarray, failures: List[Failure],
                 statuses: Optional[np.ndarray] = None) -> None:
        super().__init__(message, failures[0][1] if failures else 0)
        self.output = output
        self.failures = failures
        self.statuses = statuses if statuses is not None else np.zeros(0, np.int32)


class InvalidItemError(CropError):
    """Every failed item had an invalid argument of its own (1xx), such as a NaN box."""


class InputError(CropError):
    """Every failed item's file or bytes were missing, unreadable or not a valid image (2xx)."""


class LimitError(CropError):
    """Every failed item exceeded a limit of the Cropper (3xx)."""


class ResourceError(CropError):
    """Every failed item ran out of memory (4xx)."""


class InternalError(CropError):
    """Every failed item hit a bug in parcrop (5xx); please report it."""


_GROUP_CLASSES = {1: InvalidItemError, 2: InputError, 3: LimitError, 4: ResourceError, 5: InternalError}


def crop_error_class(failures: List[Failure]) -> type:
    groups = {code // 100 for _, code, _ in failures}
    if len(groups) == 1:
        return _GROUP_CLASSES.get(groups.pop(), CropError)
    return CropError
