"""Stimulus images at display size: PNG files, small images enlarged without smoothing."""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Protocol

import numpy as np
from PIL import Image

from ddd.datasets import arrays
from ddd.io.atomic import atomic_dir


class ImageSource(Protocol):
    """Anything that returns one uint8 (3, H, W) image per image id, e.g. the (N, 3, H, W)
    array of a test split."""

    def __getitem__(self, image_id: int) -> np.ndarray: ...


class FileImages:
    """Image files as the networks are evaluated on them: the shorter side resized to
    `resize` (bilinear, antialiased), then the central `crop` x `crop` square."""

    def __init__(self, root: str, paths: np.ndarray, resize: int, crop: int) -> None:
        self.root, self.paths, self.resize, self.crop = root, paths, resize, crop

    def __getitem__(self, image_id: int) -> np.ndarray:
        with Image.open(os.path.join(self.root, str(self.paths[image_id]))) as file:
            image = file.convert("RGB")
        scale = self.resize / min(image.size)
        width, height = (max(self.crop, round(side * scale)) for side in image.size)
        image = image.resize((width, height), Image.Resampling.BILINEAR)
        left, top = (width - self.crop) // 2, (height - self.crop) // 2
        image = image.crop((left, top, left + self.crop, top + self.crop))
        return np.asarray(image).transpose(2, 0, 1)


def test_images(data_path: str | os.PathLike, manifest_path: str | os.PathLike) -> ImageSource:
    """The test split of a prepared dataset (checked against its manifest's checksum):
    in-memory images as stored, image files (ImageNet) resized and cropped as for
    evaluation (the manifest's spec.resize and spec.crop)."""
    manifest = json.loads(Path(manifest_path).read_text())
    if manifest["storage"] != "files":
        return arrays.load(data_path, "test", verify=True, manifest_path=manifest_path).images
    arrays.verify_checksum(data_path, manifest_path)
    with np.load(data_path) as index:
        root, paths = str(index["root"]), index["test_paths"]
    return FileImages(root, paths, manifest["spec"]["resize"], manifest["spec"]["crop"])


def file_name(image_id: int) -> str:
    """The stimulus file of an image, relative to the stimuli folder."""
    return f"{int(image_id)}.png"


def display_image(image: np.ndarray, size: int) -> np.ndarray:
    """A uint8 (3, H, W) image as a (size, size, 3) uint8 array for display.

    A non-square image is cut to its centre square first. A square of at most `size`
    pixels is enlarged by nearest neighbour (every pixel becomes a block, no smoothing: a
    16-pixel image at 224 px shows 14 x 14 blocks); a larger one is reduced with Lanczos
    filtering.
    """
    image = np.asarray(image)
    if image.ndim != 3 or image.shape[0] != 3 or image.dtype != np.uint8:
        raise ValueError(f"need a uint8 (3, H, W) image, got {image.dtype} {image.shape}")
    if size < 1:
        raise ValueError(f"size must be at least 1 pixel, got {size}")
    height, width = image.shape[1:]
    side = min(height, width)
    top, left = (height - side) // 2, (width - side) // 2
    square = np.ascontiguousarray(image[:, top:top + side, left:left + side].transpose(1, 2, 0))
    resample = Image.Resampling.NEAREST if side <= size else Image.Resampling.LANCZOS
    return np.asarray(Image.fromarray(square).resize((size, size), resample))


def export(images: ImageSource, image_ids: Iterable[int], size: int,
           folder: str | os.PathLike) -> dict[int, str]:
    """Write every image as `folder`/<image_id>.png at display size; the folder appears
    complete or not at all. Returns the file name of each image id."""
    files = {}
    with atomic_dir(folder) as tmp:
        for image_id in image_ids:
            name = file_name(image_id)
            Image.fromarray(display_image(images[int(image_id)], size)).save(
                Path(tmp) / name, format="PNG")
            files[int(image_id)] = name
    return files
