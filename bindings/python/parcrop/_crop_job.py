"""A dataset job: every row of a manifest cropped into shards, resumable, with progress.

``parcrop crop`` is this function behind a command line. The manifest is read lazily and
one shard is held at a time (npy shards are written through a memory map), so memory
follows the shard size, not the manifest's length.
"""

from __future__ import annotations

import csv
import json
import os
import sys
import time
from dataclasses import dataclass
from typing import Any, Dict, Iterator, List, Optional, Sequence, TextIO, Tuple, Union

from ._api import Cropper
from ._manifest import Manifest, requests_from_columns, value_columns
from ._progress import Progress
from ._requests import CropSettings, crop_requests
from ._shards import IndexRecord, Shard, ShardFormat, index_path, index_rows, remove_stale_temporaries

JOB_FILE = "job.json"
FAILURES_FILE = "failures.csv"
_JOB_VERSION = 1


class JobError(RuntimeError):
    """The job as a whole cannot run: its output folder holds another job, cannot be
    written, or the settings are invalid. Failed rows are not JobErrors."""


@dataclass
class JobSummary:
    """What a finished job did. ``rows`` counts every manifest row; ``resumed_rows`` those
    that an earlier, interrupted run had already done."""

    rows: int
    cropped: int
    failed: int
    shards: int
    resumed_rows: int
    seconds: float
    out_dir: str

    @property
    def failures_path(self) -> str:
        return os.path.join(self.out_dir, FAILURES_FILE)

    def __str__(self) -> str:
        worked = self.rows - self.resumed_rows
        rate = worked / self.seconds if self.seconds > 0 else 0.0
        text = (f"{self.rows:,} rows in {self.shards:,} shards: {self.cropped:,} cropped, {self.failed:,} failed; "
                f"{worked:,} rows in {self.seconds:.1f} s ({rate:,.0f} crops/s)")
        if self.resumed_rows:
            text += f", {self.resumed_rows:,} done before resuming"
        if self.failed:
            text += f"; failures in {self.failures_path}"
        return text


def crop_manifest(manifest: str, out_dir: str, size: Union[int, Tuple[int, int]], *, channels: int = 3,
                  filter: Optional[str] = None, mode: str = "default", normalized: bool = False,
                  max_img_percent: float = 0.25, exif: str = "ignore", out_of_bounds: str = "error",
                  fill: int = 0, output_format: str = "npy", image_format: str = "png", quality: int = 95,
                  shard_size: int = 10000, batch_size: int = 256, root: Optional[str] = None,
                  resume: bool = False, num_threads: int = 0, manifest_format: Optional[str] = None,
                  progress: Optional[TextIO] = sys.stderr) -> JobSummary:
    """Crops every row of a manifest into ``out_dir``; see ``parcrop crop --help``.

    Args:
        manifest: a .csv, .jsonl or .parquet file ("-" reads CSV from standard input):
            one row per crop with ``source`` and either ``x0, y0, x1, y1`` (pixels, or
            fractions with ``normalized=True``) or ``x, y, scale`` (glimpses placed as
            :func:`parcrop.crop` places them); ``id`` is optional.
        out_dir: the output folder (created; it must be new, empty, or, with
            ``resume=True``, hold this job's earlier run).
        size: the output side, or (height, width) for boxes.
        channels, filter, mode, normalized, max_img_percent, exif, out_of_bounds, fill:
            as in :func:`parcrop.crop_boxes` and :func:`parcrop.crop`; ``filter=None`` is
            bilinear for boxes and nearest for glimpses.
        output_format: "npy", "webdataset" or "png" (see the layout in ``parcrop/_shards.py``).
        image_format, quality: how webdataset and png shards encode crops ("png" or "jpg";
            JPEG needs Pillow).
        shard_size: rows per shard; memory follows it.
        batch_size: rows per native call; rows of one image in a call share one decode.
        root: the folder relative sources are found in (default: the manifest's folder).
        resume: skip the shards an earlier run of the same job completed.
        num_threads: worker threads; 0 uses every core.
        progress: where the progress lines go; None for silence.

    Returns:
        a :class:`JobSummary`. Failed rows are listed in ``out_dir/failures.csv``.

    Raises:
        ManifestError: the manifest is missing or lacks the columns a crop needs.
        JobError: the output folder or the settings stop the job.
    """
    height, width = (size, size) if isinstance(size, int) else size
    try:
        settings = CropSettings(height, width, channels, filter, mode, normalized, max_img_percent, exif,
                                out_of_bounds, fill)
        shard_format = ShardFormat(output_format, image_format, quality)
    except ValueError as exc:
        raise JobError(str(exc)) from None
    if shard_size < 1 or batch_size < 1:
        raise JobError("shard_size and batch_size must be at least 1")

    started = time.monotonic()
    with Manifest(manifest, manifest_format) as rows:
        try:
            settings.check_kind(rows.kind)
        except ValueError as exc:
            raise JobError(str(exc)) from None
        description = {"version": _JOB_VERSION, "kind": rows.kind, "settings": settings.as_dict(),
                       "output_format": output_format, "image_format": image_format, "quality": quality,
                       "shard_size": shard_size}
        _prepare_out_dir(out_dir, description, resume)
        reporter = Progress(rows.count_rows(), stream=progress)
        base = root if root is not None else rows.base_dir
        with Cropper(num_threads) as cropper:
            job = _Job(rows, out_dir, settings, shard_format, shard_size, batch_size, base, cropper, reporter)
            try:
                job.run()
            except OSError as exc:  # a full disk, a folder removed under the job
                raise JobError(f"writing to {out_dir!r} failed ({exc.strerror or exc}); the complete shards "
                               "are kept, and --resume continues once the cause is fixed") from None
        reporter.close()
    failed = _write_failures(out_dir, job.shards)
    summary = JobSummary(rows=job.rows, cropped=job.rows - failed, failed=failed, shards=job.shards,
                         resumed_rows=job.resumed_rows, seconds=time.monotonic() - started, out_dir=out_dir)
    _write_json(os.path.join(out_dir, JOB_FILE),
                {**description, "finished": True, "rows": summary.rows, "failed": summary.failed,
                 "shards": summary.shards})
    return summary


