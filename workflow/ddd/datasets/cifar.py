"""CIFAR-10 and CIFAR-100 from a local copy of the python release; nothing is downloaded.

The release holds pickled dicts with bytes keys: data files (b"data": uint8 (N, 3072),
the R, G and B planes of each 32x32 image row-major; the labels, b"labels" in CIFAR-10,
b"fine_labels" in CIFAR-100; b"filenames") and a meta file with the class names. A split
is its files' images in order (CIFAR-10's train split: data_batch_1 .. data_batch_5).
Image id = index in the release's order.

torchvision's CIFAR10/CIFAR100 readers are not used: they check every file against the
MD5 of the one official copy, so they reject the small copies the tests write, and they
say "Dataset not found or corrupted" without naming the file; this reader parses the same
fields into the same ids and labels (tests/test_cifar.py compares them).
"""

from __future__ import annotations

import os
import pickle
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ddd.datasets.arrays import ImageArrays

SIDE = 32


@dataclass(frozen=True)
class Release:
    name: str
    folder: str
    splits: dict[str, tuple[str, ...]]
    labels: bytes
    meta: str
    names: bytes
    classes: int

    @property
    def obtain(self) -> str:
        archive = f"{self.folder.removesuffix('-batches-py').removesuffix('-python')}"
        return (f"download {archive}-python.tar.gz from https://www.cs.toronto.edu/~kriz/"
                f"cifar.html, unpack it and set dataset.path to the folder holding "
                f"{self.folder}")


RELEASES = {
    "cifar10": Release("CIFAR-10", "cifar-10-batches-py",
                       {"train": tuple(f"data_batch_{i}" for i in range(1, 6)),
                        "test": ("test_batch",)},
                       b"labels", "batches.meta", b"label_names", 10),
    "cifar100": Release("CIFAR-100", "cifar-100-python", {"train": ("train",),
                                                          "test": ("test",)},
                        b"fine_labels", "meta", b"fine_label_names", 100),
}


def release_dir(root: str | os.PathLike, kind: str) -> Path:
    """The release folder (cifar-10-batches-py, cifar-100-python): `root` itself or its
    child of that name."""
    release = RELEASES[kind]
    root = Path(root)
    folder = root / release.folder if (root / release.folder).is_dir() else root
    files = [*(name for names in release.splits.values() for name in names), release.meta]
    missing = [name for name in files if not (folder / name).is_file()]
    if missing:
        raise FileNotFoundError(
            f"expected the {release.name} python release at {root} (folder {release.folder} "
            f"with files {', '.join(files)}; missing: {', '.join(missing)}); {release.obtain}")
    return folder


def _unpickle(path: Path, release: Release) -> dict[bytes, Any]:
    """One pickled dict of the release, keys left as bytes."""
    try:
        with open(path, "rb") as handle:
            content = pickle.load(handle, encoding="bytes")
    except Exception as err:
        raise ValueError(f"corrupt {release.name} file {path}: {err!r}; "
                         f"{release.obtain}") from err
    if not isinstance(content, dict):
        raise ValueError(f"corrupt {release.name} file {path}: expected a pickled dict, got "
                         f"{type(content).__name__}; {release.obtain}")
    return content


def _field(content: dict[bytes, Any], key: bytes, path: Path, release: Release) -> Any:
    if key not in content:
        raise ValueError(f"malformed {release.name} file {path}: no entry {key!r}; "
                         f"{release.obtain}")
    return content[key]


def _part(path: Path, release: Release) -> tuple[np.ndarray, np.ndarray]:
    """One data file's uint8 (N, 3, 32, 32) images and int16 labels."""
    content = _unpickle(path, release)
    data = np.asarray(_field(content, b"data", path, release))
    labels = np.asarray(_field(content, release.labels, path, release))
    filenames = _field(content, b"filenames", path, release)
    size = 3 * SIDE * SIDE
    if data.dtype != np.uint8 or data.ndim != 2 or data.shape[1] != size:
        raise ValueError(f"malformed {release.name} file {path}: data must be uint8 (N, "
                         f"{size}), got {data.dtype} {data.shape}; {release.obtain}")
    key = release.labels.decode()
    if labels.shape != (len(data),) or len(filenames) != len(data):
        raise ValueError(f"malformed {release.name} file {path}: {len(data)} images but "
                         f"{labels.size} {key} and {len(filenames)} filenames; "
                         f"{release.obtain}")
    if len(data) == 0 or labels.min() < 0 or labels.max() >= release.classes:
        raise ValueError(f"malformed {release.name} file {path}: needs images with {key} in "
                         f"0..{release.classes - 1}; {release.obtain}")
    return data.reshape(len(data), 3, SIDE, SIDE), labels.astype(np.int16)


def _split(folder: Path, names: tuple[str, ...], release: Release) -> ImageArrays:
    parts = [_part(folder / name, release) for name in names]
    return ImageArrays(np.ascontiguousarray(np.concatenate([p[0] for p in parts])),
                       np.concatenate([p[1] for p in parts]))


def _class_names(path: Path, release: Release) -> list[str]:
    names = _field(_unpickle(path, release), release.names, path, release)
    if len(names) != release.classes:
        raise ValueError(f"malformed {release.name} file {path}: expected {release.classes} "
                         f"{release.names.decode()}, got {len(names)}; {release.obtain}")
    return [name.decode() if isinstance(name, bytes) else str(name) for name in names]


def load(root: str | os.PathLike, kind: str) -> tuple[dict[str, ImageArrays], list[str]]:
    """The train and test splits of `kind` (cifar10, cifar100) and the class names, in
    label order."""
    release = RELEASES[kind]
    folder = release_dir(root, kind)
    splits = {split: _split(folder, names, release) for split, names in release.splits.items()}
    return splits, _class_names(folder / release.meta, release)
