"""Manifests of crops (CSV, JSON Lines, Parquet) and their rows turned into crop requests.

A manifest has one row per crop: ``source`` (a path; relative paths are resolved against
a base folder) and either a pixel or normalized box ``x0, y0, x1, y1`` or a glimpse
``x, y, scale``; ``id`` is optional, and other columns are ignored. ``parcrop crop``
reads manifests lazily through :func:`open_manifest`; ``parcrop.ray`` hands Ray's column
batches to the same :func:`requests_from_columns`, so both give a row the same crop and
the same status.

A row that cannot be cropped (no source, a box value that is not a number) fails on its
own with a status and a message; every other row is cropped.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import sys
from dataclasses import dataclass, field
from typing import Any, Dict, Iterator, List, Mapping, Optional, Sequence, Tuple

import numpy as np

from ._status import Status

BOX_COLUMNS = ("x0", "y0", "x1", "y1")
GLIMPSE_COLUMNS = ("x", "y", "scale")
MANIFEST_FORMATS = ("csv", "jsonl", "parquet")
_SUFFIXES = {".csv": "csv", ".tsv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl",
             ".parquet": "parquet", ".pq": "parquet"}


class ManifestError(Exception):
    """The manifest as a whole cannot be read: missing, unreadable, or without the columns
    a crop needs. (A bad row is not a ManifestError: it fails alone.)"""


def box_kind(columns: Sequence[str]) -> str:
    """"boxes" or "glimpses", from a manifest's column names."""
    names = set(columns)
    has_boxes = all(name in names for name in BOX_COLUMNS)
    has_glimpses = all(name in names for name in GLIMPSE_COLUMNS)
    if "source" not in names and "bytes" not in names:
        raise ManifestError(f"the manifest has no 'source' column (its columns: {_listed(columns)})")
    if has_boxes and has_glimpses:
        raise ManifestError("the manifest has both box columns (x0, y0, x1, y1) and glimpse columns "
                            "(x, y, scale); keep one set")
    if has_boxes:
        return "boxes"
    if has_glimpses:
        return "glimpses"
    raise ManifestError("the manifest needs box columns x0, y0, x1, y1 or glimpse columns x, y, scale "
                        f"(its columns: {_listed(columns)})")


def value_columns(kind: str) -> Tuple[str, ...]:
    return BOX_COLUMNS if kind == "boxes" else GLIMPSE_COLUMNS


def _listed(columns: Sequence[str]) -> str:
    return ", ".join(columns) if columns else "none"


# ----------------------------------------------------------------------------------
# Requests: rows as the arguments of one crop call
# ----------------------------------------------------------------------------------

@dataclass
class CropRequests:
    """Rows ready for one crop call. ``values`` has one row of box or glimpse values per
    request; ``sources`` holds a path or encoded bytes, or None for a row that failed
    before cropping, whose status and message are in ``failed``."""

    kind: str
    sources: List[Any]
    values: np.ndarray
    ids: List[str]
    failed: Dict[int, Tuple[int, str]] = field(default_factory=dict)

    @property
    def count(self) -> int:
        return len(self.sources)


def requests_from_columns(columns: Mapping[str, Sequence[Any]], count: int, kind: str,
                          root: Optional[str]) -> CropRequests:
    """Crop requests from columns (lists or arrays of equal length ``count``).

    ``source`` values are paths (relative ones joined to ``root`` when it is given);
    a ``bytes`` column, when present, holds the encoded images instead. Box and glimpse
    values may be numbers or numeric strings; NaN and infinities are passed on, for the
    library to fail with Status.INVALID_BOX and its own message.
    """
    names = value_columns(kind)
    values = np.zeros((count, len(names)), dtype=np.float64)
    failed: Dict[int, Tuple[int, str]] = {}
    for column_index, name in enumerate(names):
        column = columns.get(name)
        if column is None:
            for row in range(count):
                failed.setdefault(row, (Status.INVALID_BOX, f"the row has no '{name}'"))
            continue
        if isinstance(column, np.ndarray) and column.dtype.kind in "fiu":
            values[:, column_index] = column
            continue
        for row, value in enumerate(column):
            number, problem = _number(value)
            if problem is not None:
                failed.setdefault(row, (Status.INVALID_BOX, f"'{name}' {problem}"))
            else:
                values[row, column_index] = number

    sources: List[Any] = [None] * count
    data = columns.get("bytes")
    paths = columns.get("source")
    for row in range(count):
        if data is not None and _present(data[row]):
            sources[row] = _encoded_bytes(data[row])
        elif paths is not None and isinstance(paths[row], str) and paths[row]:
            path = paths[row]
            sources[row] = os.path.join(root, path) if root and not os.path.isabs(path) else path
        elif paths is not None and _present(paths[row]) and not isinstance(paths[row], str):
            failed[row] = (Status.INVALID_SOURCE, f"'source' must be a path, not {_shown(paths[row])}")
        else:
            failed[row] = (Status.INVALID_SOURCE, "the row has no source")
        if row in failed:
            sources[row] = None

    id_column = columns.get("id")
    ids = ["" if id_column is None or not _present(id_column[row]) else _id_text(id_column[row])
           for row in range(count)]
    return CropRequests(kind, sources, values, ids, failed)