def _prepare_out_dir(out_dir: str, description: Dict[str, Any], resume: bool) -> None:
    try:
        os.makedirs(out_dir, exist_ok=True)
    except OSError as exc:
        raise JobError(f"cannot create the output folder {out_dir!r}: {exc.strerror or exc}") from None
    job_path = os.path.join(out_dir, JOB_FILE)
    if os.path.exists(job_path):
        if not resume:
            raise JobError(f"{out_dir!r} holds an earlier job ({JOB_FILE}): pass --resume to continue it, "
                           "or choose a new folder")
        try:
            with open(job_path, encoding="utf-8") as file:
                earlier = json.load(file)
        except (OSError, ValueError) as exc:
            raise JobError(f"cannot read {job_path!r}: {exc}") from None
        changed = sorted(key for key in description if earlier.get(key) != description[key])
        if changed:
            raise JobError(f"{out_dir!r} holds a job with other settings ({', '.join(changed)} differ): "
                           "resume it with the same settings, or choose a new folder")
    elif os.listdir(out_dir):
        raise JobError(f"the output folder {out_dir!r} is not empty and holds no parcrop job")
    try:
        remove_stale_temporaries(out_dir)
        _write_json(job_path, {**description, "finished": False})
    except OSError as exc:
        raise JobError(f"cannot write in the output folder {out_dir!r}: {exc.strerror or exc}") from None


def _write_json(path: str, value: Dict[str, Any]) -> None:
    temp = path + ".tmp"
    with open(temp, "w", encoding="utf-8") as file:
        json.dump(value, file, indent=2, sort_keys=True)
        file.write("\n")
    os.replace(temp, path)


