#!/usr/bin/env python3
"""Crops from a tiled, pyramidal TIFF: patches at full resolution and larger fields of
view read from a reduced level, in one batch.

Writes a small pyramid with tifffile (as a scanner or libvips would: tiles of 256
pixels, Deflate, reduced levels as SubIFDs), probes it, and crops. Run: python slide_crops.py
"""
import os
import sys
import tempfile

import numpy as np
import parcrop

try:
    import tifffile
except ImportError:
    sys.exit("this example writes its slide with tifffile: pip install tifffile imagecodecs")


def write_pyramid(path, image, levels=3):
    """A tiled TIFF whose SubIFDs hold 2x, 4x... box-averaged copies."""
    with tifffile.TiffWriter(path, bigtiff=False) as tif:
        options = dict(tile=(256, 256), compression="deflate", photometric="rgb", resolutionunit="CENTIMETER")
        tif.write(image, subifds=levels - 1, resolution=(40000, 40000), **options)  # 0.25 microns per pixel
        for _ in range(levels - 1):
            h, w = image.shape[0] // 2 * 2, image.shape[1] // 2 * 2
            image = image[:h, :w].reshape(h // 2, 2, w // 2, 2, 3).mean(axis=(1, 3)).round().astype(np.uint8)
            tif.write(image, subfiletype=1, **options)


def main():
    yy, xx = np.mgrid[0:2048, 0:3072]
    image = np.stack([xx % 256, yy % 256, (xx // 16 + yy // 16) % 256], axis=-1).astype(np.uint8)
    with tempfile.TemporaryDirectory() as folder:
        slide = os.path.join(folder, "slide.tif")
        write_pyramid(slide, image)
        info = parcrop.probe([slide])
        print("levels:", info.levels[0])
        print("tiles:", info.tile_width[0], "x", info.tile_height[0], info.compression[0],
              "microns per pixel:", info.microns_per_pixel[0])

        # Two patches at full resolution, and a 1024x1024 field of view as 256x256: the
        # latter is read from the level whose downsample is 4, not from level 0.
        boxes = np.array([[0, 0, 256, 256], [1000, 500, 1256, 756], [2048, 1024, 3072, 2048]], np.float32)
        crops = parcrop.crop_boxes([slide] * 3, boxes, size=256, filter="bilinear")
        assert np.array_equal(crops[0], image[0:256, 0:256])
        assert np.array_equal(crops[1], image[500:756, 1000:1256])
        level2 = tifffile.TiffFile(slide).series[0].levels[2].asarray()
        assert np.array_equal(crops[2], level2[256:512, 512:768])
        print("crops:", crops.shape, crops.dtype)
    print("ok")


if __name__ == "__main__":
    main()
