"""How many training images a run can have, known from the config alone: exact for a
generated dataset, an upper bound for a release, unknown (None) for image folders and
ImageNet, whose files alone tell. The plan checks a recipe's batch_size against it."""

from __future__ import annotations

from typing import Any

from ddd.confusion.design import ConfusionSpec
from ddd.errors import ConfigError
from ddd.study import Recipe

RELEASES = {"cifar10": (50000, 10), "cifar100": (50000, 100), "mnist": (60000, 10),
            "fashion_mnist": (60000, 10)}  # training images and classes of a release


def run_images(dataset: dict[str, Any], recipe: Recipe) -> int | None:
    """The most training images a run of `recipe` on `dataset` (a study's dataset config)
    can have: its train_subset of each class's first train_per_class images."""
    kind = dataset["kind"]
    if kind == "gaussian":
        classes, per_class = dataset["classes"], dataset["train_per_class"]
        if recipe.train_per_class is not None:
            per_class = min(per_class, recipe.train_per_class)
        return classes * _half(per_class, recipe.train_subset)
    if kind not in RELEASES:
        return None
    total, classes = RELEASES[kind]
    total = min(total, dataset.get("train_limit", total))
    if recipe.train_per_class is not None:
        total = min(total, classes * recipe.train_per_class)
    # half of each class's k images: half_a k // 2, half_b the rest, at most (k + 1) / 2
    return _half(total + classes, recipe.train_subset) if recipe.train_subset == "half_b" \
        else _half(total, recipe.train_subset)


def _half(images: int, subset: str) -> int:
    """How many of a class's `images` images its train_subset keeps (ddd.train.loop)."""
    return {"all": images, "half_a": images // 2}.get(subset, images - images // 2)


def confusion_images(dataset: dict[str, Any], spec: ConfusionSpec) -> int | None:
    """The most training images of a class-confusion run: its classes' first
    train_per_class images each."""
    per_class = spec.train_per_class
    if dataset["kind"] == "gaussian":
        return len(spec.classes) * min(dataset["train_per_class"], per_class or 1 << 62)
    if dataset["kind"] not in RELEASES:
        return None
    total = RELEASES[dataset["kind"]][0]
    total = min(total, dataset.get("train_limit", total))
    return total if per_class is None else min(total, len(spec.classes) * per_class)


def check_batch(run_recipe: Recipe, images: int | None, where: str) -> None:
    """A batch_size larger than the run's `images` training images (None: unknown) is a
    ConfigError naming `where`."""
    if images is not None and run_recipe.batch_size > images:
        raise ConfigError(
            f"config: {where}.batch_size: {run_recipe.batch_size} is larger than the run's "
            f"{images} training images (at most), so every step would take the whole set; "
            f"lower batch_size, or set batch_exceeds_data: true in the recipe if full-batch "
            f"training is intended")
