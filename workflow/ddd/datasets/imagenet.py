"""ImageNet ILSVRC2012 from a local copy; nothing is downloaded, images stay files on disk.

Layouts: class folders `root/<split>/<wnid>/*.JPEG` (torchvision ImageFolder), or a flat
`root/<split>/` of images plus a ground-truth file: Kaggle's LOC_val_solution.csv
(ImageId,PredictionString; the first token of PredictionString is the wnid) or lines
"<filename> <wnid>". Classes are the sorted wnids (ImageFolder order) of `root/train`
when it exists, else of the split itself. Image id = position after sorting by file name
(then relative path): the same image gets the same id in either layout of a split.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import torch
from torch.utils.data import Dataset

from ddd.datasets.arrays import checked, write_dataset
from ddd.errors import rebuild
from ddd.io.textfile import read_text

# torchvision is imported where images are decoded or transformed: importing it takes about
# 2 s (it loads torch._dynamo), which every job on in-memory images would pay otherwise.
if TYPE_CHECKING:
    from torchvision.transforms import v2

EXTENSIONS = (".jpeg", ".jpg", ".png")
SOLUTION = "LOC_val_solution.csv"
SYNSETS = "LOC_synset_mapping.txt"
OBTAIN = ("ILSVRC2012 is never downloaded by the workflow: get it from "
          "https://image-net.org/download.php (or Kaggle's imagenet-object-localization-"
          "challenge, whose images lie in ILSVRC/Data/CLS-LOC) and set dataset.path to the "
          "folder that holds train/ and val/")

Transform = Callable[[torch.Tensor], torch.Tensor]


@dataclass(frozen=True, eq=False)
class FileIndex:
    """One split: image paths relative to `root` and int16 labels; image id = position."""

    root: str
    paths: np.ndarray
    labels: np.ndarray

    def __post_init__(self) -> None:
        if self.paths.ndim != 1 or self.paths.dtype.kind != "U":
            raise ValueError(f"paths must be a 1-D unicode array, got {self.paths.dtype} "
                             f"{self.paths.shape}")
        if self.labels.shape != self.paths.shape or self.labels.dtype != np.int16:
            raise ValueError(f"labels must be int16 of shape {self.paths.shape}, got "
                             f"{self.labels.dtype} {self.labels.shape}")
        if len(self.paths) == 0:
            raise ValueError(f"empty split: no images under {self.root}")

    def __len__(self) -> int:
        return len(self.paths)


def _is_image(entry: os.DirEntry) -> bool:
    return (not entry.name.startswith(".") and entry.name.lower().endswith(EXTENSIONS)
            and entry.is_file())


def _images(folder: Path) -> list[str]:
    """File names of the images directly in `folder`."""
    with os.scandir(folder) as entries:
        return [entry.name for entry in entries if _is_image(entry)]


def _class_folders(folder: Path) -> list[str]:
    """Sorted names of the visible subfolders of `folder`."""
    with os.scandir(folder) as entries:
        return sorted(entry.name for entry in entries
                      if entry.is_dir() and not entry.name.startswith("."))


def _key(filename: str) -> str:
    """An image's name without folder and image extension, as ground-truth files list it."""
    name = filename.replace("\\", "/").rsplit("/", 1)[-1]
    stem, dot, ext = name.rpartition(".")
    return stem if dot and f".{ext.lower()}" in EXTENSIONS else name


def _split_dir(root: Path, split: str) -> Path:
    if not root.is_dir():
        raise FileNotFoundError(f"expected the ImageNet ILSVRC2012 images at {root} (folders "
                                f"train/ and val/); {OBTAIN}")
    folder = root / split
    if not folder.is_dir():
        raise FileNotFoundError(f"expected the ImageNet {split!r} split at {folder} (class "
                                f"folders <wnid>/ of images, or for val the flat "
                                f"ILSVRC2012_val_*.JPEG files); {OBTAIN}")
    return folder


