"""The on-disk dataset format: one .npz of uint8 images and int16 labels plus a JSON manifest."""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ddd.errors import rebuild
from ddd.io.atomic import atomic_path, write_text

SPLITS = ("train", "test")


@dataclass(frozen=True)
class ImageArrays:
    """One split: images (N, 3, H, W) uint8 and labels (N,) int16; image id = row index."""

    images: np.ndarray
    labels: np.ndarray

    def __post_init__(self) -> None:
        if self.images.ndim != 4 or self.images.shape[1] != 3 or self.images.dtype != np.uint8:
            raise ValueError(f"images must be uint8 (N, 3, H, W), got {self.images.dtype} "
                             f"{self.images.shape}")
        if self.labels.shape != (len(self.images),):
            raise ValueError(f"labels must have shape ({len(self.images)},), "
                             f"got {self.labels.shape}")
        if len(self.images) == 0:
            raise ValueError("empty split: the dataset has no images")


def sha256(path: str | os.PathLike) -> str:
    """Hex SHA-256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 22), b""):
            digest.update(chunk)
    return digest.hexdigest()


def read_manifest(path: str | os.PathLike) -> dict[str, Any]:
    return json.loads(Path(path).read_text())


def num_classes(manifest: dict[str, Any]) -> int | None:
    """The dataset's class count: its training split's (a given study's identity file has
    only a test split, whose count is None when unknown)."""
    classes = manifest["splits"].get("train", manifest["splits"]["test"])["classes"]
    return None if classes is None else int(classes)


def verify_checksum(path: str | os.PathLike, manifest_path: str | os.PathLike) -> None:
    """Raise if the file at `path` does not match the checksum in its manifest."""
    manifest = json.loads(Path(manifest_path).read_text())
    if sha256(path) != manifest["sha256"]:
        raise ValueError(f"{path} does not match the checksum in {manifest_path}: "
                         f"the file is corrupt or was replaced; rebuild it: {rebuild(path)} "
                         f"(a plain `snakemake` does not rebuild a file that exists)")


def checked(path: str | os.PathLike, verify: bool,
            manifest_path: str | os.PathLike | None) -> Path:
    """`path`, after checking that it exists and, with `verify`, matches its manifest."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(
            f"dataset file {path} does not exist: build it with `snakemake {path}`")
    if verify:
        assert manifest_path is not None, "verifying a dataset file needs its manifest"
        verify_checksum(path, manifest_path)
    return path


def write_dataset(path: str | os.PathLike, manifest_path: str | os.PathLike,
                  content: dict[str, np.ndarray], fields: dict[str, Any],
                  compress: bool = False) -> None:
    """Write `content` to `path` (.npz, atomically) and a manifest of `fields` plus the
    file's name and checksum."""
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as handle:
            # numpy's stubs read **content as possibly holding the flag allow_pickle
            save = np.savez_compressed if compress else np.savez
            save(handle, **content)  # type: ignore[arg-type]
        checksum = sha256(tmp)
    manifest = {**fields, "file": Path(path).name, "sha256": checksum}
    write_text(manifest_path, json.dumps(manifest, indent=2) + "\n")


def save(path: str | os.PathLike, manifest_path: str | os.PathLike,
         splits: dict[str, ImageArrays], info: dict,
         class_names: list[str] | None = None) -> None:
    """Write the splits to `path` (.npz) and a manifest with shapes, `info`, the checksum
    and, when given, the class names."""
    content = {}
    for name, split in splits.items():
        content[f"{name}_images"] = split.images
        content[f"{name}_labels"] = split.labels
    fields = {
        **info,
        "storage": "arrays",
        "splits": {name: {"images": list(s.images.shape), "classes": int(s.labels.max()) + 1}
                   for name, s in splits.items()},
    }
    if class_names is not None:
        fields["class_names"] = list(class_names)
    write_dataset(path, manifest_path, content, fields)


def load(path: str | os.PathLike, split: str, verify: bool = False,
         manifest_path: str | os.PathLike | None = None) -> ImageArrays:
    """Read one split; with `verify`, check the file against the manifest's checksum first."""
    path = checked(path, verify, manifest_path)
    try:
        with np.load(path) as archive:
            return ImageArrays(archive[f"{split}_images"], archive[f"{split}_labels"])
    except KeyError as err:
        raise ValueError(f"{path} has no split {split!r}; valid splits: {', '.join(SPLITS)}") \
            from err


def class_names(manifest: dict[str, Any], classes: int) -> list[str]:
    """Names of classes 0..classes-1: the manifest's class_names; "sigma=<s>" for the
    Gaussian dataset (manifest["sigmas"]); otherwise "class <i>"."""
    for key, fmt in [("class_names", "{}"), ("sigmas", "sigma={:g}")]:
        if key in manifest:
            values = manifest[key]
            if len(values) < classes:
                raise ValueError(f"the manifest lists {len(values)} {key} for {classes} "
                                 f"classes")
            return [fmt.format(value) for value in values[:classes]]
    return [f"class {i}" for i in range(classes)]


def dataset_class_names(manifest_path: str | os.PathLike) -> list[str]:
    """The names of every class of a prepared dataset, from its manifest."""
    manifest = read_manifest(manifest_path)
    return class_names(manifest, int(manifest["splits"]["test"]["classes"]))
