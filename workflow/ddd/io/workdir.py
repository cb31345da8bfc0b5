"""The working directory a run writes into, checked before any job starts.

Snakemake removes a job's old outputs before it runs the job, and only then fails when the
job's log cannot be written: a read-only logs folder would cost finished results. So the
working directory and every folder under logs/ must be writable when the DAG is built.
"""

from __future__ import annotations

import os
from pathlib import Path

from ddd.io.atomic import NEARLY_FULL, DiskFullError, free_bytes


def check_writable(root: str | os.PathLike = ".", folders: tuple[str, ...] = ("logs",)
                   ) -> None:
    """Raise PermissionError naming the first folder (the working directory, or one under
    `folders`) that this process cannot write into."""
    root = Path(root)
    for folder in [root, *(sub for name in folders for sub in _tree(root / name))]:
        if not os.access(folder, os.W_OK | os.X_OK):
            raise PermissionError(
                f"{folder.resolve()} is not writable: Snakemake would delete a job's old "
                f"outputs and then fail on its log. Make it writable (chmod -R u+w "
                f"{folder}) or run elsewhere (snakemake --directory <folder>)")


def check_space(root: str | os.PathLike = ".") -> None:
    """Raise DiskFullError when the working directory's file system has under 1 MiB free:
    Snakemake's own records (.snakemake: locks, metadata) would fail with a bare error."""
    free = free_bytes(root)
    if free is not None and free < NEARLY_FULL:
        raise DiskFullError(
            f"the file system of the working directory {Path(root).resolve()} has {free:,} "
            f"bytes free, too little for Snakemake's records (.snakemake) and any output. "
            f"Free space there (or run in a folder on another disk: snakemake --directory "
            f"DIR) and rerun the same command")


def _tree(top: Path) -> list[Path]:
    """`top` and every folder below it (none if `top` does not exist yet)."""
    return [Path(path) for path, _, _ in os.walk(top)]
