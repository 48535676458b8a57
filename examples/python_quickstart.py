"""parcrop from Python: crop boxes and glimpses from files and in-memory images.

    pip install .            # from the repository root
    python examples/python_quickstart.py
"""

import os
import tempfile

import numpy as np

import parcrop


def ppm(image: np.ndarray) -> bytes:
    """Encodes an RGB array as a binary PPM (any format parcrop reads would do)."""
    height, width, _ = image.shape
    return b"P6 %d %d 255\n" % (width, height) + image.tobytes()


def main() -> None:
    rng = np.random.default_rng(0)
    images = [rng.integers(0, 256, (120, 160, 3), dtype=np.uint8) for _ in range(4)]
    folder = tempfile.mkdtemp()
    paths = []
    for i, image in enumerate(images):
        paths.append(os.path.join(folder, f"image{i}.ppm"))
        with open(paths[-1], "wb") as file:
            file.write(ppm(image))

    # 1. Boxes in pixels (x0, y0, x1, y1), resized to 32x48 with antialiasing.
    boxes = np.array([[0, 0, 160, 120], [10, 20, 90, 100], [40, 0, 160, 60], [0, 60, 80, 120]])
    crops = parcrop.crop_boxes(paths, boxes, size=(32, 48), filter="bilinear")
    assert crops.shape == (4, 32, 48, 3) and crops.dtype == np.uint8

    # 2. The same from bytes in memory (bytes are always image data, never paths).
    same = parcrop.crop_boxes([ppm(image) for image in images], boxes, size=(32, 48))
    assert np.array_equal(crops, same)

    # 3. Glimpses placed by fractions, as the Rust parallel_image_crop does.
    glimpses = parcrop.crop(paths, x=[0.1, 0.5, 0.9, 0.0], y=0.25, scale=0.2, window_size=32)
    assert glimpses.shape == (4, 32, 32, 3)

    # 4. Bad items: a status per item and a zeroed slot, the rest of the batch intact.
    out, status = parcrop.crop_boxes(paths[:2] + [os.path.join(folder, "missing.jpg")], boxes[:3], 16,
                                     errors="status")
    assert [parcrop.Status(s).name for s in status] == ["OK", "OK", "FILE_NOT_FOUND"]
    try:
        parcrop.crop_boxes([os.path.join(folder, "missing.jpg")], boxes[:1], 16)
    except parcrop.CropError as error:
        assert error.failures[0][:2] == (0, parcrop.Status.FILE_NOT_FOUND)

    # 5. One context for many batches, straight into a preallocated array.
    batch = np.empty((4, 64, 64, 1), np.uint8)
    with parcrop.Cropper(num_threads=2, max_pixels=50_000_000) as cropper:
        cropper.crop_boxes(paths, boxes, 64, channels=1, filter="lanczos3", out=batch)
    print("ok:", crops.shape, glimpses.shape, batch.shape, "library", parcrop.library_path())


if __name__ == "__main__":
    main()
