"""parcrop.sampling: torchvision's RandomResizedCrop boxes, reproducible per item."""

import math

import numpy as np
import pytest

from parcrop.sampling import item_seed, random_resized_crop_boxes, random_resized_crops

SIZES = np.array([[500, 375], [375, 500], [2560, 1600], [64, 64], [1000, 10], [10, 1000], [1, 1], [3, 200]])


def _check_inside(boxes, sizes):
    assert boxes.dtype == np.float32 and boxes.shape == (len(sizes), 4)
    assert (boxes == np.round(boxes)).all()
    assert (boxes[:, 0] >= 0).all() and (boxes[:, 1] >= 0).all()
    assert (boxes[:, 2] <= sizes[:, 0]).all() and (boxes[:, 3] <= sizes[:, 1]).all()
    assert (boxes[:, 2] > boxes[:, 0]).all() and (boxes[:, 3] > boxes[:, 1]).all()


@pytest.mark.parametrize("backend", ["numpy", "torch"])
def test_boxes_lie_inside_their_images(backend):
    if backend == "torch":
        pytest.importorskip("torch")
    for epoch in range(20):
        boxes = random_resized_crop_boxes(SIZES, seed=7, epoch=epoch, backend=backend)
        _check_inside(boxes, SIZES)


@pytest.mark.parametrize("backend", ["numpy", "torch"])
def test_boxes_depend_only_on_seed_epoch_and_index(backend):
    if backend == "torch":
        pytest.importorskip("torch")
    sizes = np.array([[640, 480]] * 6)
    forward = random_resized_crop_boxes(sizes, seed=3, epoch=2, indices=[10, 11, 12, 13, 14, 15], backend=backend)
    order = [4, 0, 5, 2, 1, 3]
    shuffled = random_resized_crop_boxes(sizes, seed=3, epoch=2, indices=[10 + i for i in order], backend=backend)
    np.testing.assert_array_equal(shuffled, forward[order])
    # One item at a time, as a worker with a batch of one would draw it.
    singles = np.concatenate([random_resized_crop_boxes(sizes[:1], seed=3, epoch=2, indices=[10 + i],
                                                        backend=backend) for i in range(6)])
    np.testing.assert_array_equal(singles, forward)
    other_epoch = random_resized_crop_boxes(sizes, seed=3, epoch=3, indices=range(10, 16), backend=backend)
    assert (other_epoch != forward).any()


def test_numpy_boxes_follow_the_documented_distribution():
    sizes = np.array([[1000, 1000]] * 4000)
    boxes = random_resized_crop_boxes(sizes, scale=(0.2, 0.9), ratio=(0.5, 2.0), seed=1, backend="numpy")
    w = boxes[:, 2] - boxes[:, 0]
    h = boxes[:, 3] - boxes[:, 1]
    area = w * h / (1000 * 1000)
    # Rounding w and h to whole pixels moves the area and ratio a little.
    assert area.min() > 0.2 * 0.99 and area.max() < 0.9 * 1.01
    log_aspect = np.log(w / h)
    assert log_aspect.min() > math.log(0.5) - 0.01 and log_aspect.max() < math.log(2.0) + 0.01
    # Log-uniform aspect: on a square image, tries are refused alike for wide and tall
    # boxes, so the mean log ratio stays in the middle.
    assert abs(float(log_aspect.mean())) < 0.05
    # The top-left corner is uniform over the positions that fit.
    assert 0.4 < float(np.mean(boxes[:, 0] / (1000 - w + 1e-9))) < 0.6


def test_the_centred_fallback():
    # No try can fit a 95% area at ratio 1 in a 1000x10 image: torchvision's fallback
    # crops the centre at the nearest allowed ratio.
    sizes = np.array([[1000, 10], [10, 1000], [100, 100]])
    boxes = random_resized_crop_boxes(sizes, scale=(0.95, 1.0), ratio=(1.0, 1.0), backend="numpy")
    np.testing.assert_array_equal(boxes[0], [495, 0, 505, 10])   # h = 10, w = round(10 * 1)
    np.testing.assert_array_equal(boxes[1], [0, 495, 10, 505])


def test_item_seed_and_argument_checks():
    assert item_seed(1, 2, 3) == item_seed(1, 2, 3) != item_seed(1, 2, 4)
    assert 0 <= item_seed(0, 0, 0) < 2 ** 63
    with pytest.raises(ValueError):
        item_seed(-1, 0, 0)
    with pytest.raises(ValueError, match="sizes"):
        random_resized_crop_boxes(np.array([[10.5, 3]]))
    with pytest.raises(ValueError, match="sizes"):
        random_resized_crop_boxes(np.array([[0, 3]]))
    with pytest.raises(ValueError, match="indices"):
        random_resized_crop_boxes(SIZES, indices=[1, 2])
    with pytest.raises(ValueError, match="increasing"):
        random_resized_crop_boxes(SIZES, scale=(0.9, 0.1))
    with pytest.raises(ValueError, match="backend"):
        random_resized_crop_boxes(SIZES, backend="jax")


def test_equals_torchvision_get_params_for_the_same_generator_state():
    torch = pytest.importorskip("torch")
    transforms = pytest.importorskip("torchvision.transforms")
    sizes = np.array([[500, 375], [375, 500], [2560, 1600], [1000, 10], [31, 17], [224, 224]] * 20)
    for scale, ratio in [((0.08, 1.0), (3 / 4, 4 / 3)), ((0.5, 1.0), (0.2, 5.0)), ((0.9, 1.0), (1.0, 1.0))]:
        torch.manual_seed(1234)
        want = []
        for width, height in sizes.tolist():
            top, left, h, w = transforms.RandomResizedCrop.get_params(torch.empty(3, height, width), scale, ratio)
            want.append((left, top, left + w, top + h))
        got = random_resized_crop_boxes(sizes, scale, ratio, generator=torch.Generator().manual_seed(1234))
        np.testing.assert_array_equal(got, np.array(want, dtype=np.float32), err_msg=f"{scale} {ratio}")


def test_flips_follow_the_box_in_the_same_stream_as_torchvision():
    torch = pytest.importorskip("torch")
    transforms = pytest.importorskip("torchvision.transforms")
    sizes = np.array([[500, 375], [64, 640], [300, 300]] * 30)
    flip = transforms.RandomHorizontalFlip(0.5)
    torch.manual_seed(99)
    want_boxes, want_flips = [], []
    for width, height in sizes.tolist():
        image = torch.arange(width, dtype=torch.float32).expand(1, height, width)
        top, left, h, w = transforms.RandomResizedCrop.get_params(image, (0.08, 1.0), (3 / 4, 4 / 3))
        want_boxes.append((left, top, left + w, top + h))
        want_flips.append(bool(flip(image)[0, 0, 0] != 0))  # a flipped row starts at width - 1
    boxes, flips = random_resized_crops(sizes, flip_p=0.5, generator=torch.Generator().manual_seed(99))
    np.testing.assert_array_equal(boxes, np.array(want_boxes, dtype=np.float32))
    np.testing.assert_array_equal(flips, want_flips)


def test_flip_probability_and_stream_of_the_numpy_variant():
    sizes = np.array([[100, 100]] * 2000)
    boxes, flips = random_resized_crops(sizes, flip_p=0.3, seed=5, backend="numpy")
    assert 0.25 < flips.mean() < 0.35
    # The box is drawn before the flip from the same stream: flip_p does not move boxes.
    np.testing.assert_array_equal(boxes, random_resized_crop_boxes(sizes, seed=5, backend="numpy"))
    assert not random_resized_crops(sizes, flip_p=0.0, seed=5, backend="numpy")[1].any()
