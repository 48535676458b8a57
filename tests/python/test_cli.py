"""The parcrop command: `parcrop info` (and `python -m parcrop`); `parcrop crop` has
test_crop_job.py."""

import json
import os
import subprocess
import sys

from PIL import Image

from parcrop_testutil import noise, run_parcrop as _run, save


def test_info_table_and_json_agree_with_pillow(rng, tmp_path):
    png = save(tmp_path / "a.png", noise(rng, 30, 50, 4))
    exif = Image.Exif()
    exif[0x0112] = 6
    jpeg = str(tmp_path / "b.jpg")
    Image.fromarray(noise(rng, 40, 20, 3)).save(jpeg, quality=90, exif=exif, progressive=True)
    missing = str(tmp_path / "missing.gif")
    (tmp_path / "c.txt").write_text("not an image")

    table = _run("info", png, jpeg, missing, str(tmp_path / "c.txt"))
    assert table.returncode == 0, table.stderr
    lines = table.stdout.splitlines()
    assert lines[0].split()[:3] == ["file", "status", "format"]
    assert lines[1].split() == [png, "OK", "png", "50", "30", "4", "1", "50x30", "has_alpha"]
    assert lines[2].split() == [jpeg, "OK", "jpeg", "20", "40", "3", "6", "40x20", "progressive"]
    assert lines[3].split()[:2] == [missing, "FILE_NOT_FOUND"]
    assert lines[4].split()[:2] == [str(tmp_path / "c.txt"), "UNKNOWN_FORMAT"]

    records = [json.loads(line) for line in _run("info", "--json", png, jpeg, missing).stdout.splitlines()]
    assert [r["status"] for r in records] == ["OK", "OK", "FILE_NOT_FOUND"]
    assert (records[1]["width"], records[1]["height"]) == Image.open(jpeg).size
    assert (records[1]["display_width"], records[1]["display_height"]) == (40, 20)
    assert records[1]["exif_orientation"] == 6 and records[1]["progressive"]
    assert records[2]["message"]


def test_usage_errors_exit_2():
    assert _run().returncode == 2
    assert _run("info").returncode == 2
    assert "example" in _run("info", "--help").stdout


def test_pip_installs_the_parcrop_command():
    import parcrop

    if "site-packages" not in parcrop.__file__:
        import pytest

        pytest.skip("parcrop is imported from the source tree, not installed by pip")
    script = os.path.join(os.path.dirname(sys.executable), "parcrop")
    result = subprocess.run([script, "info", "--help"], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0 and "FILE" in result.stdout


def test_info_shows_a_slides_pyramid(tmp_path):
    import numpy as np
    import pytest

    tifffile = pytest.importorskip("tifffile")
    image = np.zeros((512, 768, 3), np.uint8)
    path = str(tmp_path / "slide.tif")
    with tifffile.TiffWriter(path) as tif:
        tif.write(image, tile=(256, 256), subifds=1, resolution=(20000, 20000), resolutionunit="CENTIMETER")
        tif.write(image[::2, ::2], tile=(256, 256), subfiletype=1)
    plain = str(tmp_path / "plain.tif")
    tifffile.imwrite(plain, image[:32, :48], rowsperstrip=16)

    table = _run("info", path, plain)
    assert table.returncode == 0, table.stderr
    rows = [line.split(maxsplit=8) for line in table.stdout.splitlines()[1:]]
    assert rows[0][:3] == [path, "OK", "tiff"]
    assert rows[0][8] == "levels 768x512/384x256,tiles 256x256 none,0.5 um/px"
    assert rows[1][8] == "levels 48x32,tiles 48x16 none"

    records = [json.loads(line) for line in _run("info", "--json", path, plain).stdout.splitlines()]
    assert records[0]["levels"] == [[768, 512, 1.0], [384, 256, 2.0]]
    assert records[0]["microns_per_pixel"] == [0.5, 0.5]
    assert records[1]["microns_per_pixel"] == [None, None]
    assert (records[1]["tile_width"], records[1]["tile_height"], records[1]["compression"]) == (48, 16, "none")
