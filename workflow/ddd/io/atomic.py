"""Write files so that a killed job never leaves a half-written output behind, and a full
disk is one clear error that names the file and the free space."""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

FULL = (errno.ENOSPC, errno.EDQUOT)
NEARLY_FULL = 1 << 20  # bytes free below which a failed write is taken for a full disk


class DiskFullError(OSError):
    """No space left where the workflow writes; the message names the path and the fix."""

    def __init__(self, message: str) -> None:
        super().__init__(errno.ENOSPC, message)

    def __str__(self) -> str:
        assert self.strerror is not None, "__init__ always sets the message"
        return self.strerror


def free_bytes(path: str | os.PathLike) -> int | None:
    """Bytes free to this user on the file system of `path` (None: unknown)."""
    try:
        return shutil.disk_usage(path).free
    except OSError:
        return None


def disk_full(err: BaseException, path: str | os.PathLike, written: int | None = None
              ) -> DiskFullError | None:
    """A DiskFullError for `err` raised while writing `path`, if the disk is full: an
    ENOSPC or EDQUOT, or any failure (torch.save reports none) on a file system with
    under 1 MiB free; otherwise None. `written`: the bytes written before it failed."""
    if isinstance(err, DiskFullError):
        return err
    folder = Path(path).parent
    free = free_bytes(folder)
    if getattr(err, "errno", None) not in FULL and (free is None or free >= NEARLY_FULL):
        return None
    free_text = "unknown space" if free is None else f"{free:,} bytes"
    wrote = f" after {written:,} bytes, so it needs more than that" if written else ""
    return DiskFullError(
        f"no space left on the device to write {path}: writing stopped{wrote}; its file "
        f"system ({folder}) has {free_text} free. Free space there (or run in a folder on "
        f"another disk: snakemake --directory DIR) and rerun the same command; no "
        f"half-written file was left ({err})")


def _size(path: Path) -> int | None:
    try:
        return sum(p.stat().st_size for p in path.rglob("*")) if path.is_dir() \
            else path.stat().st_size
    except OSError:
        return None


@contextlib.contextmanager
def full_disk(target: str | os.PathLike) -> Iterator[None]:
    """Make a full disk's OSError in the block a DiskFullError naming `target`."""
    try:
        yield
    except OSError as err:
        full = disk_full(err, target)
        if full is None:
            raise
        raise full from err


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path beside `path`; rename it onto `path` only if the block succeeds."""
    target = Path(path)
    with full_disk(target):
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        os.replace(tmp_path, target)
    except Exception as err:
        full = disk_full(err, target, _size(tmp_path))
        if full is None:
            raise
        raise full from err
    finally:
        tmp_path.unlink(missing_ok=True)


def write_text(path: str | os.PathLike, text: str) -> None:
    """Atomically write a text file."""
    with atomic_path(path) as tmp:
        tmp.write_text(text)


@contextlib.contextmanager
def atomic_dir(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary folder beside `path`; if the block succeeds, it replaces `path`
    (and anything there before)."""
    target = Path(path)
    with full_disk(target):
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp",
                                    dir=target.parent))
    try:
        yield tmp
        if target.exists():
            shutil.rmtree(target)
        os.replace(tmp, target)
    except Exception as err:
        full = disk_full(err, target, _size(tmp))
        if full is None:
            raise
        raise full from err
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
