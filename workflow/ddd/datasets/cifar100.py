"""CIFAR-100 from a local copy of the python release; nothing is downloaded.

The release holds pickled dicts with bytes keys: `train` and `test` (b"data": uint8
(N, 3072), the R, G and B planes of each 32x32 image row-major; b"fine_labels";
b"filenames") and `meta` (b"fine_label_names"). Image id = index in the release's order.
"""

from __future__ import annotations

import os
import pickle
from pathlib import Path
from typing import Any

import numpy as np

from ddd.datasets.arrays import ImageArrays

FOLDER = "cifar-100-python"
SPLITS = ("train", "test")
CLASSES = 100
SIDE = 32
OBTAIN = ("download cifar-100-python.tar.gz from https://www.cs.toronto.edu/~kriz/cifar.html "
          "and unpack it there, then set dataset.path")


def release_dir(root: str | os.PathLike) -> Path:
    """The `cifar-100-python` folder: `root` itself or its child of that name."""
    root = Path(root)
    folder = root / FOLDER if (root / FOLDER).is_dir() else root
    missing = [name for name in (*SPLITS, "meta") if not (folder / name).is_file()]
    if missing:
        raise FileNotFoundError(
            f"expected the CIFAR-100 python release at {root} (folder {FOLDER} with files "
            f"train, test, meta; missing: {', '.join(missing)}); {OBTAIN}")
    return folder


def _unpickle(path: Path) -> dict[bytes, Any]:
    """One pickled dict of the release, keys left as bytes."""
    try:
        with open(path, "rb") as handle:
            content = pickle.load(handle, encoding="bytes")
    except Exception as err:
        raise ValueError(f"corrupt CIFAR-100 file {path}: {err!r}; {OBTAIN}") from err
    if not isinstance(content, dict):
        raise ValueError(f"corrupt CIFAR-100 file {path}: expected a pickled dict, got "
                         f"{type(content).__name__}; {OBTAIN}")
    return content


def _field(content: dict[bytes, Any], key: bytes, path: Path) -> Any:
    if key not in content:
        raise ValueError(f"malformed CIFAR-100 file {path}: no entry {key!r}; {OBTAIN}")
    return content[key]


def _split(path: Path) -> ImageArrays:
    """One split as uint8 (N, 3, 32, 32) images and int16 fine labels."""
    content = _unpickle(path)
    data = np.asarray(_field(content, b"data", path))
    labels = np.asarray(_field(content, b"fine_labels", path))
    filenames = _field(content, b"filenames", path)
    if data.dtype != np.uint8 or data.ndim != 2 or data.shape[1] != 3 * SIDE * SIDE:
        raise ValueError(f"malformed CIFAR-100 file {path}: data must be uint8 (N, "
                         f"{3 * SIDE * SIDE}), got {data.dtype} {data.shape}; {OBTAIN}")
    if labels.shape != (len(data),) or len(filenames) != len(data):
        raise ValueError(f"malformed CIFAR-100 file {path}: {len(data)} images but "
                         f"{labels.size} fine_labels and {len(filenames)} filenames; {OBTAIN}")
    if len(data) == 0 or labels.min() < 0 or labels.max() >= CLASSES:
        raise ValueError(f"malformed CIFAR-100 file {path}: needs images with fine_labels in "
                         f"0..{CLASSES - 1}; {OBTAIN}")
    images = np.ascontiguousarray(data.reshape(len(data), 3, SIDE, SIDE))
    return ImageArrays(images, labels.astype(np.int16))


def _class_names(path: Path) -> list[str]:
    names = _field(_unpickle(path), b"fine_label_names", path)
    if len(names) != CLASSES:
        raise ValueError(f"malformed CIFAR-100 file {path}: expected {CLASSES} "
                         f"fine_label_names, got {len(names)}; {OBTAIN}")
    return [name.decode() if isinstance(name, bytes) else str(name) for name in names]


def load(root: str | os.PathLike) -> tuple[dict[str, ImageArrays], list[str]]:
    """The train and test splits and the 100 fine class names, in label order."""
    folder = release_dir(root)
    return {name: _split(folder / name) for name in SPLITS}, _class_names(folder / "meta")
