"""Loading, version checks, docstring examples, typing marker."""

import doctest
import subprocess
import sys
from pathlib import Path

import pytest

import parcrop
from parcrop import _api, _lib, _status, transforms
from parcrop_testutil import child_env

PACKAGE_DIR = Path(parcrop.__file__).resolve().parent


def _python(code, **env):
    environment = child_env()
    environment.update(env)
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=environment,
                          timeout=120)


@pytest.mark.parametrize("module", [parcrop, _api, _status, transforms])
def test_docstring_examples(module):
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
    if module is not _status:
        assert result.attempted > 0


def test_py_typed_marker():
    assert (PACKAGE_DIR / "py.typed").is_file()


class _FakeLib:
    def __init__(self, number, text, sizes_ok=True):
        self.number, self.text, self.sizes_ok = number, _lib.ffi.new("char[]", text.encode()), sizes_ok

    def parcrop_version(self):
        return self.number

    def parcrop_version_string(self):
        return self.text

    def parcrop_options_init(self, options):
        _lib.lib.parcrop_options_init(options)
        if not self.sizes_ok:
            options.struct_size += 8

    def parcrop_crop_params_init(self, params):
        _lib.lib.parcrop_crop_params_init(params)


def test_version_check_accepts_the_library():
    _lib._check_version(_lib.lib, _lib.ffi, "real")
    _lib._check_version(_FakeLib(305, "0.3.5"), _lib.ffi, "newer patch")


@pytest.mark.parametrize("number,text", [(100, "0.1.0"), (200, "0.2.0"), (10200, "1.2.0"), (0, "0.0.0")])
def test_version_mismatch_is_actionable(number, text):
    with pytest.raises(_lib.LibraryLoadError) as info:
        _lib._check_version(_FakeLib(number, text), _lib.ffi, "/somewhere/libparcrop.so")
    message = str(info.value)
    assert text in message and "/somewhere/libparcrop.so" in message
    assert "pip install" in message and "PARCROP_LIBRARY" in message


def test_struct_size_mismatch_is_detected():
    with pytest.raises(_lib.LibraryLoadError, match="sizeof"):
        _lib._check_version(_FakeLib(300, "0.3.0", sizes_ok=False), _lib.ffi, "x")


def test_a_library_loaded_from_elsewhere_is_refused():
    _lib._check_loaded_file(_lib.lib, _lib.ffi, parcrop.library_path())
    with pytest.raises(_lib.LibraryLoadError, match="already runs the one at"):
        _lib._check_loaded_file(_lib.lib, _lib.ffi, __file__)


def test_parcrop_library_override(tmp_path):
    result = _python("import parcrop; print(parcrop.library_path())", PARCROP_LIBRARY=parcrop.library_path())
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == parcrop.library_path()
    missing = str(tmp_path / "nothing.so")
    result = _python("import parcrop", PARCROP_LIBRARY=missing)
    assert result.returncode != 0
    assert "PARCROP_LIBRARY" in result.stderr and missing in result.stderr
    not_a_library = tmp_path / "libparcrop.so"
    not_a_library.write_text("not ELF")
    result = _python("import parcrop", PARCROP_LIBRARY=str(not_a_library))
    assert result.returncode != 0 and "could not load libparcrop" in result.stderr


def test_public_names():
    for name in parcrop.__all__:
        assert hasattr(parcrop, name), name
    assert issubclass(parcrop.CropError, Exception)
    assert issubclass(parcrop.CallError, ValueError)
    assert set(parcrop.FILTERS) == {"nearest", "bilinear", "bicubic", "area", "lanczos3", "lanczos"}
    assert set(parcrop.MODES) == {"default", "exact", "fast"}