class _Job:
    def __init__(self, manifest: Manifest, out_dir: str, settings: CropSettings, shard_format: ShardFormat,
                 shard_size: int, batch_size: int, root: str, cropper: Cropper, progress: Progress) -> None:
        self.manifest = manifest
        self.out_dir = out_dir
        self.settings = settings
        self.shard_format = shard_format
        self.shard_size = shard_size
        self.batch_size = batch_size
        self.root = root
        self.cropper = cropper
        self.progress = progress
        self.value_names = value_columns(manifest.kind)
        self.rows = 0
        self.shards = 0
        self.resumed_rows = 0

    def run(self) -> None:
        for shard, (columns, count) in enumerate(_regrouped(self.manifest.chunks(min(self.shard_size, 4096)),
                                                            self.shard_size)):
            if os.path.exists(index_path(self.out_dir, shard)):
                self.progress.skip(count, self._check_done_shard(shard, columns, count))
                self.resumed_rows += count
            else:
                self._crop_shard(shard, columns, count)
            self.rows += count
            self.shards += 1

    def _check_done_shard(self, shard: int, columns: Dict[str, List[Any]], count: int) -> int:
        """The failures of a shard an earlier run completed, after checking that it was made
        from these manifest rows (resuming with an edited manifest would mix two jobs)."""
        failed = 0
        lines = 0
        for line in index_rows(self.out_dir, shard):
            if lines == count or [line["source"], *(line[name] for name in self.value_names)] != \
                    [_text(columns.get("source"), lines), *(_text(columns.get(name), lines) for name in self.value_names)]:
                break
            failed += line["status"] != "OK"
            lines += 1
        else:
            if lines == count:
                return failed
        raise JobError(f"shard {shard} in {self.out_dir!r} was made from other manifest rows than these "
                       f"(they differ at row {self.rows + lines}): the manifest changed since the "
                       "interrupted run; crop it into a new folder")

    def _crop_shard(self, shard_index: int, columns: Dict[str, List[Any]], count: int) -> None:
        shard = Shard(self.out_dir, shard_index, count, self.settings.shape(), self.value_names, self.shard_format)
        try:
            first_row = self.rows
            for start in range(0, count, self.batch_size):
                end = min(count, start + self.batch_size)
                batch = {name: values[start:end] for name, values in columns.items()}
                requests = requests_from_columns(batch, end - start, self.manifest.kind, self.root)
                crops = shard.buffer(start, end - start)
                statuses, messages = crop_requests(self.cropper, requests, self.settings, crops)
                records = [IndexRecord(first_row + start + i, requests.ids[i], _text(batch.get("source"), i),
                                       [_text(batch.get(name), i) for name in self.value_names])
                           for i in range(end - start)]
                shard.add(records, crops, statuses, messages)
                self.progress.update(end - start, int((statuses != 0).sum()))
            shard.commit()
        except BaseException:
            shard.abort()
            raise


def _text(column: Optional[Sequence[Any]], row: int) -> str:
    if column is None or column[row] is None:
        return ""
    value = column[row]
    return value if isinstance(value, str) else json.dumps(value) if isinstance(value, bool) else str(value)


def _regrouped(chunks: Iterator[Tuple[Dict[str, List[Any]], int]],
               size: int) -> Iterator[Tuple[Dict[str, List[Any]], int]]:
    """Chunks of rows regrouped into groups of exactly ``size`` rows (the last may be
    shorter). A column missing from some chunks (JSON Lines) is None in their rows."""
    pending: List[Tuple[Dict[str, List[Any]], int]] = []
    held = 0
    for columns, count in chunks:
        pending.append((columns, count))
        held += count
        while held >= size:
            group, pending, held = _take(pending, size), _rest(pending, size), held - size
            yield group, size
    if held:
        yield _take(pending, held), held


def _take(chunks: List[Tuple[Dict[str, List[Any]], int]], size: int) -> Dict[str, List[Any]]:
    names: List[str] = []
    for columns, _ in chunks:
        names.extend(name for name in columns if name not in names)
    taken: Dict[str, List[Any]] = {name: [] for name in names}
    left = size
    for columns, count in chunks:
        used = min(left, count)
        for name in names:
            values = columns.get(name)
            taken[name].extend(values[:used] if values is not None else [None] * used)
        left -= used
        if left == 0:
            break
    return taken


def _rest(chunks: List[Tuple[Dict[str, List[Any]], int]], size: int) -> List[Tuple[Dict[str, List[Any]], int]]:
    rest = []
    for columns, count in chunks:
        if size >= count:
            size -= count
            continue
        rest.append(({name: values[size:] for name, values in columns.items()}, count - size))
        size = 0
    return rest


def _write_failures(out_dir: str, shards: int) -> int:
    """failures.csv from the shards' indexes (so a resumed job lists the failures of every
    run); returns how many rows failed."""
    path = os.path.join(out_dir, FAILURES_FILE)
    temp = path + ".tmp"
    failed = 0
    with open(temp, "w", encoding="utf-8", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(["row", "id", "source", "status", "message"])
        for shard in range(shards):
            for line in index_rows(out_dir, shard):
                if line["status"] != "OK":
                    writer.writerow([line["row"], line["id"], line["source"], line["status"], line["message"]])
                    failed += 1
    os.replace(temp, path)
    return failed
