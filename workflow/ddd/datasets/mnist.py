"""MNIST and Fashion-MNIST from a local copy of the IDX release files; nothing is downloaded.

The release is four files, each gzipped or not: train-images-idx3-ubyte,
train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte. They may lie
directly in the configured folder (the original release; Debian's dataset-fashion-mnist
puts them in /usr/share/datasets/fashion-mnist) or in torchvision's layout
<path>/<MNIST|FashionMNIST>/raw/. torchvision's readers parse them (staged, decompressed,
in a temporary folder of its layout). Image id = index in the release's order.

Images are grey; they are stored with the grey channel repeated to R, G and B, so every
architecture (3 input channels) and the experiment page take them unchanged.
"""

from __future__ import annotations

import gzip
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from torchvision import datasets

from ddd.datasets.arrays import ImageArrays

FILES = {"train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
         "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")}


@dataclass(frozen=True)
class Release:
    name: str
    reader: type[datasets.MNIST]
    obtain: str


RELEASES = {
    "fashion_mnist": Release(
        "Fashion-MNIST", datasets.FashionMNIST,
        "install it with `apt-get install dataset-fashion-mnist` (`dpkg -L "
        "dataset-fashion-mnist` lists the files; default dataset.path "
        "/usr/share/datasets/fashion-mnist) or download the four .gz files from "
        "https://github.com/zalandoresearch/fashion-mnist and set dataset.path"),
    "mnist": Release(
        "MNIST", datasets.MNIST,
        "download the four .gz files from https://yann.lecun.com/exdb/mnist/ (or a mirror: "
        "https://ossci-datasets.s3.amazonaws.com/mnist/) and set dataset.path to their "
        "folder"),
}


def _find(folder: Path, name: str) -> Path | None:
    for candidate in (folder / name, folder / f"{name}.gz"):
        if candidate.is_file():
            return candidate
    return None


def release_files(root: str | os.PathLike, kind: str) -> dict[str, Path]:
    """The release file of each name in FILES: in `root` or in torchvision's
    `root/<MNIST|FashionMNIST>/raw/`, gzipped or not."""
    release = RELEASES[kind]
    root = Path(root)
    names = [name for pair in FILES.values() for name in pair]
    for folder in (root, root / release.reader.__name__ / "raw", root / "raw"):
        found = {name: _find(folder, name) for name in names}
        paths = {name: path for name, path in found.items() if path is not None}
        if len(paths) == len(found):
            return paths
    missing = [name for name, path in {n: _find(root, n) for n in names}.items() if not path]
    raise FileNotFoundError(
        f"expected the {release.name} release at {root} (the files {', '.join(names)}, "
        f"each optionally .gz, in that folder or in {release.reader.__name__}/raw/; "
        f"missing: {', '.join(missing)}); {release.obtain}")


def _stage(files: dict[str, Path], raw: Path, kind: str) -> None:
    """The release files, decompressed, in torchvision's raw folder."""
    raw.mkdir(parents=True)
    for name, path in files.items():
        if path.suffix != ".gz":
            (raw / name).symlink_to(path.resolve())
            continue
        try:
            with gzip.open(path, "rb") as source:
                (raw / name).write_bytes(source.read())
        except (OSError, EOFError) as err:
            raise ValueError(f"corrupt {RELEASES[kind].name} file {path}: {err}; "
                             f"{RELEASES[kind].obtain}") from err


def _read(tmp: Path, kind: str, split: str, files: dict[str, Path]) -> ImageArrays:
    release = RELEASES[kind]
    shown = " and ".join(str(files[name]) for name in FILES[split])
    try:
        data = release.reader(str(tmp), train=split == "train", download=False)
        images, labels = data.data.numpy(), data.targets.numpy()
    except (AssertionError, RuntimeError, TypeError, ValueError, IndexError) as err:
        raise ValueError(f"malformed {release.name} files {shown}: {err or type(err).__name__}"
                         f"; expected IDX files of uint8 images (N, 28, 28) and N uint8 "
                         f"labels; {release.obtain}") from err
    if labels.shape != (len(images),) or len(images) == 0 or labels.max() >= 10:
        raise ValueError(f"malformed {release.name} files {shown}: {len(images)} images but "
                         f"{labels.size} labels (need as many, in 0..9); {release.obtain}")
    rgb = np.repeat(images[:, None], 3, axis=1)
    return ImageArrays(np.ascontiguousarray(rgb), labels.astype(np.int16))


def load(root: str | os.PathLike, kind: str) -> tuple[dict[str, ImageArrays], list[str]]:
    """The train and test splits of `kind` (mnist, fashion_mnist) and its 10 class names."""
    files = release_files(root, kind)
    reader = RELEASES[kind].reader
    with tempfile.TemporaryDirectory() as tmp:
        _stage(files, Path(tmp) / reader.__name__ / "raw", kind)
        splits = {split: _read(Path(tmp), kind, split, files) for split in FILES}
    return splits, list(reader.classes)
