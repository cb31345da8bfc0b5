"""A compact image store for file datasets (imagenet, image_folder), written once per study.

Every image of a split, in image-id order, is decoded, re-encoded as RGB JPEG and appended
to a few large shard files `<split>-000.bin`, ...: a training image resized so that its
shorter side is the dataset's `resize` (never upscaled: the resize of the evaluation
transform, so that the training crops lose no more detail than that), an evaluation (test)
image as the evaluation transform's output itself (resize, centre crop), which the loader
then only decodes: today's evaluation images up to JPEG re-encoding error, at a fraction of
the pixels. The folder's `index.npz` holds per split
each image's shard, byte offset, length, CRC32, label and image id, and the sha256 of the
dataset index it was built from: opening checks all of that against the dataset, reading
checks each image's CRC32, and every mismatch names the file and the rebuild command.
"""

from __future__ import annotations

import os
import zipfile
import zlib
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import BinaryIO

import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset

from ddd.datasets import arrays, imagenet
from ddd.errors import rebuild
from ddd.io.atomic import atomic_dir

INDEX = "index.npz"
SPLITS = ("train", "test")
EVALUATED = "test"  # the split stored as evaluation images (crop x crop)


def _rebuild_store(folder: str | os.PathLike) -> str:
    return f"rebuild the store: {rebuild(folder)}"


def shard_name(split: str, number: int) -> str:
    return f"{split}-{number:03d}.bin"


def shrink(image: torch.Tensor, side: int) -> torch.Tensor:
    """The image with its shorter side resized to `side` as eval_transform's Resize does
    (bilinear, antialiased); smaller images stay as they are."""
    from torchvision.transforms.v2 import functional  # lazily, as in ddd.datasets.imagenet

    if min(image.shape[-2:]) <= side:
        return image
    return functional.resize(image, side, antialias=True)


class _Encoded(Dataset):
    """The images of a FileIndex after `transform`, encoded as JPEG bytes (uint8 arrays)."""

    def __init__(self, index: imagenet.FileIndex, transform: imagenet.Transform,
                 quality: int) -> None:
        self.files = imagenet.ImageFiles(index, transform)
        self.quality = quality

    def __len__(self) -> int:
        return len(self.files)

    def __getitem__(self, item: int) -> np.ndarray:
        from torchvision.io import encode_jpeg

        image, _ = self.files[item]
        return encode_jpeg(image.contiguous(), quality=self.quality).numpy()


def _write_split(folder: Path, split: str, index: imagenet.FileIndex,
                 transform: imagenet.Transform, quality: int, shard_bytes: int, workers: int
                 ) -> dict[str, np.ndarray]:
    """Append the split's images after `transform`, encoded, to its shards; their index
    arrays."""
    n = len(index)
    shard, offset = np.zeros(n, np.uint16), np.zeros(n, np.int64)
    length, crc = np.zeros(n, np.int64), np.zeros(n, np.uint32)
    sizes = [0]
    encoded = DataLoader(_Encoded(index, transform, quality), batch_size=64,
                         num_workers=workers, collate_fn=list)
    out = (folder / shard_name(split, 0)).open("wb")
    try:
        i = 0
        for batch in encoded:
            for data in batch:
                if sizes[-1] and sizes[-1] + len(data) > shard_bytes:
                    out.close()
                    sizes.append(0)
                    out = (folder / shard_name(split, len(sizes) - 1)).open("wb")
                out.write(data.tobytes())
                shard[i], offset[i], length[i] = len(sizes) - 1, sizes[-1], len(data)
                crc[i] = zlib.crc32(data)
                sizes[-1] += len(data)
                i += 1
    finally:
        out.close()
    return {f"{split}_shard": shard, f"{split}_offset": offset, f"{split}_length": length,
            f"{split}_crc32": crc, f"{split}_label": index.labels,
            f"{split}_image_id": np.arange(n, dtype=np.int64),
            f"{split}_shard_bytes": np.array(sizes, np.int64)}


def build(data_path: str | os.PathLike, manifest_path: str | os.PathLike,
          folder: str | os.PathLike, quality: int, shard_bytes: int, workers: int = 0
          ) -> dict[str, int]:
    """Write the store of a file dataset's index into `folder` (atomically: a killed job
    leaves no store); a shard ends before the image that would take it past `shard_bytes`.
    Returns the stored bytes per split."""
    arrays.verify_checksum(data_path, manifest_path)
    manifest = arrays.read_manifest(manifest_path)
    if manifest["storage"] != "files":
        raise ValueError(f"{manifest_path}: an image store needs a file dataset "
                         f"(imagenet, image_folder), not {manifest['spec']['kind']}")
    side, crop = int(manifest["spec"]["resize"]), int(manifest["spec"]["crop"])
    arrays_ = {"dataset_sha256": np.array(manifest["sha256"]), "side": np.array(side),
               "crop": np.array(crop), "quality": np.array(quality)}
    with atomic_dir(folder) as tmp:
        for split in SPLITS:
            transform = (imagenet.eval_transform(side, crop) if split == EVALUATED
                         else partial(shrink, side=side))
            arrays_.update(_write_split(tmp, split, imagenet.load_index(data_path, split),
                                        transform, quality, shard_bytes, workers))
        # numpy's stubs read **arrays_ as possibly holding the flag allow_pickle
        np.savez(tmp / INDEX, **arrays_)  # type: ignore[arg-type]
    return {split: int(arrays_[f"{split}_shard_bytes"].sum()) for split in SPLITS}


