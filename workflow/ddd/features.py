"""A run's stored features: final-epoch logits on every evaluation image and one layer's
activations on the fixed RSA image subset, as float16 arrays in one .npz beside the
decision table (results/{study}/features/{run}.npz). Reading them needs no torch;
ddd.train.capture computes them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ddd.errors import rebuild
from ddd.io.atomic import atomic_path

FLOAT16_MAX = float(np.finfo(np.float16).max)


@dataclass(frozen=True)
class Features:
    """One run's stored features: logits (images, classes) over the evaluation set and a
    layer's activations (rsa images, features), flattened per image, both float16."""

    image_ids: np.ndarray
    labels: np.ndarray
    logits: np.ndarray
    rsa_image_ids: np.ndarray
    activations: np.ndarray
    layer: str


def _to_float16(values: np.ndarray, what: str) -> np.ndarray:
    if np.abs(values).max(initial=0.0) > FLOAT16_MAX or not np.isfinite(values).all():
        raise ValueError(f"{what} exceed the float16 range (or are not finite); capture "
                         f"another layer")
    return values.astype(np.float16)


def save(path: str | os.PathLike, features: Features) -> None:
    """Write a run's features atomically (.npz, float16 arrays)."""
    with atomic_path(path) as tmp, open(tmp, "wb") as handle:
        np.savez(handle, image_ids=features.image_ids.astype(np.int32),
                 labels=features.labels.astype(np.int16),
                 logits=_to_float16(features.logits, "logits"),
                 rsa_image_ids=features.rsa_image_ids.astype(np.int32),
                 activations=_to_float16(features.activations, "activations"),
                 layer=np.array(features.layer))


def load(path: str | os.PathLike) -> Features:
    """Read a run's features, naming the file when it is missing or incomplete."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"features file {path} does not exist: build it with "
                                f"`snakemake {path}`")
    with np.load(path) as archive:
        missing = [k for k in ("image_ids", "labels", "logits", "rsa_image_ids",
                               "activations", "layer") if k not in archive]
        if missing:
            raise ValueError(f"{path}: lacks arrays {missing}; rebuild it: {rebuild(path)}")
        return Features(archive["image_ids"], archive["labels"], archive["logits"],
                        archive["rsa_image_ids"], archive["activations"], str(archive["layer"]))
