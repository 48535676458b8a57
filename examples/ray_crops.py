"""parcrop on Ray: a manifest of boxes cropped on a cluster, written as Parquet, and crops
streamed into a training loop.

    pip install ".[ray]"          # from the repository root: parcrop with ray[data]
    python examples/ray_crops.py  # a local Ray instance; --address auto joins a cluster

On a real cluster the images must be readable by every node (shared storage, or S3 and
friends through `read_binary_files`, whose `bytes` column parcrop crops directly).
"""

import argparse
import os
import tempfile

import numpy as np
import ray
import ray.data

import parcrop.ray


def make_dataset(folder: str, images: int = 12, boxes_per_image: int = 5) -> str:
    """Generated PPM images and a Parquet manifest of random boxes on them; returns its path."""
    rng = np.random.default_rng(0)
    rows = []
    for index in range(images):
        height, width = (int(v) for v in rng.integers(80, 240, 2))
        path = os.path.join(folder, f"image{index}.ppm")
        with open(path, "wb") as file:
            file.write(b"P6 %d %d 255\n" % (width, height) + rng.integers(0, 256, (height, width, 3), np.uint8).tobytes())
        for box in range(boxes_per_image):
            x0, y0 = rng.uniform(0, width / 2), rng.uniform(0, height / 2)
            rows.append({"id": f"{index}-{box}", "source": path, "x0": x0, "y0": y0,
                         "x1": x0 + rng.uniform(8, width / 2), "y1": y0 + rng.uniform(8, height / 2)})
    manifest = os.path.join(folder, "boxes.parquet")
    ray.data.from_items(rows).repartition(1).write_parquet(manifest)
    return manifest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--address", default=None, help="a Ray cluster to join [start a local one]")
    args = parser.parse_args()
    ray.init(address=args.address, num_cpus=None if args.address else 2, include_dashboard=False,
             logging_level="ERROR", log_to_driver=False)
    context = ray.data.DataContext.get_current()
    context.enable_progress_bars = False
    context.print_on_execution_start = False
    folder = tempfile.mkdtemp()

    # 1. A manifest read with read_parquet, cropped on the cluster, written as Parquet.
    rows = ray.data.read_parquet(make_dataset(folder))
    crops = parcrop.ray.crop_dataset(rows, size=64)
    crops.write_parquet(os.path.join(folder, "crops"))
    written = ray.data.read_parquet(os.path.join(folder, "crops"))
    statuses = np.concatenate([batch["status"] for batch in written.iter_batches(batch_format="numpy")])
    print(f"cropped {written.count()} rows, {int((statuses != 0).sum())} failed; "
          f"columns: {', '.join(written.schema().names)}")

    # 2. Crops streamed into a training loop; iter_torch_batches gives torch tensors instead.
    for step, batch in enumerate(crops.iter_batches(batch_size=16, batch_format="numpy")):
        images = batch["crop"]  # uint8 [16, 64, 64, 3]
        assert images.dtype == np.uint8 and images.shape[1:] == (64, 64, 3)
        print(f"step {step}: a batch of {images.shape[0]} crops, mean {images.mean():.1f}")
    ray.shutdown()
    print("ok")


if __name__ == "__main__":
    main()
