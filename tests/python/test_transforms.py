"""parcrop.transforms.RandomResizedCrop: torchvision's training crops for a batch of files."""

import pickle

import numpy as np
import pytest
from PIL import Image

import parcrop
import parcrop.transforms as T
from parcrop import Status
from parcrop_testutil import encode, noise, pillow_two_pass, smooth


def _files(rng, tmp_path, count=6):
    paths, images = [], []
    for i in range(count):
        height, width = (int(v) for v in rng.integers(40, 300, 2))
        image = noise(rng, height, width, 3)
        path = tmp_path / f"{i}.png"
        path.write_bytes(encode(image))
        paths.append(str(path))
        images.append(image)
    return paths, images


def test_exact_mode_is_pillows_resize_of_the_drawn_box_then_the_flip(rng, tmp_path):
    paths, images = _files(rng, tmp_path)
    transform = T.RandomResizedCrop((24, 32), flip_p=0.5, mode="exact", seed=11, backend="numpy")
    batch = transform(paths, indices=range(10, 16), epoch=3)
    sizes = np.array([[image.shape[1], image.shape[0]] for image in images])
    boxes, flips = transform.draw(sizes, indices=range(10, 16), epoch=3)
    assert flips.any() and not flips.all()
    for crop, image, box, flip in zip(batch, images, boxes, flips):
        want = pillow_two_pass(image, tuple(int(v) for v in box), (24, 32), Image.BILINEAR)
        np.testing.assert_array_equal(crop, want[:, ::-1] if flip else want)


def test_batches_depend_on_seed_epoch_and_indices_only(rng, tmp_path):
    paths, _ = _files(rng, tmp_path)
    transform = T.RandomResizedCrop(16, seed=2, backend="numpy", num_threads=1)
    whole = transform(paths, indices=range(6), epoch=1)
    reordered = transform(paths[::-1], indices=list(range(6))[::-1], epoch=1)
    np.testing.assert_array_equal(reordered, whole[::-1])
    halves = np.concatenate([transform(paths[:3], indices=range(3), epoch=1),
                             transform(paths[3:], indices=range(3, 6), epoch=1)])
    np.testing.assert_array_equal(halves, whole)
    assert (transform(paths, indices=range(6), epoch=2) != whole).any()
    # Pickled into a worker, it draws and crops the same.
    clone = pickle.loads(pickle.dumps(transform))
    np.testing.assert_array_equal(clone(paths, indices=range(6), epoch=1), whole)


def test_fast_mode_stays_close_to_exact(rng, tmp_path):
    image = smooth(rng, 1200, 1600, 3)
    path = tmp_path / "big.jpg"
    path.write_bytes(encode(image, "JPEG", quality=92))
    exact = T.RandomResizedCrop(224, scale=(0.5, 1.0), mode="exact", seed=4, backend="numpy")
    fast = T.RandomResizedCrop(224, scale=(0.5, 1.0), mode="default", seed=4, backend="numpy")
    a = exact([str(path)] * 4, indices=range(4)).astype(np.float64)
    b = fast([str(path)] * 4, indices=range(4)).astype(np.float64)
    psnr = 10 * np.log10(255.0 ** 2 / np.mean((a - b) ** 2))
    assert psnr > 35, psnr


def test_bad_files_get_their_status(rng, tmp_path):
    paths, _ = _files(rng, tmp_path, 2)
    sources = [paths[0], str(tmp_path / "missing.jpg"), b"not an image", paths[1]]
    transform = T.RandomResizedCrop(8, seed=0, backend="numpy")
    out, statuses = transform(sources, errors="status")
    assert statuses.tolist() == [Status.OK, Status.FILE_NOT_FOUND, Status.UNKNOWN_FORMAT, Status.OK]
    assert not out[1].any() and not out[2].any() and out[0].any()
    with pytest.raises(parcrop.InputError):
        transform(sources)


def test_repr_and_output_buffer(rng, tmp_path):
    paths, _ = _files(rng, tmp_path, 2)
    transform = T.RandomResizedCrop(8, scale=(0.5, 1.0), flip_p=0.0, seed=0, backend="numpy")
    assert repr(transform).startswith("RandomResizedCrop(size=(8, 8), scale=(0.5, 1.0)")
    out = np.zeros((2, 8, 8, 3), np.uint8)
    assert transform(paths, out=out) is out and out.any()


def test_exif_apply_crops_the_photo_as_displayed(rng, tmp_path):
    from PIL import ImageOps

    image = noise(rng, 60, 90, 3)
    exif = Image.Exif()
    exif[0x0112] = 6  # the stored image turns 90 degrees clockwise to display
    path = tmp_path / "rotated.png"
    Image.fromarray(image).save(path, exif=exif)
    transform = T.RandomResizedCrop((12, 20), flip_p=0.5, mode="exact", seed=3, backend="numpy", exif="apply")
    batch = transform([str(path)] * 4, indices=range(4))
    displayed = np.asarray(ImageOps.exif_transpose(Image.open(path)).convert("RGB"))
    assert displayed.shape == (90, 60, 3)
    boxes, flips = transform.draw(np.array([[60, 90]] * 4), indices=range(4))
    for crop, box, flip in zip(batch, boxes, flips):
        want = pillow_two_pass(displayed, tuple(int(v) for v in box), (12, 20), Image.BILINEAR)
        np.testing.assert_array_equal(crop, want[:, ::-1] if flip else want)
