"""Worker processes after the parent used parcrop (and so OpenMP).

GNU libgomp can hang a child forked after the parent ran OpenMP threads, at the
child's first multi-threaded parallel region. libparcrop detects such a child and
runs its batches on fresh threads instead; these tests cover that and the documented
remedies (spawn or forkserver workers, forked workers with num_threads=1). A hang
fails a test after TIMEOUT seconds instead of blocking the suite.
"""

import multiprocessing
import sys

import numpy as np
import pytest

import parcrop
from parcrop_testutil import crop_in_worker, encode, noise

TIMEOUT = 120  # a hang fails the test instead of blocking the suite


@pytest.fixture(scope="module")
def job():
    rng = np.random.default_rng(11)
    sources = [encode(noise(rng, 64, 80, 3)) for _ in range(6)]
    boxes = [[0, 0, 80, 64], [5, 5, 50, 40]] * 3
    # The parent runs a multi-threaded batch first.
    expected = parcrop.crop_boxes(sources, boxes, 8, num_threads=2)
    return sources, boxes, expected


def _run(context_name, job, num_threads):
    sources, boxes, expected = job
    context = multiprocessing.get_context(context_name)
    with context.Pool(2) as pool:
        results = pool.map_async(crop_in_worker, [(sources, boxes, num_threads)] * 4).get(TIMEOUT)
    for result in results:
        np.testing.assert_array_equal(np.frombuffer(result, np.uint8).reshape(expected.shape), expected)


def test_spawn_workers_may_use_threads(job):
    _run("spawn", job, num_threads=2)


@pytest.mark.skipif(sys.platform != "linux", reason="forkserver/fork semantics tested on Linux")
def test_forkserver_workers_may_use_threads(job):
    _run("forkserver", job, num_threads=2)


@pytest.mark.skipif(sys.platform != "linux", reason="fork is the Linux default")
def test_forked_workers_with_one_thread(job):
    _run("fork", job, num_threads=1)


@pytest.mark.skipif(sys.platform != "linux", reason="fork is the Linux default")
def test_forked_workers_may_use_threads(job):
    _run("fork", job, num_threads=2)
