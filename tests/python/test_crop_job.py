"""`parcrop crop`: a manifest cropped into shards, checked against crop_boxes on the same rows,
with bad rows, interruptions and resumes."""

import csv
import io
import json
import os
import signal
import subprocess
import sys
import tarfile
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import parcrop
from parcrop._progress import Progress
from parcrop_testutil import child_env, make_crop_dataset, noise, read_npy_shards, run_parcrop, save, write_manifest


def _reference(folder, rows, size=16, **kwargs):
    """crop_boxes on the manifest's rows: what every output format must hold."""
    sources = [str(Path(folder) / row["source"]) for row in rows]
    boxes = np.array([[row[name] for name in ("x0", "y0", "x1", "y1")] for row in rows], dtype=np.float64)
    return parcrop.crop_boxes(sources, boxes, size, errors="status", **kwargs)


def _all_files(folder):
    return {str(path.relative_to(folder)): path.read_bytes()
            for path in sorted(Path(folder).rglob("*")) if path.is_file()}


@pytest.fixture
def dataset(rng, tmp_path):
    rows = make_crop_dataset(tmp_path, rng, rows=45)
    return tmp_path, rows, write_manifest(tmp_path / "boxes.csv", rows)


def test_npy_shards_equal_crop_boxes(dataset):
    folder, rows, manifest = dataset
    result = run_parcrop("crop", manifest, "-o", folder / "out", "--size", 16, "--shard-size", 20,
                         "--batch-size", 7)
    assert result.returncode == 0, result.stderr
    assert "45 rows in 3 shards: 45 cropped, 0 failed" in result.stderr
    crops, lines = read_npy_shards(folder / "out")
    expected, statuses = _reference(folder, rows)
    assert not statuses.any()
    assert crops.shape == (45, 16, 16, 3) and np.array_equal(crops, expected)
    assert [line["id"] for line in lines] == [row["id"] for row in rows]
    assert [line["row"] for line in lines] == [str(i) for i in range(45)]
    assert {line["status"] for line in lines} == {"OK"}
    assert [float(line["x1"]) for line in lines] == [row["x1"] for row in rows]
    job = json.loads((folder / "out" / "job.json").read_text())
    assert job["finished"] and job["rows"] == 45 and job["failed"] == 0 and job["shards"] == 3


def test_webdataset_and_png_outputs_hold_the_same_crops(dataset):
    folder, rows, manifest = dataset
    expected, _ = _reference(folder, rows, size=(12, 20), channels=4, filter="bicubic")
    for output_format in ("webdataset", "png"):
        out = folder / output_format
        result = run_parcrop("crop", manifest, "-o", out, "--size", 12, 20, "--channels", 4, "--filter", "bicubic",
                             "--format", output_format, "--shard-size", 16)
        assert result.returncode == 0, result.stderr
        if output_format == "webdataset":
            members = {}
            for shard in sorted(out.glob("shard-*.tar")):
                with tarfile.open(shard) as tar:
                    members.update({member.name: tar.extractfile(member).read() for member in tar.getmembers()})
            images = {name.split(".")[0]: data for name, data in members.items() if name.endswith(".png")}
            sidecar = json.loads(members["000000003.json"])
            assert sidecar["id"] == rows[3]["id"] and sidecar["source"] == rows[3]["source"]
            assert sidecar["x0"] == rows[3]["x0"] and sidecar["row"] == 3
        else:
            images = {path.stem: path.read_bytes() for path in out.glob("shard-*/*.png")}
        assert sorted(images) == [f"{row:09d}" for row in range(45)]
        for row in range(45):
            decoded = np.asarray(Image.open(io.BytesIO(images[f"{row:09d}"])))
            assert decoded.shape == (12, 20, 4) and np.array_equal(decoded, expected[row]), (output_format, row)


def test_webdataset_jpeg_crops(dataset):
    folder, rows, manifest = dataset
    expected, _ = _reference(folder, rows, size=32)
    out = folder / "jpeg"
    result = run_parcrop("crop", manifest, "-o", out, "--size", 32, "--format", "webdataset", "--image-format", "jpg",
                         "--quality", 98)
    assert result.returncode == 0, result.stderr
    with tarfile.open(out / "shard-000000.tar") as tar:
        images = {member.name: tar.extractfile(member).read() for member in tar.getmembers()
                  if member.name.endswith(".jpg")}
    assert len(images) == 45
    for row in range(45):
        decoded = np.asarray(Image.open(io.BytesIO(images[f"{row:09d}.jpg"])).convert("RGB")).astype(int)
        assert np.abs(decoded - expected[row]).mean() < 6, row  # JPEG loses a little, even at quality 98


