"""The ``parcrop`` command (also ``python -m parcrop``).

Subcommands:
    crop MANIFEST -o OUT   every row of a manifest cropped into shards, with progress
    info FILES...          what each image is, from its headers alone: a table, or JSON lines
    prepare PATH...        JPEGs rewritten losslessly with restart markers (parcrop-prepare)

Data goes to stdout, messages and progress to stderr. The exit status is 0 when the
command ran, even if some files or rows failed (they are listed with their status);
1 when the job itself failed (no manifest, an output folder in use); 2 for a usage
error; 130 when interrupted (``crop --resume`` continues).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import sys
from typing import Any, List, NoReturn, Optional, Sequence

from ._api import EXIF, FILTERS, MODES, OUT_OF_BOUNDS
from ._probe import probe
from ._status import status_name

_INFO_EXAMPLE = """example:
  parcrop info photos/*.jpg                 a table: size, format, orientation, flags
  parcrop info --json a.png b.jpg | jq .    one JSON object per file
"""

_CROP_EXAMPLE = """manifest columns (CSV with a header, JSON Lines, or Parquet):
  source                 the image's path, relative to the manifest's folder or --root
  x0, y0, x1, y1         a box in pixels (fractions of the image with --normalized), or
  x, y, scale            a glimpse, placed as parcrop.crop places it
  id                     optional; kept in the index (files are named by row number)

output folder (shard k holds manifest rows k*shard-size onwards):
  shard-000000.npy       --format npy: uint8 [rows, size, size, channels]; failed rows zero
  shard-000000.tar       --format webdataset: <row>.png (or .jpg) and <row>.json per crop
  shard-000000/          --format png: <row>.png per crop
  shard-000000.csv       the shard's index: row, id, source, box, status, message
  failures.csv           every failed row with its status and message
  job.json               the settings (checked by --resume) and, once finished, the counts

example:
  parcrop crop boxes.csv -o crops/ --size 224 --format webdataset
  parcrop crop boxes.csv -o crops/ --size 224 --format webdataset --resume   # after a kill
"""


def _flags(item: dict) -> str:
    names = [name for name in ("progressive", "interlaced", "has_alpha", "exif_malformed") if item[name]]
    if item["format"] == "tiff":
        # What a slide reader asks first: the pyramid and how it is tiled.
        levels = "/".join(f"{width}x{height}" for width, height, _ in item["levels"])
        names.append(f"levels {levels}")
        names.append(f"tiles {item['tile_width']}x{item['tile_height']} {item['compression']}")
        if item["microns_per_pixel"][0] == item["microns_per_pixel"][0]:  # not NaN
            names.append(f"{item['microns_per_pixel'][0]:g} um/px")
    return ",".join(names) or "-"


def _info(args: argparse.Namespace) -> int:
    info = probe(args.files, errors="status", num_threads=args.threads)
    out = sys.stdout
    if args.json:
        for index, path in enumerate(args.files):
            record = {"file": path, **info[index]}
            record["status"] = status_name(record["status"])
            # JSON has no NaN: an unknown resolution is null.
            record["microns_per_pixel"] = [v if v == v else None for v in record["microns_per_pixel"]]
            out.write(json.dumps(record) + "\n")
        return 0
    header = ("file", "status", "format", "width", "height", "channels", "orientation", "display", "flags or message")
    rows: List[Sequence[str]] = [header]
    for index, path in enumerate(args.files):
        item = info[index]
        if not info.ok[index]:
            rows.append((path, status_name(item["status"]), "", "", "", "", "", "", item["message"]))
            continue
        rows.append((path, "OK", item["format"], str(item["width"]), str(item["height"]), str(item["channels"]),
                     str(item["exif_orientation"]), f"{item['display_width']}x{item['display_height']}",
                     _flags(item)))
    widths = [max(len(row[column]) for row in rows) for column in range(len(header))]
    for row in rows:
        out.write("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip() + "\n")
    return 0


def _crop(args: argparse.Namespace) -> int:
    from ._crop_job import JobError, crop_manifest
    from ._manifest import ManifestError

    if len(args.size) > 2:
        sys.stderr.write(f"parcrop crop: --size takes one side or HEIGHT WIDTH, not {len(args.size)} numbers\n")
        return 2
    size: Any = args.size[0] if len(args.size) == 1 else tuple(args.size)
    try:
        summary = crop_manifest(args.manifest, args.output, size, channels=args.channels, filter=args.filter,
                                mode=args.mode, normalized=args.normalized, max_img_percent=args.max_img_percent,
                                exif=args.exif, out_of_bounds=args.out_of_bounds, fill=args.fill,
                                output_format=args.format, image_format=args.image_format,
                                quality=args.quality, shard_size=args.shard_size, batch_size=args.batch_size,
                                root=args.root, resume=args.resume, num_threads=args.threads,
                                manifest_format=args.manifest_format,
                                progress=None if args.quiet else sys.stderr)
    except (JobError, ManifestError) as exc:
        sys.stderr.write(f"parcrop crop: {exc}\n")
        return 1
    except KeyboardInterrupt:
        sys.stderr.write(f"\nparcrop crop: interrupted; complete shards are kept in {args.output!r}: "
                         "run the same command with --resume to continue\n")
        return 130
    sys.stderr.write(f"parcrop crop: {summary}\n")
    return 0


def _prepare_tool() -> Optional[str]:
    """parcrop-prepare: $PARCROP_PREPARE, the copy inside the package, or one on PATH."""
    candidates = [os.environ.get("PARCROP_PREPARE"),
                  os.path.join(os.path.dirname(os.path.abspath(__file__)), "parcrop-prepare"),
                  shutil.which("parcrop-prepare")]
    return next((path for path in candidates if path and os.access(path, os.X_OK)), None)


def _prepare(arguments: Sequence[str]) -> NoReturn:
    tool = _prepare_tool()
    if tool is None:
        sys.stderr.write("parcrop prepare: the parcrop-prepare program is not installed with this package; "
                         "build it (tools/ in the source tree) and set PARCROP_PREPARE to its path\n")
        sys.exit(1)
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(tool, [tool, *arguments])


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _add_crop_command(commands: Any) -> None:
    crop = commands.add_parser("crop", help="every row of a manifest cropped into shards, with progress",
                               description="Crops every row of a manifest (CSV, JSON Lines or Parquet) and "
                               "writes the crops in shards.\nA row that cannot be cropped fails alone and is "
                               "listed in failures.csv;\nthe exit status is 0 unless the job itself fails.",
                               epilog=_CROP_EXAMPLE, formatter_class=argparse.RawDescriptionHelpFormatter)
    crop.add_argument("manifest", metavar="MANIFEST", help="a .csv, .jsonl or .parquet file; - reads CSV "
                      "from standard input")
    crop.add_argument("-o", "--output", required=True, metavar="OUT",
                      help="the output folder: new, empty, or this job's with --resume")
    crop.add_argument("--size", required=True, nargs="+", type=_positive, metavar="SIDE",
                      help="the output side, or HEIGHT WIDTH for boxes")
    crop.add_argument("--channels", type=int, choices=(1, 3, 4), default=3, help="output channels [3]")
    crop.add_argument("--filter", choices=sorted(FILTERS), default=None,
                      help="resampling filter [bilinear for boxes, nearest for glimpses]")
    crop.add_argument("--mode", choices=sorted(MODES), default="default",
                      help="exact: full-resolution pixels; fast: JPEG may decode at 1/2..1/8 scale [default: "
                      "fast for smoothing filters, exact for nearest]")
    crop.add_argument("--normalized", action="store_true", help="box coordinates are fractions of the image")
    crop.add_argument("--max-img-percent", type=float, default=0.25,
                      help="glimpses: the largest scale, as a fraction of the image [0.25]")
    crop.add_argument("--exif", choices=sorted(EXIF), default="ignore",
                      help="apply: boxes are on the image as displayed, turned by its EXIF orientation [ignore]")
    crop.add_argument("--out-of-bounds", choices=sorted(OUT_OF_BOUNDS), default="error",
                      help="a box reaching outside its image: error, pad (with --fill) or clamp [error]")
    crop.add_argument("--fill", type=int, default=0, help="the padding value 0..255 [0]")
    crop.add_argument("--format", choices=("npy", "webdataset", "png"), default="npy",
                      help="npy shards, WebDataset tar shards, or folders of PNGs [npy]")
    crop.add_argument("--image-format", choices=("png", "jpg"), default="png",
                      help="how webdataset and png outputs encode a crop; jpg needs Pillow [png]")
    crop.add_argument("--quality", type=int, default=95, help="JPEG quality with --image-format jpg [95]")
    crop.add_argument("--shard-size", type=_positive, default=10000, help="rows per shard; memory follows it "
                      "[10000]")
    crop.add_argument("--batch-size", type=_positive, default=256,
                      help="rows per native call; rows of one image in a call share one decode [256]")
    crop.add_argument("--root", help="the folder relative sources are in [the manifest's folder]")
    crop.add_argument("--manifest-format", choices=("csv", "jsonl", "parquet"),
                      help="the manifest's format [from its name]")
    crop.add_argument("--resume", action="store_true",
                      help="continue an interrupted job in OUT: complete shards are kept")
    crop.add_argument("--threads", type=int, default=0, help="worker threads; 0 uses every core")
    crop.add_argument("-q", "--quiet", action="store_true", help="no progress; errors and the summary only")
    crop.set_defaults(run=_crop)


def _terminate_as_interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def main(argv: Optional[Sequence[str]] = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    if arguments[:1] == ["prepare"]:
        # Every option belongs to parcrop-prepare, which has its own --help.
        _prepare(arguments[1:])
    parser = argparse.ArgumentParser(prog="parcrop", description="Crop batches of images, decoding only what "
                                     "each crop needs.", epilog="parcrop COMMAND --help describes each command.",
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True
    _add_crop_command(commands)
    info = commands.add_parser("info", help="what each image is, from its headers alone", epilog=_INFO_EXAMPLE,
                               formatter_class=argparse.RawDescriptionHelpFormatter)
    info.add_argument("files", nargs="+", metavar="FILE")
    info.add_argument("--json", action="store_true", help="one JSON object per file instead of a table")
    info.add_argument("--threads", type=int, default=0, help="worker threads; 0 uses every core")
    info.set_defaults(run=_info)
    commands.add_parser("prepare", help="JPEGs rewritten losslessly with restart markers (parcrop prepare "
                        "--help for its options)", add_help=False)
    args = parser.parse_args(arguments)
    # A job stopped by `kill` cleans up as after Ctrl-C: the shard in progress is removed.
    signal.signal(signal.SIGTERM, _terminate_as_interrupt)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
