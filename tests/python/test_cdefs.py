"""The cffi declarations in parcrop/_cdefs.py must match include/parcrop.h.

The header is parsed (comments and preprocessor lines removed) into function
prototypes, struct fields, enum values and opaque typedefs, and so is the text that
the package hands to cffi; the two must be equal. These tests do not load the native
library.
"""

import importlib.util
import re
from pathlib import Path

import pytest
from cffi import FFI

from parcrop_testutil import HEADER, REPO


def _load_cdefs_module():
    spec = importlib.util.find_spec("parcrop")  # finds the package without importing it
    assert spec is not None and spec.submodule_search_locations, "parcrop is not importable"
    path = Path(list(spec.submodule_search_locations)[0]) / "_cdefs.py"
    module_spec = importlib.util.spec_from_file_location("parcrop_cdefs_under_test", path)
    module = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(module)
    return module


CDEFS_MODULE = _load_cdefs_module()


def _strip(text):
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    text = re.sub(r"//[^\n]*", " ", text)
    text = re.sub(r"\\\n", " ", text)  # join continued preprocessor lines
    lines = [line for line in text.splitlines() if not line.strip().startswith("#")]
    lines = [line for line in lines if line.strip() not in ('extern "C" {', "}")]
    text = "\n".join(lines)
    return re.sub(r"\bPARCROP_API\b", " ", text)


def _norm(text):
    text = " ".join(text.split())
    return re.sub(r"\s*([*(),])\s*", r"\1", text)


def parse_declarations(text):
    """Returns {"functions": {name: signature}, "structs": {...}, "enums": {...}, "opaque": set}."""
    text = _strip(text)
    structs, enums = {}, {}

    def record(match):
        kind, tag, body, name = match.groups()
        assert tag == name, f"typedef {kind} {tag} ... {name}: tag and name differ"
        if kind == "struct":
            fields = []
            for declaration in filter(None, (d.strip() for d in body.split(";"))):
                first, *others = [part.strip() for part in declaration.split(",")]
                # An array field (uint8_t fill[4]) keeps its length with its type.
                type_name, field, length = re.match(r"^(.*?)(\w+)\s*(\[\s*\d+\s*\])?$", first).groups()
                fields.append((_norm(type_name + (length or "").replace(" ", "")), field))
                fields.extend((_norm(type_name), other) for other in others)
            structs[name] = fields
        else:
            values = {}
            for entry in filter(None, (e.strip() for e in body.split(","))):
                key, value = (part.strip() for part in entry.split("="))
                values[key] = int(value)
            enums[name] = values
        return " "

    text = re.sub(r"typedef\s+(struct|enum)\s+(\w+)\s*\{(.*?)\}\s*(\w+)\s*;", record, text, flags=re.S)
    opaque = set(re.findall(r"typedef\s+struct\s+(\w+)\s+\1\s*;", text))
    text = re.sub(r"typedef\s+struct\s+(\w+)\s+\1\s*;", " ", text)
    functions = {}
    for statement in filter(None, (s.strip() for s in text.split(";"))):
        signature = _norm(statement)
        name = re.match(r"^.*?(\w+)\(", signature)
        assert name, f"not a function prototype: {statement!r}"
        functions[name.group(1)] = signature
    return {"functions": functions, "structs": structs, "enums": enums, "opaque": opaque}


# cffi's ABI mode cannot see macros, so array lengths in the header are written as
# numbers in _cdefs.py (and the macros' mirrors are checked below).
HEADER_DECLS = parse_declarations(
    HEADER.read_text().replace("[PARCROP_MAX_LEVELS]", f"[{CDEFS_MODULE.PARCROP_MAX_LEVELS}]"))
CDEF_DECLS = parse_declarations(CDEFS_MODULE.CDEFS)


def test_header_parses_into_something():
    # Guards the parser itself: a regex that matched nothing would make the
    # comparisons below vacuous.
    assert len(HEADER_DECLS["functions"]) >= 16
    assert "parcrop_crop_batch" in HEADER_DECLS["functions"]
    assert "parallel_crop_and_resize" in HEADER_DECLS["functions"]
    assert HEADER_DECLS["structs"]["parcrop_box"] == [("float", "x0"), ("float", "y0"),
                                                       ("float", "x1"), ("float", "y1")]
    assert HEADER_DECLS["enums"]["parcrop_status"]["PARCROP_E_INTERNAL"] == 500


@pytest.mark.parametrize("kind", ["functions", "structs", "enums", "opaque"])
def test_cdefs_match_header(kind):
    header, cdefs = HEADER_DECLS[kind], CDEF_DECLS[kind]
    if isinstance(header, dict):
        missing = sorted(set(header) - set(cdefs))
        extra = sorted(set(cdefs) - set(header))
        assert not missing, f"declared in parcrop.h but not in _cdefs.py: {missing}"
        assert not extra, f"declared in _cdefs.py but not in parcrop.h: {extra}"
        for name in header:
            assert cdefs[name] == header[name], f"{name} differs:\n  header: {header[name]}\n  cdefs:  {cdefs[name]}"
    else:
        assert cdefs == header


@pytest.mark.parametrize("old,new", [
    ("uint32_t out_width;", "uint32_t out_wide;"),
    ("float max_img_percent,\n", "double max_img_percent,\n"),
    ("PARCROP_E_TRUNCATED = 205", "PARCROP_E_TRUNCATED = 215"),
])
def test_a_drift_is_detected(old, new):
    assert old in CDEFS_MODULE.CDEFS
    drifted = parse_declarations(CDEFS_MODULE.CDEFS.replace(old, new, 1))
    assert drifted != CDEF_DECLS
    assert any(drifted[kind] != HEADER_DECLS[kind] for kind in HEADER_DECLS)


def test_cdefs_are_valid_cffi():
    ffi = FFI()
    ffi.cdef(CDEFS_MODULE.CDEFS)
    assert ffi.sizeof("parcrop_box") == 16
    assert ffi.sizeof("parcrop_glimpse") == 12


def _header_macro(name):
    match = re.search(rf"#define\s+{name}\s+(\d+)u?\b", HEADER.read_text())
    assert match, f"{name} not found in parcrop.h"
    return int(match.group(1))


@pytest.mark.parametrize("name", ["PARCROP_VERSION_MAJOR", "PARCROP_VERSION_MINOR",
                                  "PARCROP_VERSION_PATCH", "PARCROP_FLAG_NORMALIZED_BOXES",
                                  "PARCROP_FLIP_HORIZONTAL", "PARCROP_FLIP_VERTICAL",
                                  "PARCROP_INFO_PROGRESSIVE", "PARCROP_INFO_INTERLACED",
                                  "PARCROP_INFO_HAS_ALPHA", "PARCROP_INFO_EXIF_MALFORMED",
                                  "PARCROP_MAX_LEVELS"])
def test_mirrored_macros(name):
    assert getattr(CDEFS_MODULE, name) == _header_macro(name)


def test_versions_agree():
    header = ".".join(str(_header_macro(f"PARCROP_VERSION_{part}")) for part in ("MAJOR", "MINOR", "PATCH"))
    spec = importlib.util.find_spec("parcrop")
    version_file = Path(list(spec.submodule_search_locations)[0]) / "_version.py"
    python = re.search(r'__version__\s*=\s*"([^"]+)"', version_file.read_text()).group(1)
    cmake = re.search(r"project\(parcrop\s+VERSION\s+([0-9.]+)", (REPO / "CMakeLists.txt").read_text()).group(1)
    assert python == header == cmake