def test_glimpse_and_normalized_manifests(rng, tmp_path):
    image = noise(rng, 90, 120, 3)
    save(tmp_path / "a.png", image)
    glimpses = tmp_path / "glimpses.jsonl"
    glimpses.write_text("".join(json.dumps({"source": "a.png", "x": x, "y": y, "scale": s}) + "\n"
                                for x, y, s in [(0.1, 0.2, 0.3), (0.9, 0.9, 0.1), (0.5, 0.0, 1.0)]))
    assert run_parcrop("crop", glimpses, "-o", tmp_path / "g", "--size", 8).returncode == 0
    crops, _ = read_npy_shards(tmp_path / "g")
    expected = parcrop.crop([str(tmp_path / "a.png")] * 3, [0.1, 0.9, 0.5], [0.2, 0.9, 0.0], [0.3, 0.1, 1.0],
                            window_size=8)
    assert np.array_equal(crops, expected)

    rows = [{"source": "a.png", "x0": 0.25, "y0": 0.5, "x1": 0.75, "y1": 1.0}]
    manifest = write_manifest(tmp_path / "normalized.csv", rows, ("source", "x0", "y0", "x1", "y1"))
    assert run_parcrop("crop", manifest, "-o", tmp_path / "n", "--size", 10, "--normalized").returncode == 0
    crops, _ = read_npy_shards(tmp_path / "n")
    assert np.array_equal(crops[0], parcrop.crop_boxes([str(tmp_path / "a.png")], [[30, 45, 90, 90]], 10)[0])


