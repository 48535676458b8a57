"""Where a dataset job's crops go: npy shards, WebDataset tar shards or folders of PNGs,
each shard written under a temporary name and renamed into place when complete, with
an index of its rows.

Layout of an output folder (shard ``k`` holds manifest rows ``k * shard_size`` onwards):

    shard-000000.npy       npy: uint8 [rows, height, width, channels], failed rows zero
    shard-000000.tar       webdataset: ``<row>.png`` (or .jpg) and ``<row>.json`` per crop
    shard-000000/          png: ``<row>.png`` per crop
    shard-000000.csv       every format: the shard's index, one line per manifest row
                           (row, id, source, box, status, message), written last: a shard
                           is complete exactly when its index exists

Failed rows have no image in tar and png shards; their index lines say why. Everything
written is a function of the manifest and the settings alone (no time stamps), so a
resumed job writes the same bytes as one that was never interrupted.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import struct
import tarfile
import zlib
from dataclasses import dataclass
from typing import Any, List, Optional, Sequence

import numpy as np

from ._status import status_name

OUTPUT_FORMATS = ("npy", "webdataset", "png")
IMAGE_FORMATS = ("png", "jpg")
_TEMP_MARK = ".tmp-"


@dataclass(frozen=True)
class ShardFormat:
    """How shards hold crops: ``output`` is "npy", "webdataset" or "png"; the last two
    encode each crop as ``image`` ("png", or "jpg" at JPEG ``quality``, with Pillow)."""

    output: str = "npy"
    image: str = "png"
    quality: int = 95

    def __post_init__(self) -> None:
        if self.output not in OUTPUT_FORMATS:
            raise ValueError(f"output_format must be one of {', '.join(OUTPUT_FORMATS)}, got {self.output!r}")
        if self.image not in IMAGE_FORMATS:
            raise ValueError(f"image_format must be one of {', '.join(IMAGE_FORMATS)}, got {self.image!r}")
        if not isinstance(self.quality, int) or not 1 <= self.quality <= 100:
            raise ValueError(f"quality must be an int in 1..100, got {self.quality!r}")


def shard_name(shard: int) -> str:
    return f"shard-{shard:06d}"


def row_key(row: int) -> str:
    """A row's file name stem: the manifest row number, which is unique and safe where an
    ``id`` might not be (ids go in the index and the JSON sidecars)."""
    return f"{row:09d}"


def index_path(out_dir: str, shard: int) -> str:
    return os.path.join(out_dir, shard_name(shard) + ".csv")


def _temp_path(final_path: str) -> str:
    folder, name = os.path.split(final_path)
    return os.path.join(folder, f".{name}{_TEMP_MARK}{os.getpid()}")


def remove_stale_temporaries(out_dir: str) -> int:
    """Removes what an interrupted job left under temporary names; returns how many."""
    removed = 0
    for name in os.listdir(out_dir):
        if name.startswith(".") and _TEMP_MARK in name:
            path = os.path.join(out_dir, name)
            shutil.rmtree(path) if os.path.isdir(path) else os.remove(path)
            removed += 1
    return removed


def _fsync_file(path: str) -> None:
    with open(path, "rb") as file:
        os.fsync(file.fileno())


def encode_png(crop: np.ndarray) -> bytes:
    """A PNG of one uint8 [height, width, channels] crop (gray, RGB or RGBA), every row
    with the Up filter, which suits photographs and is one vectorised subtraction."""
    height, width, channels = crop.shape
    colour_type = {1: 0, 3: 2, 4: 6}[channels]
    rows = crop.reshape(height, width * channels)
    filtered = np.empty((height, width * channels + 1), dtype=np.uint8)
    filtered[:, 0] = 2
    filtered[0, 1:] = rows[0]
    np.subtract(rows[1:], rows[:-1], out=filtered[1:, 1:], dtype=np.uint8)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, colour_type, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(filtered.tobytes(), 6))
            + chunk(b"IEND", b""))


def _encode_jpeg(crop: np.ndarray, quality: int) -> bytes:
    try:
        from PIL import Image
    except ImportError:
        raise RuntimeError("JPEG crops need Pillow: pip install pillow (or use --image-format png)") from None
    buffer = io.BytesIO()
    Image.fromarray(crop[:, :, 0] if crop.shape[2] == 1 else crop).save(buffer, format="JPEG", quality=quality)
    return buffer.getvalue()


class IndexRecord:
    """One manifest row as the index records it: the manifest's own values, as text."""

    __slots__ = ("row", "id", "source", "values")

    def __init__(self, row: int, row_id: str, source: str, values: Sequence[str]) -> None:
        self.row = row
        self.id = row_id
        self.source = source
        self.values = values


def index_header(value_names: Sequence[str]) -> List[str]:
    return ["row", "id", "source", *value_names, "status", "message"]