def _folder_entries(root: Path, folder: Path, wnids: list[str]) -> list[tuple[str, str]]:
    """(relative path, wnid) of every image in the class folders `folder/<wnid>/`."""
    entries = []
    for wnid in wnids:
        names = _images(folder / wnid)
        if not names:
            raise ValueError(f"class folder {folder / wnid} holds no images ("
                             f"{', '.join(EXTENSIONS)}): restore its images from the "
                             f"ILSVRC2012 archive or delete the folder")
        prefix = (folder / wnid).relative_to(root).as_posix()
        entries += [(f"{prefix}/{name}", wnid) for name in names]
    return entries


def _read_solution(path: Path, lines: list[str]) -> dict[str, str]:
    """Kaggle's LOC_val_solution.csv: ImageId -> first token of PredictionString."""
    rows = csv.DictReader(lines)
    if not {"ImageId", "PredictionString"} <= set(rows.fieldnames or ()):
        raise ValueError(f"malformed ground truth {path}: expected the columns "
                         f"ImageId,PredictionString of Kaggle's {SOLUTION}")
    pairs = []
    for row in rows:
        tokens = (row["PredictionString"] or "").split()
        if not row["ImageId"] or not tokens:
            raise ValueError(f"malformed ground truth {path}, line {rows.line_num}: "
                             f"expected an ImageId and a PredictionString starting with a wnid")
        pairs.append((row["ImageId"], tokens[0]))
    return _unique(path, pairs)


def _read_pairs(path: Path, lines: list[str]) -> dict[str, str]:
    """A text file of "<filename> <wnid>" lines."""
    pairs = []
    for number, line in enumerate(lines, 1):
        tokens = line.split()
        if not tokens:
            continue
        if len(tokens) != 2:
            raise ValueError(f"malformed ground truth {path}, line {number}: expected "
                             f"'<filename> <wnid>', got {line.strip()!r}")
        pairs.append((tokens[0], tokens[1]))
    return _unique(path, pairs)


def _unique(path: Path, pairs: list[tuple[str, str]]) -> dict[str, str]:
    truth: dict[str, str] = {}
    for name, wnid in pairs:
        if _key(name) in truth:
            raise ValueError(f"malformed ground truth {path}: image {name} is listed twice")
        truth[_key(name)] = wnid
    if not truth:
        raise ValueError(f"ground truth {path} lists no images")
    return truth