def test_bad_rows_fail_alone_with_clear_messages(dataset):
    folder, rows, _ = dataset
    (folder / "garbage.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    good = Path(folder / rows[0]["source"]).read_bytes()
    (folder / "cut.jpg").write_bytes(good[:len(good) // 3])
    (folder / "a_folder").mkdir()
    ok = dict(rows[0])
    lines = [
        "id,source,x0,y0,x1,y1",
        f"{ok['id']},{ok['source']},{ok['x0']},{ok['y0']},{ok['x1']},{ok['y1']}",
        "missing-file,images/nope.png,0,0,4,4",
        "not-a-number,images/0.jpg,abc,0,4,4",
        "not-finite,images/0.jpg,0,0,inf,4",
        "nan,images/0.jpg,nan,0,4,4",
        "short-row,images/0.jpg,0,0",
        "no-source,,0,0,4,4",
        "garbage,garbage.jpg,0,0,4,4",
        "cut,cut.jpg,0,0,4,4",
        "folder,a_folder,0,0,4,4",
        "outside,images/0.jpg,0,0,100000,4",
        f"{rows[1]['id']},{rows[1]['source']},{rows[1]['x0']},{rows[1]['y0']},{rows[1]['x1']},{rows[1]['y1']}",
    ]
    manifest = folder / "bad.csv"
    manifest.write_text("\n".join(lines) + "\n")
    result = run_parcrop("crop", manifest, "-o", folder / "out", "--size", 16, "--shard-size", 5)
    assert result.returncode == 0, result.stderr
    crops, index = read_npy_shards(folder / "out")
    with open(folder / "out" / "failures.csv", newline="") as file:
        failures = {line["id"]: line for line in csv.DictReader(file)}
    expected_status = {"missing-file": "FILE_NOT_FOUND", "not-a-number": "INVALID_BOX", "not-finite": "INVALID_BOX",
                       "nan": "INVALID_BOX", "short-row": "INVALID_BOX", "no-source": "INVALID_SOURCE",
                       "garbage": None, "cut": "TRUNCATED", "folder": "NOT_A_FILE", "outside": "INVALID_BOX"}
    assert set(failures) == set(expected_status)
    for row_id, status in expected_status.items():
        assert failures[row_id]["message"], row_id
        if status:
            assert failures[row_id]["status"] == status, (row_id, failures[row_id])
    assert failures["garbage"]["status"] in ("CORRUPT", "TRUNCATED")
    assert "'x0' is 'abc', not a number" in failures["not-a-number"]["message"]
    assert "'x1' is missing" in failures["short-row"]["message"]
    assert [line["status"] == "OK" for line in index] == [True] + [False] * 10 + [True]
    expected, _ = _reference(folder, [rows[0], rows[1]])
    assert np.array_equal(crops[[0, 11]], expected)
    assert not crops[1:11].any()
    assert "12 rows in 3 shards: 2 cropped, 10 failed" in result.stderr


def test_jsonl_rows_missing_columns_and_broken_lines(dataset):
    folder, rows, _ = dataset
    records = [json.dumps(rows[0]), json.dumps({"id": "no-y1", "source": rows[1]["source"], "x0": 0, "y0": 0,
                                                "x1": 3}),
               "{ this is not json", json.dumps([1, 2]), json.dumps({**rows[2], "x0": True}), json.dumps(rows[3])]
    manifest = folder / "rows.jsonl"
    manifest.write_text("\n".join(records) + "\n")
    result = run_parcrop("crop", manifest, "-o", folder / "out", "--size", 16)
    assert result.returncode == 0, result.stderr
    crops, index = read_npy_shards(folder / "out")
    assert [line["status"] for line in index] == ["OK", "INVALID_BOX", "INVALID_SOURCE", "INVALID_SOURCE",
                                                  "INVALID_BOX", "OK"]
    assert "'y1' is missing" in index[1]["message"] and "not a number" in index[4]["message"]
    expected, _ = _reference(folder, [rows[0], rows[3]])
    assert np.array_equal(crops[[0, 5]], expected)


def test_parquet_manifest_gives_the_csv_output(dataset):
    pyarrow = pytest.importorskip("pyarrow")
    import pyarrow.parquet as parquet

    folder, rows, manifest = dataset
    table = pyarrow.Table.from_pylist(rows)
    parquet.write_table(table, folder / "boxes.parquet", row_group_size=7)
    for name, path in (("csv", manifest), ("parquet", folder / "boxes.parquet")):
        assert run_parcrop("crop", path, "-o", folder / name, "--size", 16, "--shard-size", 10).returncode == 0
    assert np.array_equal(read_npy_shards(folder / "csv")[0], read_npy_shards(folder / "parquet")[0])


def test_job_level_errors_exit_1_with_a_message(dataset):
    folder, rows, manifest = dataset
    cases = {
        "does not exist": ("crop", folder / "nope.csv", "-o", folder / "o1", "--size", 8),
        "no 'source' column": ("crop", write_manifest(folder / "nosource.csv", rows, ("id", "x0", "y0", "x1", "y1")),
                               "-o", folder / "o2", "--size", 8),
        "needs box columns": ("crop", write_manifest(folder / "nobox.csv", rows, ("source", "x0", "y0")),
                              "-o", folder / "o3", "--size", 8),
        "is empty": ("crop", folder / "empty.csv", "-o", folder / "o4", "--size", 8),
        "glimpses are square": ("crop", folder / "glimpses.csv", "-o", folder / "o5", "--size", 8, 9),
    }
    (folder / "empty.csv").write_text("")
    (folder / "glimpses.csv").write_text("source,x,y,scale\nimages/0.jpg,0.1,0.1,0.2\n")
    for message, args in cases.items():
        result = run_parcrop(*args)
        assert result.returncode == 1 and message in result.stderr, (message, result.stderr)
    assert run_parcrop("crop", manifest, "--size", 8).returncode == 2  # no -o: a usage error
    assert run_parcrop("crop", manifest, "-o", folder / "o6", "--size", 8, 8, 8).returncode == 2


def test_empty_manifest_writes_an_empty_job(tmp_path):
    manifest = tmp_path / "empty.csv"
    manifest.write_text("source,x0,y0,x1,y1\n")
    result = run_parcrop("crop", manifest, "-o", tmp_path / "out", "--size", 8)
    assert result.returncode == 0, result.stderr
    assert "0 rows in 0 shards" in result.stderr
    assert (tmp_path / "out" / "failures.csv").read_text().strip() == "row,id,source,status,message"


def test_an_output_folder_in_use_is_not_overwritten(dataset):
    folder, _, manifest = dataset
    out = folder / "out"
    assert run_parcrop("crop", manifest, "-o", out, "--size", 8).returncode == 0
    before = _all_files(out)
    again = run_parcrop("crop", manifest, "-o", out, "--size", 8)
    assert again.returncode == 1 and "--resume" in again.stderr
    other = run_parcrop("crop", manifest, "-o", out, "--size", 9, "--resume")
    assert other.returncode == 1 and "settings" in other.stderr
    (folder / "stranger").mkdir()
    (folder / "stranger" / "notes.txt").write_text("mine")
    assert run_parcrop("crop", manifest, "-o", folder / "stranger", "--size", 8).returncode == 1
    assert _all_files(out) == before


def test_resume_after_a_kill_between_shards_gives_the_uninterrupted_output(dataset):
    """The job reads its manifest from a pipe that the test feeds up to the middle of the
    third shard, so it is killed at a known point, then resumed from the full file."""
    folder, rows, manifest = dataset
    assert run_parcrop("crop", manifest, "-o", folder / "whole", "--size", 16, "--format", "webdataset",
                       "--shard-size", 10).returncode == 0
    lines = Path(manifest).read_text().splitlines(keepends=True)
    fifo = folder / "rows.fifo"
    os.mkfifo(fifo)
    job = subprocess.Popen([sys.executable, "-m", "parcrop", "crop", str(fifo), "--manifest-format", "csv",
                            "--root", str(folder), "-o", str(folder / "resumed"), "--size", "16",
                            "--format", "webdataset", "--shard-size", "10"],
                           env=child_env(), stderr=subprocess.PIPE, text=True)
    with open(fifo, "w") as pipe:
        pipe.writelines(lines[:1 + 25])
        pipe.flush()
        deadline = time.monotonic() + 60
        while not (folder / "resumed" / "shard-000001.csv").exists():
            assert time.monotonic() < deadline and job.poll() is None
            time.sleep(0.02)
        job.send_signal(signal.SIGKILL)
        job.wait(30)
    assert not (folder / "resumed" / "shard-000002.csv").exists()
    result = run_parcrop("crop", manifest, "-o", folder / "resumed", "--size", 16, "--format", "webdataset",
                         "--shard-size", 10, "--resume")
    assert result.returncode == 0, result.stderr
    assert "20 done before resuming" in result.stderr
    assert _all_files(folder / "resumed") == _all_files(folder / "whole")


def test_resume_redoes_a_shard_whose_writing_was_cut(dataset):
    """What a kill inside a shard leaves: a temporary file, or the data renamed without its
    index. Resuming removes the one and redoes the other."""
    folder, _, manifest = dataset
    args = ("crop", manifest, "--size", 16, "--shard-size", 20)
    assert run_parcrop(*args, "-o", folder / "whole").returncode == 0
    out = folder / "cut"
    assert run_parcrop(*args, "-o", out).returncode == 0
    (out / "shard-000002.csv").unlink()
    (out / "shard-000001.csv").unlink()
    (out / "shard-000001.npy").write_bytes(b"half written")
    (out / ".shard-000002.npy.tmp-12345").write_bytes(b"left over")
    result = run_parcrop(*args, "-o", out, "--resume")
    assert result.returncode == 0, result.stderr
    assert "20 done before resuming" in result.stderr
    assert _all_files(out) == _all_files(folder / "whole")


def test_sigterm_stops_cleanly_and_resume_finishes(rng, tmp_path):
    rows = make_crop_dataset(tmp_path, rng, rows=3000)
    manifest = write_manifest(tmp_path / "boxes.csv", rows)
    args = ("crop", manifest, "--size", 32, "--shard-size", 100, "--threads", 1, "--format", "png")
    job = subprocess.Popen([sys.executable, "-m", "parcrop", *map(str, args), "-o", str(tmp_path / "out")],
                           env=child_env(), stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while not (tmp_path / "out" / "shard-000000.csv").exists() and job.poll() is None:
        assert time.monotonic() < deadline
        time.sleep(0.01)
    job.send_signal(signal.SIGTERM)
    _, stderr = job.communicate(timeout=60)
    if job.returncode == 130:  # stopped in time (a fast machine may finish first)
        assert "--resume" in stderr
        assert not [name for name in os.listdir(tmp_path / "out") if ".tmp-" in name]
    else:
        assert job.returncode == 0, stderr
    assert run_parcrop(*args, "-o", tmp_path / "out", "--resume").returncode == 0
    assert run_parcrop(*args, "-o", tmp_path / "whole").returncode == 0
    assert _all_files(tmp_path / "out") == _all_files(tmp_path / "whole")


def test_progress_shows_rate_eta_and_failures():
    now = [0.0]
    stream = io.StringIO()
    progress = Progress(1000, stream=stream, interactive=False, interval=10.0, clock=lambda: now[0])
    progress.skip(200, 3)
    now[0] = 5.0
    progress.update(100, 1)
    assert stream.getvalue() == ""  # not yet due
    now[0] = 10.0
    progress.update(100, 0)
    assert stream.getvalue() == "400/1,000 crops  40.0%  20 crops/s  ETA 0:30  failed 4\n"
    progress.close()
    assert stream.getvalue().count("\n") == 2

    terminal = io.StringIO()
    progress = Progress(None, stream=terminal, interactive=True, interval=0.0, clock=lambda: now[0])
    now[0] = 12.0
    progress.update(50, 2)
    progress.close()
    assert terminal.getvalue().startswith("\r50 crops  25 crops/s  failed 2") and terminal.getvalue().endswith("\n")


def test_crop_manifest_api_and_stdin(dataset):
    folder, rows, manifest = dataset
    summary = parcrop.crop_manifest(manifest, str(folder / "api"), 16, shard_size=30, progress=None)
    assert (summary.rows, summary.cropped, summary.failed, summary.shards) == (45, 45, 0, 2)
    with open(manifest) as stdin:
        result = run_parcrop("crop", "-", "--root", folder, "-o", folder / "stdin", "--size", 16, "--shard-size",
                             30, stdin=stdin)
    assert result.returncode == 0, result.stderr
    assert _all_files(folder / "api") == _all_files(folder / "stdin")
    with pytest.raises(parcrop.JobError, match="--resume"):
        parcrop.crop_manifest(manifest, str(folder / "api"), 16, progress=None)
    with pytest.raises(parcrop.ManifestError, match="does not exist"):
        parcrop.crop_manifest(str(folder / "nope.csv"), str(folder / "x"), 16, progress=None)


def test_prepare_subcommand_runs_parcrop_prepare(rng, tmp_path):
    image = noise(rng, 64, 96, 3)
    path = save(tmp_path / "photo.jpg", image, "JPEG", quality=90)
    before = np.asarray(Image.open(path))
    help_text = run_parcrop("prepare", "--help")
    if help_text.returncode == 1 and "not installed" in help_text.stderr:
        pytest.skip("parcrop-prepare is not installed with this package (a CMake build without pip)")
    assert help_text.returncode == 0 and "restart markers" in help_text.stdout
    result = run_parcrop("prepare", "-q", path)
    assert result.returncode == 0, result.stderr
    info = parcrop.probe([path])
    assert info[0]["restart_interval"] > 0
    assert np.array_equal(np.asarray(Image.open(path)), before)


def test_a_write_failure_is_a_job_error_and_resume_recovers(dataset, monkeypatch):
    folder, _, manifest = dataset
    from parcrop import _shards

    real_commit = _shards.Shard.commit
    calls = []

    def failing_commit(shard):
        calls.append(shard.shard)
        if len(calls) == 2:
            shard.abort()
            raise OSError(28, "No space left on device")
        real_commit(shard)

    monkeypatch.setattr(_shards.Shard, "commit", failing_commit)
    with pytest.raises(parcrop.JobError, match="No space left on device.*--resume"):
        parcrop.crop_manifest(manifest, str(folder / "out"), 16, shard_size=20, progress=None)
    assert sorted(os.listdir(folder / "out")) == ["job.json", "shard-000000.csv", "shard-000000.npy"]
    monkeypatch.setattr(_shards.Shard, "commit", real_commit)
    summary = parcrop.crop_manifest(manifest, str(folder / "out"), 16, shard_size=20, progress=None, resume=True)
    assert (summary.rows, summary.resumed_rows, summary.failed) == (45, 20, 0)
    assert run_parcrop("crop", manifest, "-o", folder / "whole", "--size", 16, "--shard-size", 20).returncode == 0
    assert _all_files(folder / "out") == _all_files(folder / "whole")