def _present(value: Any) -> bool:
    if value is None:
        return False
    if isinstance(value, float) and math.isnan(value):
        return False
    if isinstance(value, (str, bytes, bytearray)) and len(value) == 0:
        return False
    return True


def _encoded_bytes(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return np.ascontiguousarray(value, dtype=np.uint8)
    return value


def _id_text(value: Any) -> str:
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return str(int(value))
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _number(value: Any) -> Tuple[float, Optional[str]]:
    """(value as a float, None), or (0, what is wrong with it)."""
    if value is None:
        return 0.0, "is missing"
    if isinstance(value, str) and not value.strip():
        return 0.0, "is empty"
    if isinstance(value, (bool, np.bool_)):
        return 0.0, f"is {value!r}, not a number"
    if isinstance(value, (int, float, np.integer, np.floating)):
        return float(value), None
    if isinstance(value, str):
        try:
            return float(value), None
        except ValueError:
            return 0.0, f"is {_shown(value)}, not a number"
    return 0.0, f"is {_shown(value)}, not a number"


# ----------------------------------------------------------------------------------
# Reading manifests lazily
# ----------------------------------------------------------------------------------

class Manifest:
    """A manifest file read a chunk of rows at a time; ``columns`` and ``kind`` are known
    once it is opened. ``count_rows()`` is None when the rows cannot be counted without
    consuming them (a pipe, or standard input)."""

    def __init__(self, path: str, manifest_format: Optional[str] = None) -> None:
        self.path = path
        self.format = manifest_format or _format_from_name(path)
        self.base_dir = os.path.dirname(os.path.abspath(path)) if path != "-" else os.getcwd()
        self._reader = {"csv": _CsvRows, "jsonl": _JsonLinesRows, "parquet": _ParquetRows}[self.format](path)
        self.columns: List[str] = self._reader.columns
        self.kind = box_kind(self.columns)

    def count_rows(self) -> Optional[int]:
        return self._reader.count_rows()

    def chunks(self, size: int) -> Iterator[Tuple[Dict[str, List[Any]], int]]:
        """(columns, row count) for consecutive chunks of at most ``size`` rows."""
        return self._reader.chunks(size)

    def close(self) -> None:
        self._reader.close()

    def __enter__(self) -> "Manifest":
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()


def _format_from_name(path: str) -> str:
    if path == "-":
        return "csv"
    suffix = os.path.splitext(path)[1].lower()
    if suffix not in _SUFFIXES:
        raise ManifestError(f"cannot tell the manifest's format from its name {path!r}: use a .csv, "
                            ".jsonl or .parquet file, or --manifest-format")
    return _SUFFIXES[suffix]


def _open_text(path: str) -> io.TextIOBase:
    if path == "-":
        return io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8", newline="")
    try:
        return open(path, encoding="utf-8", newline="")
    except FileNotFoundError:
        raise ManifestError(f"the manifest {path!r} does not exist") from None
    except IsADirectoryError:
        raise ManifestError(f"the manifest {path!r} is a folder, not a file") from None
    except OSError as exc:
        raise ManifestError(f"cannot open the manifest {path!r}: {exc.strerror or exc}") from None


def _countable(path: str) -> bool:
    try:
        return path != "-" and os.path.isfile(path)
    except OSError:
        return False


class _CsvRows:
    def __init__(self, path: str) -> None:
        self.path = path
        self.file = _open_text(path)
        dialect = "excel-tab" if path.lower().endswith(".tsv") else "excel"
        self.reader = csv.reader(self.file, dialect=dialect)
        try:
            header = next(self.reader, None)
        except (csv.Error, UnicodeDecodeError) as exc:
            raise ManifestError(f"the manifest {path!r} is not readable CSV: {exc}") from None
        if header is None:
            header = []
        self.columns = [name.strip() for name in header]
        if not self.columns:
            raise ManifestError(f"the manifest {path!r} is empty: it needs a header row naming its columns")

    def count_rows(self) -> Optional[int]:
        if not _countable(self.path):
            return None
        with open(self.path, encoding="utf-8", newline="", errors="replace") as file:
            return max(0, sum(1 for _ in csv.reader(file)) - 1)

    def chunks(self, size: int) -> Iterator[Tuple[Dict[str, List[Any]], int]]:
        width = len(self.columns)
        while True:
            rows: List[List[Optional[str]]] = []
            for _ in range(size):
                try:
                    row = next(self.reader, None)
                except (csv.Error, UnicodeDecodeError) as exc:
                    # The rest of the file cannot be split into rows reliably.
                    raise ManifestError(f"the manifest {self.path!r} is not readable CSV after row "
                                        f"{self.reader.line_num}: {exc}") from None
                if row is None:
                    break
                rows.append(row[:width] + [None] * (width - len(row)))
            if not rows:
                return
            yield {name: [row[i] for row in rows] for i, name in enumerate(self.columns)}, len(rows)

    def close(self) -> None:
        if self.path != "-":
            self.file.close()


class _JsonLinesRows:
    """JSON Lines: one object per line. The first object names the columns; a line that is
    not a JSON object becomes a row with no source (it fails alone)."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.file = _open_text(path)
        try:
            first_line = next((line for line in self.file if line.strip()), None)
        except UnicodeDecodeError as exc:
            raise ManifestError(f"the manifest {path!r} is not UTF-8 text: {exc}") from None
        if first_line is None:
            raise ManifestError(f"the manifest {path!r} is empty: it needs at least one JSON object")
        first = _json_object(first_line)
        if first is None:
            raise ManifestError(f"the first line of the manifest {path!r} is not a JSON object")
        self.pending: List[Any] = [first]
        self.columns = list(first)

    def count_rows(self) -> Optional[int]:
        if not _countable(self.path):
            return None
        with open(self.path, "rb") as file:
            return sum(1 for line in file if line.strip())

    def chunks(self, size: int) -> Iterator[Tuple[Dict[str, List[Any]], int]]:
        lines = iter(self.file)
        while True:
            objects = self.pending
            self.pending = []
            try:
                for line in lines:
                    if line.strip():
                        objects.append(_json_object(line))
                        if len(objects) == size:
                            break
            except UnicodeDecodeError as exc:
                raise ManifestError(f"the manifest {self.path!r} is not UTF-8 text: {exc}") from None
            if not objects:
                return
            names = list(self.columns)
            for record in objects:
                if record is not None:
                    names.extend(key for key in record if key not in names)
            yield {name: [None if record is None else record.get(name) for record in objects]
                   for name in names}, len(objects)

    def close(self) -> None:
        if self.path != "-":
            self.file.close()


def _json_object(line: str) -> Optional[Dict[str, Any]]:
    try:
        value = json.loads(line)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


class _ParquetRows:
    def __init__(self, path: str) -> None:
        try:
            import pyarrow.parquet as parquet
        except ImportError:
            raise ManifestError("reading a Parquet manifest needs pyarrow: pip install pyarrow") from None
        if not os.path.exists(path):
            raise ManifestError(f"the manifest {path!r} does not exist")
        try:
            self.file = parquet.ParquetFile(path)
        except Exception as exc:  # pyarrow raises several types for a bad file
            raise ManifestError(f"the manifest {path!r} is not readable Parquet: {exc}") from None
        self.columns = list(self.file.schema_arrow.names)

    def count_rows(self) -> Optional[int]:
        return self.file.metadata.num_rows

    def chunks(self, size: int) -> Iterator[Tuple[Dict[str, List[Any]], int]]:
        for batch in self.file.iter_batches(batch_size=size):
            yield {name: batch.column(name).to_pylist() for name in batch.schema.names}, batch.num_rows

    def close(self) -> None:
        self.file.close()