def read_ground_truth(path: str | os.PathLike) -> dict[str, str]:
    """Image name (no extension) -> wnid, from LOC_val_solution.csv or "<filename> <wnid>"."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"ground truth file {path} does not exist: set "
                                f"dataset.ground_truth to Kaggle's {SOLUTION} or to a text "
                                f"file of '<filename> <wnid>' lines")
    lines = read_text(path).splitlines()
    if lines and lines[0].startswith("ImageId"):
        return _read_solution(path, lines)
    return _read_pairs(path, lines)


def _flat_entries(root: Path, folder: Path, names: list[str],
                  ground_truth: Path | None) -> list[tuple[str, str]]:
    """(relative path, wnid) of the images directly in `folder`, labelled by the ground truth."""
    if ground_truth is None:
        raise ValueError(f"{folder} holds images without class folders and no ground truth "
                         f"was found: set dataset.ground_truth to Kaggle's {SOLUTION} or to a "
                         f"text file of '<filename> <wnid>' lines, or put {SOLUTION} in {root}")
    truth = read_ground_truth(ground_truth)
    keys: dict[str, str] = {}
    for name in names:
        if _key(name) in keys:
            raise ValueError(f"{folder / name} and {folder / keys[_key(name)]} are the same "
                             f"image in two formats: delete one")
        keys[_key(name)] = name
    unlabelled = sorted(keys.keys() - truth.keys())
    if unlabelled:
        raise ValueError(f"{len(unlabelled)} images in {folder} are missing from the ground "
                         f"truth {ground_truth}, e.g. {folder / keys[unlabelled[0]]}: use the "
                         f"ground truth of this release or delete the extra images")
    orphans = sorted(truth.keys() - keys.keys())
    if orphans:
        raise ValueError(f"{len(orphans)} entries of the ground truth {ground_truth} have no "
                         f"image in {folder}, e.g. {orphans[0]}: restore the missing images "
                         f"from the ILSVRC2012 archive")
    prefix = folder.relative_to(root).as_posix()
    return [(f"{prefix}/{name}", truth[key]) for key, name in keys.items()]


def _labels(entries: list[tuple[str, str]], wnids: list[str], where: Path) -> np.ndarray:
    position = {wnid: i for i, wnid in enumerate(wnids)}
    unknown = sorted({wnid for _, wnid in entries} - position.keys())
    if unknown:
        raise ValueError(f"{where} has images of classes not among the {len(wnids)} class "
                         f"folders of the train split, e.g. {unknown[0]}: use the train and "
                         f"val folders of the same ILSVRC2012 copy")
    return np.array([position[wnid] for _, wnid in entries], dtype=np.int16)


def read_synsets(path: str | os.PathLike) -> dict[str, str]:
    """wnid -> class name (the first comma-separated part) from LOC_synset_mapping.txt."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"synset mapping {path} does not exist: set dataset.synsets "
                                f"to Kaggle's {SYNSETS} (lines 'n01440764 tench, Tinca "
                                f"tinca') or leave it out to name classes by wnid")
    names = {}
    for number, line in enumerate(read_text(path).splitlines(), 1):
        tokens = line.split(maxsplit=1)
        if len(tokens) == 1:
            raise ValueError(f"malformed synset mapping {path}, line {number}: expected "
                             f"'<wnid> <name>, ...', got {line.strip()!r}")
        if tokens:
            names[tokens[0]] = tokens[1].split(",")[0].strip()
    return names


def class_names(wnids: list[str], synsets: str | os.PathLike | None) -> list[str]:
    """Each class's name from the synset mapping; the wnid itself without one."""
    if synsets is None:
        return list(wnids)
    names = read_synsets(synsets)
    missing = [wnid for wnid in wnids if wnid not in names]
    if missing:
        raise ValueError(f"synset mapping {synsets} lacks {len(missing)} classes, e.g. "
                         f"{missing[0]}: use the {SYNSETS} of the same ILSVRC2012 release")
    return [names[wnid] for wnid in wnids]


def _found(given: str | os.PathLike | None, default: Path) -> Path | None:
    """The given file, else `default` when it exists."""
    if given is not None:
        return Path(given)
    return default if default.is_file() else None


def build_index(root: str | os.PathLike, split: str,
                ground_truth: str | os.PathLike | None = None,
                synsets: str | os.PathLike | None = None,
                ) -> tuple[FileIndex, list[str], list[str]]:
    """Index one split; returns the index, the class wnids (sorted) and the class names.

    `ground_truth` labels a flat split (default: root/LOC_val_solution.csv if present);
    `synsets` names the classes (default: root/LOC_synset_mapping.txt if present).
    """
    root = Path(root)
    folder = _split_dir(root, split)
    folders, names = _class_folders(folder), _images(folder)
    if folders and names:
        raise ValueError(f"{folder} holds both class folders and images: move the images "
                         f"into their class folders <wnid>/ or the folders away")
    if folders:
        entries = _folder_entries(root, folder, folders)
    elif names:
        entries = _flat_entries(root, folder, names, _found(ground_truth, root / SOLUTION))
    else:
        raise ValueError(f"empty split: {folder} holds neither class folders nor images; "
                         f"{OBTAIN}")
    train = root / "train"
    wnids = _class_folders(train) if train.is_dir() else sorted({w for _, w in entries})
    entries.sort(key=lambda entry: (entry[0].rsplit("/", 1)[-1], entry[0]))
    index = FileIndex(str(root), np.array([path for path, _ in entries], dtype=str),
                      _labels(entries, wnids, folder))
    return index, wnids, class_names(wnids, _found(synsets, root / SYNSETS))


