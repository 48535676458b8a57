"""The ``parcrop`` command (also ``python -m parcrop``).

Subcommands:
    info FILES...    what each image is, from its headers alone: a table, or JSON lines

Data goes to stdout, messages to stderr. The exit status is 0 when the command ran,
even if some files could not be read (they are listed with their status); 2 for a
usage error.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import List, Optional, Sequence

from ._probe import probe
from ._status import status_name

_EXAMPLE = """example:
  parcrop info photos/*.jpg                 a table: size, format, orientation, flags
  parcrop info --json a.png b.jpg | jq .    one JSON object per file
"""


def _flags(item: dict) -> str:
    names = [name for name in ("progressive", "interlaced", "has_alpha", "exif_malformed") if item[name]]
    return ",".join(names) or "-"


def _info(args: argparse.Namespace) -> int:
    info = probe(args.files, errors="status", num_threads=args.threads)
    out = sys.stdout
    if args.json:
        for index, path in enumerate(args.files):
            record = {"file": path, **info[index]}
            record["status"] = status_name(record["status"])
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


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="parcrop", description="Crop batches of images, decoding only what "
                                     "each crop needs.", epilog=_EXAMPLE,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True
    info = commands.add_parser("info", help="what each image is, from its headers alone", epilog=_EXAMPLE,
                               formatter_class=argparse.RawDescriptionHelpFormatter)
    info.add_argument("files", nargs="+", metavar="FILE")
    info.add_argument("--json", action="store_true", help="one JSON object per file instead of a table")
    info.add_argument("--threads", type=int, default=0, help="worker threads; 0 uses every core")
    info.set_defaults(run=_info)
    args = parser.parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