@dataclass(frozen=True, eq=False)
class StoreSplit:
    """One split of a store: where each image's bytes lie, and its label and image id."""

    folder: str
    split: str
    shard: np.ndarray
    offset: np.ndarray
    length: np.ndarray
    crc32: np.ndarray
    labels: np.ndarray
    image_ids: np.ndarray

    def __len__(self) -> int:
        return len(self.labels)

    def subset(self, keep: np.ndarray) -> StoreSplit:
        return replace(self, shard=self.shard[keep], offset=self.offset[keep],
                       length=self.length[keep], crc32=self.crc32[keep],
                       labels=self.labels[keep], image_ids=self.image_ids[keep])

    def path(self, shard: int) -> str:
        return os.path.join(self.folder, shard_name(self.split, shard))

    @property
    def bytes_per_image(self) -> float:
        return float(self.length.mean())


def open_split(folder: str | os.PathLike, split: str, dataset_sha256: str,
               labels: np.ndarray) -> StoreSplit:
    """One split of the store in `folder`, checked against the dataset it must derive from
    (the sha256 of its index and the split's labels) and for its shards' sizes."""
    path = Path(folder) / INDEX
    keys = [f"{split}_{key}" for key in ("shard", "offset", "length", "crc32", "label",
                                         "image_id", "shard_bytes")]
    index = _load(folder, ["dataset_sha256", *keys])
    if str(index.get("dataset_sha256")) != dataset_sha256:
        raise ValueError(f"image store index {path} was built from another dataset index "
                         f"(sha256 {index.get('dataset_sha256')}, not {dataset_sha256}); "
                         f"{_rebuild_store(folder)}")
    missing = [key for key in keys if key not in index]
    if missing:
        raise ValueError(f"image store index {path} lacks {missing}; {_rebuild_store(folder)}")
    store = StoreSplit(str(folder), split, *(index[key] for key in keys[:-1]))
    sizes = index[keys[-1]]
    if not (np.array_equal(store.labels, labels)
            and np.array_equal(store.image_ids, np.arange(len(labels)))):
        raise ValueError(f"image store index {path}: the {split} split's image ids or labels "
                         f"differ from the dataset's; {_rebuild_store(folder)}")
    for number, size in enumerate(sizes):
        shard = store.path(number)
        actual = os.path.getsize(shard) if os.path.isfile(shard) else None
        if actual != size:
            raise ValueError(f"image store shard {shard} has {actual} bytes, its index {path} "
                             f"records {size}; {_rebuild_store(folder)}")
    return store


def describe(folder: str | os.PathLike) -> dict[str, int | str]:
    """The store's settings and its index's sha256, for a run's metadata (provenance)."""
    settings = _load(folder, ["side", "crop", "quality"])
    return {**{key: int(value) for key, value in settings.items()},
            "index_sha256": arrays.sha256(Path(folder) / INDEX)}


def _load(folder: str | os.PathLike, keys: list[str]) -> dict[str, np.ndarray]:
    """Those of the named arrays that the store's index holds; only they are read."""
    path = Path(folder) / INDEX
    try:
        with np.load(path) as archive:
            return {key: archive[key] for key in keys if key in archive}
    except (OSError, ValueError, zipfile.BadZipFile) as err:
        raise ValueError(f"unreadable image store index {path} ({err}); "
                         f"{_rebuild_store(folder)}") from err


class StoreImages(Dataset):
    """A store split as (uint8 CHW RGB tensor after `transform`, label) pairs, decoded on
    the CPU; with `encoded`, as (JPEG bytes as a 1-D uint8 tensor, label) for batched
    decoding on the GPU (decode_batch)."""

    def __init__(self, store: StoreSplit, transform: imagenet.Transform | None = None,
                 encoded: bool = False) -> None:
        self.store, self.transform, self.encoded = store, transform, encoded
        self._files: dict[int, BinaryIO] = {}

    def __getstate__(self) -> dict:
        return {**self.__dict__, "_files": {}}  # open files stay in their process

    def __len__(self) -> int:
        return len(self.store)

    def _read(self, item: int) -> torch.Tensor:
        s = self.store
        shard = int(s.shard[item])
        if shard not in self._files:
            self._files[shard] = open(s.path(shard), "rb")  # noqa: SIM115 -- kept open
        data = os.pread(self._files[shard].fileno(), int(s.length[item]), int(s.offset[item]))
        if zlib.crc32(data) != s.crc32[item]:
            raise ValueError(f"corrupt image store shard {s.path(shard)}: image "
                             f"{s.image_ids[item]} at byte {s.offset[item]} fails its CRC32 "
                             f"check; {_rebuild_store(s.folder)}")
        return torch.frombuffer(bytearray(data), dtype=torch.uint8)

    def __getitem__(self, item: int) -> tuple[torch.Tensor, int]:
        from torchvision.io import ImageReadMode, decode_jpeg

        data, label = self._read(item), int(self.store.labels[item])
        if self.encoded:
            return data, label
        image = decode_jpeg(data, mode=ImageReadMode.RGB)
        if self.transform is not None:
            image = self.transform(image)
        return image, label


def collate_encoded(items: list[tuple[torch.Tensor, int]]
                    ) -> tuple[list[torch.Tensor], torch.Tensor]:
    """A batch of encoded images: the list of their bytes and the labels."""
    return [data for data, _ in items], torch.tensor([label for _, label in items])


def decode_batch(encoded: list[torch.Tensor], transform: imagenet.Transform | None,
                 device: torch.device) -> torch.Tensor:
    """Decode a batch of JPEGs in one call on `device` (nvJPEG on a GPU), then transform
    each image there (if `transform`) and stack them."""
    from torchvision.io import ImageReadMode, decode_jpeg

    images = decode_jpeg(encoded, mode=ImageReadMode.RGB, device=device)
    return torch.stack([transform(image) if transform else image for image in images])