def save_index(path: str | os.PathLike, manifest_path: str | os.PathLike,
               splits: dict[str, FileIndex], info: dict, wnids: list[str],
               class_names: list[str]) -> None:
    """Write the splits' paths and labels to `path` (.npz) and a manifest like arrays.save's."""
    roots = {split.root for split in splits.values()}
    if len(roots) != 1:
        raise ValueError(f"all splits must share one root, got {sorted(roots)}")
    if len(class_names) != len(wnids):
        raise ValueError(f"{len(wnids)} wnids but {len(class_names)} class names")
    arrays = {"root": np.array(roots.pop())}
    for name, split in splits.items():
        if split.labels.max() >= len(wnids):
            raise ValueError(f"split {name} has label {split.labels.max()} for "
                             f"{len(wnids)} classes")
        arrays[f"{name}_paths"] = split.paths
        arrays[f"{name}_labels"] = split.labels
    write_dataset(path, manifest_path, arrays, {
        **info,
        "storage": "files",
        "root": str(arrays["root"]),
        "splits": {name: {"images": len(split), "classes": len(wnids)}
                   for name, split in splits.items()},
        "wnids": list(wnids),
        "class_names": list(class_names),
    }, compress=True)


def load_index(path: str | os.PathLike, split: str, verify: bool = False,
               manifest_path: str | os.PathLike | None = None) -> FileIndex:
    """Read one split's index; with `verify`, check the file against the manifest first."""
    path = checked(path, verify, manifest_path)
    with np.load(path) as archive:
        if f"{split}_paths" not in archive.files:
            splits = sorted(key.removesuffix("_paths") for key in archive.files
                            if key.endswith("_paths"))
            raise ValueError(f"{path} has no split {split!r}; valid splits: {', '.join(splits)}")
        return FileIndex(str(archive["root"]), archive[f"{split}_paths"],
                         archive[f"{split}_labels"])


class ImageFiles(Dataset):
    """The images of a FileIndex as (uint8 CHW RGB tensor after `transform`, label) pairs."""

    def __init__(self, index: FileIndex, transform: Transform | None = None) -> None:
        self.index = index
        self.transform = transform

    def __len__(self) -> int:
        return len(self.index)

    def __getitem__(self, item: int) -> tuple[torch.Tensor, int]:
        from torchvision.io import ImageReadMode, decode_image

        path = os.path.join(self.index.root, str(self.index.paths[item]))
        try:
            image = decode_image(path, mode=ImageReadMode.RGB)
        except (RuntimeError, OSError) as err:
            raise ValueError(f"corrupt image {path}: {err}; restore it from the original "
                             f"archive or delete it, then rebuild the index: "
                             f"{rebuild('results/<study>/data/dataset.npz')}") from err
        if self.transform is not None:
            image = self.transform(image)
        return image, int(self.index.labels[item])


def train_transform(crop: int) -> v2.Compose:
    """Random resized crop to `crop` x `crop` and horizontal flip, on uint8 tensors."""
    from torchvision.transforms import v2

    return v2.Compose([v2.RandomResizedCrop(crop, antialias=True), v2.RandomHorizontalFlip()])


def eval_transform(resize: int, crop: int, interpolation: str = "bilinear") -> v2.Compose:
    """Resize the shorter side to `resize` (`interpolation`: bilinear, bicubic, ...), then
    the central `crop` x `crop`, on uint8 tensors."""
    from torchvision.transforms import v2

    mode = v2.InterpolationMode(interpolation)
    return v2.Compose([v2.Resize(resize, interpolation=mode, antialias=True),
                       v2.CenterCrop(crop)])
