"""Threads: determinism across thread counts, the GIL, concurrent Python threads, Cropper lifetime."""

import pickle
import threading
import time

import numpy as np
import pytest

import parcrop
from parcrop import Status
from parcrop_testutil import encode, noise, run_in_threads, save, smooth


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    rng = np.random.default_rng(7)
    folder = tmp_path_factory.mktemp("threads")
    paths, boxes = [], []
    for i in range(40):
        height, width = (int(v) for v in rng.integers(40, 300, 2))
        if i % 2:
            path = save(folder / f"{i}.png", noise(rng, height, width, 3))
        else:
            path = str(folder / f"{i}.jpg")
            (folder / f"{i}.jpg").write_bytes(encode(smooth(rng, height, width, 3), "JPEG", quality=88))
        paths.append(path)
        x0, y0 = int(rng.integers(0, width // 2)), int(rng.integers(0, height // 2))
        boxes.append([x0, y0, int(rng.integers(x0 + 2, width + 1)), int(rng.integers(y0 + 2, height + 1))])
    x = rng.random(40).astype(np.float32)
    y = rng.random(40).astype(np.float32)
    scale = rng.uniform(0.05, 0.5, 40).astype(np.float32)
    return paths, np.array(boxes, np.float32), x, y, scale


@pytest.mark.parametrize("filter", ["nearest", "bilinear", "lanczos3"])
@pytest.mark.parametrize("mode", ["exact", "fast"])
def test_one_and_two_threads_give_identical_bytes(batch, filter, mode):
    paths, boxes, x, y, scale = batch
    one = parcrop.crop_boxes(paths, boxes, (20, 28), filter=filter, mode=mode, num_threads=1)
    two = parcrop.crop_boxes(paths, boxes, (20, 28), filter=filter, mode=mode, num_threads=2)
    many = parcrop.crop_boxes(paths, boxes, (20, 28), filter=filter, mode=mode, num_threads=5)
    np.testing.assert_array_equal(one, two)
    np.testing.assert_array_equal(one, many)
    g1 = parcrop.crop(paths, x, y, scale, filter=filter, num_threads=1)
    g2 = parcrop.crop(paths, x, y, scale, filter=filter, num_threads=2)
    np.testing.assert_array_equal(g1, g2)


def test_gil_is_released_during_native_work(tmp_path):
    rng = np.random.default_rng(1)
    # A batch that takes a good fraction of a second on one thread: full-size lanczos
    # crops of large PNGs, decoded in full for each distinct path.
    image = noise(rng, 1000, 1000, 3)
    paths = [save(tmp_path / f"large{i}.png", image) for i in range(16)]
    boxes = np.array([[0, 0, 1000, 1000]] * len(paths), np.float32)
    stats = {"ticks": 0, "max_gap": 0.0}
    measuring, stop = threading.Event(), threading.Event()

    def count():
        last = time.perf_counter()
        while not stop.is_set():
            now = time.perf_counter()
            if measuring.is_set():
                stats["ticks"] += 1
                stats["max_gap"] = max(stats["max_gap"], now - last)
            last = now

    counter = threading.Thread(target=count)
    counter.start()
    calls = []
    try:
        with parcrop.Cropper(num_threads=1) as cropper:
            time.sleep(0.02)
            measuring.set()
            for _ in range(2):
                start = time.perf_counter()
                cropper.crop_boxes(paths, boxes, 300, filter="lanczos3", mode="exact")
                calls.append(time.perf_counter() - start)
            measuring.clear()
    finally:
        stop.set()
        counter.join()
    shortest = min(calls)
    assert shortest > 0.1, f"the batch was too quick to tell: {calls}"
    # With the GIL held, the counter would stall for a whole native call; released, it
    # keeps ticking (stalls only at switch intervals of a few milliseconds).
    assert stats["ticks"] > 1000
    assert stats["max_gap"] < shortest / 4, (stats, calls)


def _expected(batch):
    paths, boxes, x, y, scale = batch
    return (parcrop.crop_boxes(paths, boxes, 16, num_threads=1),
            parcrop.crop(paths, x, y, scale, window_size=16, num_threads=1))


def _hammer(cropper_for, batch, expected, rounds=4):
    paths, boxes, x, y, scale = batch
    barrier = threading.Barrier(4)

    def work(worker):
        cropper = cropper_for(worker)
        barrier.wait()
        for r in range(rounds):
            # Each thread crops its own rotation of the batch.
            order = np.roll(np.arange(len(paths)), worker * 3 + r)
            got = cropper.crop_boxes([paths[i] for i in order], boxes[order], 16)
            np.testing.assert_array_equal(got, expected[0][order])
            got = cropper.crop([paths[i] for i in order], x[order], y[order], scale[order], window_size=16)
            np.testing.assert_array_equal(got, expected[1][order])

    run_in_threads(work, 4)


def test_four_threads_with_their_own_croppers(batch):
    expected = _expected(batch)
    croppers = [parcrop.Cropper(num_threads=2) for _ in range(4)]
    _hammer(lambda w: croppers[w], batch, expected)
    for cropper in croppers:
        cropper.close()


def test_four_threads_sharing_one_cropper(batch):
    expected = _expected(batch)
    with parcrop.Cropper(num_threads=2) as shared:
        _hammer(lambda w: shared, batch, expected)


def test_four_threads_with_module_functions(batch):
    expected = _expected(batch)

    class Module:
        crop = staticmethod(lambda *a, **k: parcrop.crop(*a, num_threads=2, **k))
        crop_boxes = staticmethod(lambda *a, **k: parcrop.crop_boxes(*a, num_threads=2, **k))

    _hammer(lambda w: Module, batch, expected, rounds=2)


def test_shared_cropper_reports_failures_per_call(batch, tmp_path):
    paths, boxes, _, _, _ = batch
    missing = str(tmp_path / "missing.png")

    def work(worker):
        for _ in range(5):
            sources = list(paths[:8])
            sources[worker] = missing
            with pytest.raises(parcrop.InputError) as info:
                shared.crop_boxes(sources, boxes[:8], 8)
            assert [f[:2] for f in info.value.failures] == [(worker, Status.FILE_NOT_FOUND)]
            assert info.value.failures[0][2]  # a message (the item's, or the status text)

    with parcrop.Cropper(num_threads=2) as shared:
        run_in_threads(work, 4)


# ------------------------------------------------------------------ Cropper lifetime

def test_cropper_context_manager_and_close(batch):
    paths, boxes, _, _, _ = batch
    with parcrop.Cropper(num_threads=1) as cropper:
        assert not cropper.closed
        first = cropper.crop_boxes(paths[:3], boxes[:3], 8)
    assert cropper.closed
    with pytest.raises(ValueError, match="closed"):
        cropper.crop_boxes(paths[:3], boxes[:3], 8)
    with pytest.raises(ValueError, match="closed"):
        cropper.crop(paths[:3], 0.1, 0.1, 0.1)
    with pytest.raises(ValueError, match="closed"):
        with cropper:
            pass
    cropper.close()  # idempotent
    other = parcrop.Cropper()
    np.testing.assert_array_equal(other.crop_boxes(paths[:3], boxes[:3], 8), first)
    other.close()
    assert other.closed and "closed" in repr(other)


def test_close_waits_for_a_running_batch(tmp_path):
    rng = np.random.default_rng(3)
    image = save(tmp_path / "large.png", noise(rng, 1200, 1200, 3))
    cropper = parcrop.Cropper(num_threads=1)
    expected = parcrop.crop_boxes([image] * 4, [[0, 0, 1200, 1200]] * 4, 64, filter="lanczos3", mode="exact")
    result = {}

    def work():
        result["out"] = cropper.crop_boxes([image] * 4, [[0, 0, 1200, 1200]] * 4, 64, filter="lanczos3",
                                           mode="exact")

    thread = threading.Thread(target=work)
    thread.start()
    time.sleep(0.05)
    cropper.close()  # the native context is freed only when the batch ends
    thread.join()
    np.testing.assert_array_equal(result["out"], expected)
    with pytest.raises(ValueError):
        cropper.crop_boxes([image], [[0, 0, 1, 1]], 4)


def test_cropper_pickles_as_its_settings(batch):
    paths, boxes, _, _, _ = batch
    with parcrop.Cropper(num_threads=1, max_pixels=10**6) as cropper:
        clone = pickle.loads(pickle.dumps(cropper))
        np.testing.assert_array_equal(clone.crop_boxes(paths[:4], boxes[:4], 8),
                                      cropper.crop_boxes(paths[:4], boxes[:4], 8))
    clone.close()


@pytest.mark.parametrize("kwargs,error", [
    (dict(num_threads=-1), ValueError),
    (dict(max_width=0), ValueError),
    (dict(max_height=-5), ValueError),
    (dict(max_pixels=0), ValueError),
    (dict(max_file_size=2**64), ValueError),
    (dict(max_width=1.5), TypeError),
])
def test_cropper_option_errors(kwargs, error):
    with pytest.raises(error):
        parcrop.Cropper(**kwargs)
