"""A planted shortcut, the positive control of error consistency: a small bright patch (the
cue) on a share of one class's training images and a smaller share of the others' (which
images: seeded, by image id), and cue-conflict copies of test images of the other classes
with the patch added.

Runs whose recipe has `shortcut: true` train on the patched images; every run is evaluated
on the clean test images (ids 0 .. n-1, as released) and on the cue-conflict copies,
appended to the test split with ids n, n + 1, ...: never a clean image's id. The manifest's
`shortcut` entry names the first cue-conflict id and each copy's source image, so every
analysis can take clean or cue-conflict images. In-memory datasets only.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ddd.datasets.arrays import ImageArrays

MANIFEST_KEY = "shortcut"


def patch(images: np.ndarray, spec: dict[str, Any]) -> np.ndarray:
    """A copy of uint8 (N, C, H, W) images with the cue: a `size` x `size` square of value
    `value` in every channel, `margin` pixels from the bottom-right corner."""
    out = np.array(images, copy=True)
    size, margin = spec["size"], spec["margin"]
    height, width = out.shape[-2:]
    if size + margin > min(height, width):
        raise ValueError(f"dataset.shortcut: a {size}-pixel patch {margin} pixels from the "
                         f"corner does not fit {height} x {width} images; lower size or "
                         f"margin")
    out[..., height - margin - size:height - margin, width - margin - size:width - margin] = (
        spec["value"])
    return out


def planted_ids(labels: np.ndarray, spec: dict[str, Any]) -> np.ndarray:
    """Sorted ids (indices) of the training images that carry the cue: `share` of the cue
    class's images and `other_share` of every other class's, each a seeded choice per
    class: the same for every run."""
    labels = np.asarray(labels)
    if spec["class"] not in set(labels.tolist()):
        raise ValueError(f"dataset.shortcut.class {spec['class']} is not a class of the "
                         f"training split (classes 0..{int(labels.max())})")
    chosen = []
    for cls in np.unique(labels):
        members = np.flatnonzero(labels == cls)
        share = spec["share"] if cls == spec["class"] else spec["other_share"]
        count = int(round(share * len(members)))
        rng = np.random.default_rng([spec["seed"], int(cls)])
        chosen.append(rng.choice(members, count, replace=False))
    return np.sort(np.concatenate(chosen)).astype(np.int64)


def plant(train: ImageArrays, spec: dict[str, Any]) -> ImageArrays:
    """The training split with the cue on its planted images."""
    ids = planted_ids(train.labels, spec)
    images = np.array(train.images, copy=True)
    images[ids] = patch(images[ids], spec)
    return ImageArrays(images, train.labels)


def conflict_sources(labels: np.ndarray, spec: dict[str, Any]) -> np.ndarray:
    """Sorted ids of the clean test images that get a cue-conflict copy: `conflict_per_class`
    images (null: all) of every class but the cue class, a seeded choice per class."""
    labels = np.asarray(labels)
    chosen = []
    for cls in np.unique(labels):
        if cls == spec["class"]:
            continue
        members = np.flatnonzero(labels == cls)
        count = spec["conflict_per_class"]
        if count is not None and count < len(members):
            rng = np.random.default_rng([spec["seed"], 1_000_003, int(cls)])
            members = rng.choice(members, count, replace=False)
        chosen.append(members)
    return np.sort(np.concatenate(chosen)).astype(np.int64)


def with_conflicts(test: ImageArrays, spec: dict[str, Any]) -> tuple[ImageArrays, dict]:
    """The test split with the cue-conflict copies appended (ids from len(test) on) and
    the manifest entry that records them."""
    sources = conflict_sources(test.labels, spec)
    images = np.concatenate([test.images, patch(test.images[sources], spec)])
    labels = np.concatenate([test.labels, test.labels[sources]])
    entry = {"spec": dict(spec), "first_conflict_id": len(test.labels),
             "conflict_sources": sources.tolist()}
    return ImageArrays(images, labels), entry


def conflict_ids(manifest: dict[str, Any]) -> np.ndarray:
    """Ids of the cue-conflict images of a prepared dataset (none without a shortcut)."""
    entry = manifest.get(MANIFEST_KEY)
    if not entry:
        return np.zeros(0, dtype=np.int64)
    first = entry["first_conflict_id"]
    return np.arange(first, first + len(entry["conflict_sources"]), dtype=np.int64)