class Shard:
    """One shard being written: crops go into ``buffer(start, count)``, then ``add`` hands
    over their records and statuses; ``commit`` puts the shard in place."""

    def __init__(self, out_dir: str, shard: int, count: int, shape: Sequence[int], value_names: Sequence[str],
                 shard_format: ShardFormat) -> None:
        self.out_dir = out_dir
        self.shard = shard
        self.count = count
        self.shape = tuple(shape)
        self.value_names = list(value_names)
        self.format = shard_format
        self.index_lines: List[List[str]] = []
        self.failed = 0
        stem = os.path.join(out_dir, shard_name(shard))
        self.final_path = stem + {"npy": ".npy", "webdataset": ".tar", "png": ""}[shard_format.output]
        self.temp_path = _temp_path(self.final_path)
        self.array: Optional[np.ndarray] = None
        self.scratch: Optional[np.ndarray] = None
        self.tar: Optional[tarfile.TarFile] = None
        if shard_format.output == "npy":
            self.array = np.lib.format.open_memmap(self.temp_path, mode="w+", dtype=np.uint8,
                                                   shape=(count,) + self.shape)
        elif shard_format.output == "webdataset":
            self.tar = tarfile.open(self.temp_path, "w", format=tarfile.PAX_FORMAT)
        else:
            os.mkdir(self.temp_path)

    def buffer(self, start: int, count: int) -> np.ndarray:
        if self.array is not None:
            return self.array[start:start + count]
        if self.scratch is None or self.scratch.shape[0] < count:
            self.scratch = np.empty((count,) + self.shape, dtype=np.uint8)
        return self.scratch[:count]

    def add(self, records: Sequence[IndexRecord], crops: np.ndarray, statuses: np.ndarray,
            messages: Sequence[str]) -> None:
        for position, record in enumerate(records):
            status = int(statuses[position])
            if status:
                self.failed += 1
            self.index_lines.append([str(record.row), record.id, record.source, *record.values,
                                     status_name(status), messages[position]])
            if status or self.array is not None:
                continue
            encoded = self._encode(crops[position])
            key = row_key(record.row)
            if self.tar is not None:
                # A cropped row's values parsed as numbers, so they are numbers here too.
                sidecar = {"row": record.row, "id": record.id, "source": record.source,
                           **{name: float(value) for name, value in zip(self.value_names, record.values)}}
                self._add_member(f"{key}.{self.format.image}", encoded)
                self._add_member(f"{key}.json", json.dumps(sidecar, sort_keys=True).encode("utf-8"))
            else:
                with open(os.path.join(self.temp_path, f"{key}.{self.format.image}"), "wb") as file:
                    file.write(encoded)

    def _encode(self, crop: np.ndarray) -> bytes:
        return encode_png(crop) if self.format.image == "png" else _encode_jpeg(crop, self.format.quality)

    def _add_member(self, name: str, data: bytes) -> None:
        info = tarfile.TarInfo(name)
        info.size = len(data)
        info.mode = 0o644
        info.mtime = 0  # no time stamps: a resumed job writes the same bytes
        assert self.tar is not None
        self.tar.addfile(info, io.BytesIO(data))

    def commit(self) -> None:
        """Puts the shard's data in place, then its index, each under a temporary name
        first; a job killed at any point leaves this shard either complete or redone."""
        if self.array is not None:
            self.array.flush()
            del self.array
            self.array = None
            _fsync_file(self.temp_path)
            os.replace(self.temp_path, self.final_path)
        elif self.tar is not None:
            self.tar.close()
            self.tar = None
            _fsync_file(self.temp_path)
            os.replace(self.temp_path, self.final_path)
        else:
            if os.path.isdir(self.final_path):
                shutil.rmtree(self.final_path)  # a shard redone after a kill between renames
            os.rename(self.temp_path, self.final_path)
        final_index = index_path(self.out_dir, self.shard)
        temp_index = _temp_path(final_index)
        with open(temp_index, "w", encoding="utf-8", newline="") as file:
            writer = csv.writer(file)
            writer.writerow(index_header(self.value_names))
            writer.writerows(self.index_lines)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temp_index, final_index)

    def abort(self) -> None:
        """Removes what this shard wrote (an interrupted job)."""
        if self.array is not None:
            del self.array
            self.array = None
        if self.tar is not None:
            self.tar.close()
            self.tar = None
        if os.path.isdir(self.temp_path):
            shutil.rmtree(self.temp_path, ignore_errors=True)
        elif os.path.exists(self.temp_path):
            os.remove(self.temp_path)


def index_rows(out_dir: str, shard: int) -> Any:
    """The lines of a complete shard's index, one dict each, read lazily."""
    with open(index_path(out_dir, shard), encoding="utf-8", newline="") as file:
        yield from csv.DictReader(file)
