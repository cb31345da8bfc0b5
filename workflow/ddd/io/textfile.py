"""Text files people write by hand or export from spreadsheets: read as UTF-8, with or
without the byte-order mark Excel puts in front of "CSV UTF-8"; any other encoding is an
error that names the file and the fix, never a bare UnicodeDecodeError."""

from __future__ import annotations

import os
from pathlib import Path

from ddd.errors import DddError

ENCODING = "utf-8-sig"  # UTF-8; a leading byte-order mark is dropped


class TextFileError(DddError):
    """A text input that is not UTF-8."""


def read_text(path: str | os.PathLike) -> str:
    """The whole file as text."""
    try:
        return Path(path).read_text(encoding=ENCODING)
    except UnicodeDecodeError as err:
        raise not_utf8(path, err) from None


def not_utf8(path: str | os.PathLike, err: UnicodeDecodeError) -> TextFileError:
    """The error for a file that failed to decode."""
    return TextFileError(f"{path}: not UTF-8 text (byte {err.start}: {err.reason}); it may "
                         f"be Latin-1 or not text at all: save it as UTF-8 (in Excel: "
                         f"'CSV UTF-8')")
