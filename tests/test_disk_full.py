"""A full disk, one case per kind of file the workflow writes: each is one DiskFullError that
names the file, the free space and the fix, and leaves nothing half-written. The disk is a
1 MiB tmpfs, filled to its last few KiB; where it cannot be mounted (not root, no mount
permission), the cases are skipped with the reason.
"""

from __future__ import annotations

import logging
import re
import subprocess
from collections.abc import Callable
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from ddd import decisions, features  # noqa: E402
from ddd.io import atomic, logs, workdir  # noqa: E402
from ddd.plots import base  # noqa: E402
from ddd.train import checkpoints  # noqa: E402

LEFT = 8 << 10  # bytes left free on the disk
FIX = r"Free space there \(or run in a folder on another disk: snakemake --directory DIR\)"

CASES: dict[str, Callable[[Path], object]] = {}


def case(act: Callable[[Path], object]) -> Callable[[Path], object]:
    CASES[act.__name__] = act
    return act


@pytest.fixture
def disk(tmp_path) -> Path:
    """A mounted 1 MiB tmpfs with LEFT bytes free."""
    folder = tmp_path / "disk"
    folder.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(folder)],
                             capture_output=True, text=True, check=False)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here to fill: {mounted.stderr.strip()}")
    try:
        free = atomic.free_bytes(folder)
        (folder / "filler").write_bytes(b"\0" * (free - LEFT))
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=True)


@case
def decision_table(disk):
    rng = np.random.default_rng(0)
    decisions.write(disk / "decisions/base-1.parquet",
                    decisions.from_predictions(rng.integers(0, 100, (5, 20000)),
                                               rng.integers(0, 100, 20000)),
                    {"run": "base-1", "dataset": "d", "condition": "base", "instance": 1,
                     "architecture": "none"})
    return disk / "decisions/base-1.parquet"


@case
def figure(disk):
    fig = plt.figure()
    plt.plot(np.random.default_rng(0).normal(size=50000))
    base.save(fig, [disk / "figures/fig.png"], dpi=100)
    return disk / "figures/fig.png"


@case
def checkpoint(disk):  # torch.save reports no errno: the free space tells
    checkpoints.save(disk / "checkpoints/base-1.pt", {"w": torch.randn(100000)})
    return disk / "checkpoints/base-1.pt"


@case
def features_file(disk):
    rng = np.random.default_rng(0)
    features.save(disk / "features/base-1.npz", features.Features(
        np.arange(5000), np.zeros(5000), rng.normal(size=(5000, 10)), np.arange(10),
        rng.normal(size=(10, 100)), "x"))
    return disk / "features/base-1.npz"


@case
def image_store(disk):
    with atomic.atomic_dir(disk / "store") as tmp:
        (tmp / "train-000.bin").write_bytes(np.random.default_rng(0).bytes(LEFT * 4))
    return disk / "store"


@case
def log_file(disk):
    with logs.to_file(disk / "train.log") as log:
        for _ in range(100):
            log.info("epoch %s", "x" * 1000)
    return disk / "train.log"


@pytest.mark.parametrize("name", CASES)
def test_full_disk_is_one_error_naming_the_file_and_fix(name, disk):
    with pytest.raises(atomic.DiskFullError) as raised:
        CASES[name](disk)
    message = str(raised.value)
    path = re.search(r"to write (\S+):", message)
    assert path and Path(path[1]).is_relative_to(disk), message
    assert re.search(r"has [\d,]+ bytes free", message) and re.search(FIX, message), message
    leftovers = [p.name for p in disk.rglob("*") if p.name not in {"filler"} and p.is_file()
                 and (p.name.endswith(".tmp") or ".tmp" in p.parent.name)]
    assert leftovers == [], leftovers
    if name != "log_file":  # a log file is written as it goes
        assert not Path(path[1]).exists()
    assert not logging.getLogger("ddd").handlers


def test_after_space_is_freed_the_same_write_succeeds(disk):
    with pytest.raises(atomic.DiskFullError):
        decision_table(disk)
    (disk / "filler").unlink()
    path = decision_table(disk)
    assert decisions.read(path).shape == (100000, 5)


def test_nearly_full_working_directory_stops_before_snakemake_writes(disk):
    with pytest.raises(atomic.DiskFullError, match=rf"working directory {disk} has [\d,]+ "
                                                   rf"bytes free.*{FIX}"):
        workdir.check_space(disk)
    (disk / "filler").unlink()
    workdir.check_space(disk)
