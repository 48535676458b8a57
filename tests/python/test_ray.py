"""parcrop.ray on a real two-node Ray cluster (one CPU each, in this machine): the same crops
and statuses as `parcrop crop` on the same manifest, from paths, from bytes and from Parquet."""

import csv
import os

import numpy as np
import pytest

ray = pytest.importorskip("ray")
pytest.importorskip("ray.data")
pyarrow = pytest.importorskip("pyarrow")

import parcrop  # noqa: E402
import parcrop.ray  # noqa: E402
from parcrop_testutil import make_crop_dataset, read_npy_shards, run_parcrop, write_manifest  # noqa: E402


@pytest.fixture(scope="module")
def cluster():
    from ray.cluster_utils import Cluster

    nodes = Cluster(initialize_head=True, head_node_args={"num_cpus": 1})
    nodes.add_node(num_cpus=1)
    nodes.wait_for_nodes()
    # Workers import the package these tests import, and load the same library.
    package_parent = os.path.dirname(os.path.dirname(parcrop.__file__))
    env_vars = {"PYTHONPATH": package_parent}
    if os.environ.get("PARCROP_LIBRARY"):
        env_vars["PARCROP_LIBRARY"] = os.environ["PARCROP_LIBRARY"]
    ray.init(address=nodes.address, runtime_env={"env_vars": env_vars}, logging_level="ERROR",
             log_to_driver=False, include_dashboard=False)
    context = ray.data.DataContext.get_current()
    context.enable_progress_bars = False
    context.print_on_execution_start = False
    assert len([node for node in ray.nodes() if node["Alive"]]) == 2
    yield nodes
    ray.shutdown()
    nodes.shutdown()


@pytest.fixture(scope="module")
def job(tmp_path_factory):
    """A manifest with good and bad rows, cropped by `parcrop crop`: the reference."""
    folder = tmp_path_factory.mktemp("ray_job")
    rows = make_crop_dataset(folder, np.random.default_rng(7), rows=40)
    (folder / "garbage.png").write_bytes(b"\x89PNG\r\n\x1a\n broken")
    rows[5] = {**rows[5], "source": "images/missing.jpg"}
    rows[9] = {**rows[9], "x1": float("nan")}
    rows[13] = {**rows[13], "source": "garbage.png"}
    rows[17] = {**rows[17], "x0": -50.0}
    manifest = write_manifest(folder / "boxes.csv", rows)
    result = run_parcrop("crop", manifest, "-o", folder / "cli", "--size", 24, "--shard-size", 16)
    assert result.returncode == 0, result.stderr
    crops, index = read_npy_shards(folder / "cli")
    statuses = [int(parcrop.Status[line["status"]]) for line in index]
    assert sorted(row for row, status in enumerate(statuses) if status) == [5, 9, 13, 17]
    return folder, rows, manifest, crops, statuses


def _by_id(records):
    return {record["id"]: record for record in records}


def _assert_same_as_cli(records, rows, crops, statuses):
    found = _by_id(records)
    assert sorted(found) == sorted(row["id"] for row in rows)
    for index, row in enumerate(rows):
        record = found[row["id"]]
        assert int(record["status"]) == statuses[index], (row["id"], record["message"])
        assert bool(record["message"]) == bool(statuses[index])
        assert np.array_equal(record["crop"], crops[index]), row["id"]


def test_csv_manifest_on_the_cluster_equals_the_cli(cluster, job):
    folder, rows, manifest, crops, statuses = job
    dataset = ray.data.read_csv(manifest)
    records = parcrop.ray.crop_dataset(dataset, 24, root=str(folder), batch_size=8).take_all()
    _assert_same_as_cli(records, rows, crops, statuses)


def test_parquet_manifest_and_bytes_rows_equal_the_cli(cluster, job, tmp_path):
    import pyarrow.parquet as parquet

    folder, rows, manifest, crops, statuses = job
    absolute = [{**row, "source": str(folder / row["source"])} for row in rows]
    parquet.write_table(pyarrow.Table.from_pylist(absolute), tmp_path / "boxes.parquet", row_group_size=10)
    records = parcrop.ray.crop_dataset(ray.data.read_parquet(str(tmp_path / "boxes.parquet")), 24,
                                       batch_size=16).take_all()
    _assert_same_as_cli(records, rows, crops, statuses)

    def encoded(row):
        path = folder / row["source"]
        return {**row, "source": None, "bytes": path.read_bytes() if path.exists() else b""}

    with_bytes = [encoded(row) for row in rows]
    records = parcrop.ray.crop_dataset(ray.data.from_items(with_bytes), 24, batch_size=16).take_all()
    assert "bytes" not in records[0]
    found = _by_id(records)
    for index, row in enumerate(rows):
        if index == 5:  # a missing file has no bytes to send: the row has no source
            assert found[row["id"]]["status"] == parcrop.Status.INVALID_SOURCE
            continue
        assert found[row["id"]]["status"] == statuses[index]
        assert np.array_equal(found[row["id"]]["crop"], crops[index])


def test_glimpses_stream_into_torch_style_batches(cluster, tmp_path, rng):
    from parcrop_testutil import noise, save

    path = save(tmp_path / "a.png", noise(rng, 50, 70, 3))
    glimpses = [{"id": i, "source": path, "x": x, "y": 0.3, "scale": 0.25} for i, x in enumerate(np.linspace(0, 1, 12))]
    dataset = parcrop.ray.crop_dataset(ray.data.from_items(glimpses), 8, batch_size=4)
    batches = list(dataset.iter_batches(batch_size=6, batch_format="numpy"))
    got = np.concatenate([batch["crop"] for batch in batches])
    order = np.concatenate([batch["id"] for batch in batches]).astype(int)
    expected = parcrop.crop([path] * 12, np.linspace(0, 1, 12), 0.3, 0.25, window_size=8)
    assert np.array_equal(got, expected[order])


def test_an_actor_may_not_take_every_cpu(cluster):
    # Otherwise the read tasks wait for a CPU forever: a hang, not an error.
    rows = ray.data.from_items([{"source": "a.png", "x0": 0, "y0": 0, "x1": 1, "y1": 1}])
    with pytest.raises(ValueError, match="every CPU"):
        parcrop.ray.crop_dataset(rows, 8, num_cpus=2)


def test_crop_batches_runs_without_a_cluster(job):
    """The callable class alone, as a unit: one batch of numpy columns."""
    folder, rows, manifest, crops, statuses = job
    with open(manifest, newline="") as file:
        table = list(csv.DictReader(file))
    columns = {name: np.array([line[name] for line in table], dtype=object) for name in table[0]}
    result = parcrop.ray.CropBatches(24, root=str(folder), num_threads=1)(columns)
    assert np.array_equal(result["crop"], crops)
    assert result["status"].tolist() == statuses
    assert "'x1'" not in result["message"][9] and result["message"][9]
    with pytest.raises(ValueError, match="glimpses are square"):
        parcrop.ray.CropBatches((8, 9))({"source": np.array(["a"]), "x": np.array([0.1]), "y": np.array([0.1]),
                                         "scale": np.array([0.2])})
