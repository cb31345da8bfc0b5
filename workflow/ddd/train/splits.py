"""A prepared dataset's splits as data on a device, whatever the dataset's storage.

In-memory datasets ("arrays") become `Batches` (uint8 on the device); file datasets
("files", ImageNet and image folders) become `FileBatches` decoded by loader workers: random
resized crops and flips for training, resize and centre crop for evaluation. Given the
study's image store (ddd.datasets.store), file datasets read their images from it instead,
decoded by the workers on a CPU and in batches on a GPU.
"""

from __future__ import annotations

import os
from functools import partial
from typing import Any

import numpy as np
import torch

from ddd.datasets import arrays, imagenet, shortcut, store
from ddd.datasets.arrays import num_classes as num_classes  # torch-free, re-exported
from ddd.datasets.arrays import read_manifest as read_manifest
from ddd.train.batches import Batches, Data, FileBatches


def image_size(manifest: dict[str, Any]) -> int:
    """Side of the images a model sees: the stored size (from the manifest's shapes), or
    the crop of file datasets."""
    if manifest["storage"] == "files":
        return int(manifest["spec"]["crop"])
    return int(manifest["splits"]["test"]["images"][-1])


def labels(data_path: str | os.PathLike, split: str) -> np.ndarray:
    """int16 labels of a split in image-id order (both storages keep them in the .npz)."""
    with np.load(data_path) as archive:
        return archive[f"{split}_labels"]


def open_split(data_path: str | os.PathLike, manifest_path: str | os.PathLike, split: str,
               device: torch.device, train: bool = False, keep: np.ndarray | None = None,
               workers: int = 0, store_path: str | os.PathLike | None = None,
               cue: bool = False) -> Data:
    """One split on `device`; `train` picks the training augmentation of file datasets
    (in-memory data is augmented by the training loop); `keep` selects images by index;
    `store_path`: the image store folder a file dataset's images are read from; `cue`:
    the training split with the planted shortcut (ddd.datasets.shortcut)."""
    manifest = read_manifest(manifest_path)
    if cue and shortcut.MANIFEST_KEY not in manifest:
        raise ValueError(f"recipe shortcut: true, but the dataset {data_path} has no planted "
                         f"shortcut: configure the study's dataset.shortcut")
    if manifest["storage"] == "files":
        if cue:
            raise ValueError("recipe shortcut: true needs an in-memory dataset (not "
                             "imagenet or image_folder)")
        spec = manifest["spec"]
        transform = (imagenet.train_transform(spec["crop"]) if train
                     else imagenet.eval_transform(spec["resize"], spec["crop"]))
        if store_path is not None:  # the index's labels suffice, not its file paths
            return _from_store(store_path, split, manifest["sha256"], labels(data_path, split),
                               keep, transform, train, device, workers)
        index = imagenet.load_index(data_path, split, manifest_path=manifest_path)
        if keep is not None:
            index = imagenet.FileIndex(index.root, index.paths[keep], index.labels[keep])
        return FileBatches(imagenet.ImageFiles(index, transform), index.labels, device, workers)
    data = arrays.load(data_path, split, manifest_path=manifest_path)
    if cue and split == "train":
        data = shortcut.plant(data, manifest[shortcut.MANIFEST_KEY]["spec"])
    images, classes = data.images, data.labels
    if keep is not None:
        images, classes = images[keep], classes[keep]
    return Batches(torch.from_numpy(images).to(device),
                   torch.from_numpy(classes.astype(np.int64)).to(device))


def _from_store(path: str | os.PathLike, split: str, sha256: str, labels: np.ndarray,
                keep: np.ndarray | None, transform: imagenet.Transform | None, train: bool,
                device: torch.device, workers: int) -> FileBatches:
    """A split read from the image store: decoded by the workers, or on a GPU in batches;
    the evaluation split's stored images are the evaluation transform's output already."""
    if split == store.EVALUATED:
        if train:
            raise ValueError(f"the image store {path} holds the {split} split as evaluation "
                             f"images, not for training")
        transform = None
    images = store.open_split(path, split, sha256, labels)
    if keep is not None:
        images = images.subset(keep)
    if device.type == "cuda":
        return FileBatches(store.StoreImages(images, encoded=True), images.labels, device,
                           workers, decode=partial(store.decode_batch, transform=transform,
                                                   device=device),
                           collate=store.collate_encoded)
    return FileBatches(store.StoreImages(images, transform), images.labels, device, workers)
