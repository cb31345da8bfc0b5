"""Build a study's dataset file and manifest from its config, for every dataset kind.

Every kind writes `dataset.npz` and `manifest.json`. In-memory kinds (gaussian, cifar10,
cifar100, mnist, fashion_mnist) store the images themselves (ddd.datasets.arrays);
imagenet and image_folder store an index of the image files (ddd.datasets.imagenet), which
stay where they are. `train_limit` / `test_limit` keep the first images of a release's
split (ids stay the release's indices).
"""

from __future__ import annotations

import os
from typing import Any

from ddd.datasets import arrays, cifar, gaussian, image_folder, imagenet, mnist, shortcut

RELEASES = {**{kind: cifar.load for kind in cifar.RELEASES},
            **{kind: mnist.load for kind in mnist.RELEASES}}
KINDS = ("gaussian", *RELEASES, "imagenet", "image_folder")


def _limited(split: arrays.ImageArrays, limit: int | None) -> arrays.ImageArrays:
    if limit is None:
        return split
    return arrays.ImageArrays(split.images[:limit], split.labels[:limit])


def _with_shortcut(splits: dict[str, arrays.ImageArrays], spec: dict[str, Any],
                   info: dict[str, Any]) -> dict[str, arrays.ImageArrays]:
    """The splits with the cue-conflict test images of `spec["shortcut"]` appended (and
    their manifest entry added to `info`); unchanged without a shortcut."""
    if not spec.get("shortcut"):
        return splits
    test, info[shortcut.MANIFEST_KEY] = shortcut.with_conflicts(splits["test"],
                                                                spec["shortcut"])
    shortcut.planted_ids(splits["train"].labels, spec["shortcut"])  # the class exists
    return {**splits, "test": test}


def prepare(spec: dict[str, Any], data_path: str | os.PathLike,
            manifest_path: str | os.PathLike) -> dict[str, int]:
    """Write the dataset of `spec` (a study's `dataset:` config); returns images per split."""
    kind = spec["kind"]
    if kind == "gaussian":
        sig = gaussian.sigmas(spec["classes"], spec["sigma_min"], spec["sigma_step"])
        splits = {name: gaussian.make_split(i, spec[f"{name}_per_class"], sig,
                                            spec["image_size"], spec["seed"])
                  for i, name in enumerate(arrays.SPLITS)}
        info = {"spec": spec, "sigmas": sig.tolist(), "seed": spec["seed"]}
        splits = _with_shortcut(splits, spec, info)
        arrays.save(data_path, manifest_path, splits, info)
        return {name: len(split.labels) for name, split in splits.items()}
    if kind in RELEASES:
        splits, names = RELEASES[kind](spec["path"], kind)
        splits = {name: _limited(split, spec.get(f"{name}_limit"))
                  for name, split in splits.items()}
        info = {"spec": spec}
        splits = _with_shortcut(splits, spec, info)
        arrays.save(data_path, manifest_path, splits, info, class_names=names)
        return {name: len(split.labels) for name, split in splits.items()}
    if kind == "imagenet":
        indices = {}
        for name, folder in (("train", spec["train_split"]), ("test", spec["test_split"])):
            indices[name], wnids, names = imagenet.build_index(
                spec["path"], folder, spec.get("ground_truth"), spec.get("synsets"))
        imagenet.save_index(data_path, manifest_path, indices, {"spec": spec}, wnids, names)
        return {name: len(index) for name, index in indices.items()}
    if kind == "image_folder":
        indices, names = image_folder.build(spec["path"], spec["train_split"],
                                            spec["test_split"])
        imagenet.save_index(data_path, manifest_path, indices, {"spec": spec}, names, names)
        return {name: len(index) for name, index in indices.items()}
    raise ValueError(f"unknown dataset kind {kind!r}; valid: {', '.join(KINDS)}")
