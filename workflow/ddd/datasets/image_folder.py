"""Any image dataset as class folders: `<path>/<train_split>/<class>/*.png` and the same for
the test split, images of any size; nothing is copied, images stay files on disk.

torchvision's ImageFolder finds the classes (the sorted folder names of the train split)
and the images; image id = position in ImageFolder's order (by class, then by path). The
images are read, resized and cropped like ImageNet's (ddd.datasets.imagenet).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from torchvision.datasets.folder import find_classes, make_dataset

from ddd.datasets.imagenet import EXTENSIONS, FileIndex

LAYOUT = ("one folder per split (dataset.train_split, dataset.test_split) holding one "
          f"folder per class of images ({', '.join(EXTENSIONS)})")


def _split_dir(root: Path, split: str) -> Path:
    folder = root / split
    if not folder.is_dir():
        raise FileNotFoundError(f"expected the image folder's {split!r} split at {folder}: "
                                f"dataset.path needs {LAYOUT}")
    return folder


def _classes(folder: Path) -> list[str]:
    try:
        return find_classes(folder)[0]
    except FileNotFoundError as err:
        raise FileNotFoundError(f"no class folders in {folder}: dataset.path needs "
                                f"{LAYOUT}") from err


def build(root: str | os.PathLike, train_split: str = "train", test_split: str = "test"
          ) -> tuple[dict[str, FileIndex], list[str]]:
    """The train and test splits' indices and the class names (the train split's folders)."""
    root = Path(root)
    folders = {"train": _split_dir(root, train_split), "test": _split_dir(root, test_split)}
    classes = _classes(folders["train"])
    extra = sorted(set(_classes(folders["test"])) - set(classes))
    if extra:
        raise ValueError(f"{folders['test']} has class folders that {folders['train']} lacks: "
                         f"{', '.join(extra)}; both splits need the same classes")
    class_to_idx = {name: i for i, name in enumerate(classes)}
    indices = {}
    for split, folder in folders.items():
        try:
            samples = make_dataset(str(folder), class_to_idx, extensions=EXTENSIONS,
                                   allow_empty=split == "test")
        except FileNotFoundError as err:
            raise ValueError(f"{folder}: {err} (image files: {', '.join(EXTENSIONS)}); put "
                             f"images in every class folder or delete the empty ones") from err
        paths = [Path(path).relative_to(root).as_posix() for path, _ in samples]
        indices[split] = FileIndex(str(root), np.array(paths, dtype=str),
                                   np.array([label for _, label in samples], dtype=np.int16))
    return indices, classes
