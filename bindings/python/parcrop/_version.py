"""The package version; it must equal the C library version (checked on load)."""

__version__ = "0.3.0"
