"""Class-confusion experiments: what a network learns about one class from another.

For a pair of classes (A, B) a random half of A's training images is relabelled B (with
`both_ways`, also half of B's as A), and R repeats are trained on these labels and R
controls on clean labels, on a subset of the dataset's classes. Each other class T is then
compared between confused and control runs (ddd.confusion.stats).

Repeat r (1-based) trains with init_seed and data_seed shifted by r, the same for the
control and for every pair, so a confused run differs from its control only in the labels;
the relabelled half is drawn from a generator seeded by (r, A, B).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import numpy as np

CONTROL = "control"
# Classes of the in-memory release kinds (gaussian: its config's `classes`).
IN_MEMORY_CLASSES = {"cifar10": 10, "cifar100": 100, "mnist": 10, "fashion_mnist": 10}


def relabel(labels: np.ndarray, a: int, b: int, seed: int, both_ways: bool = False
            ) -> np.ndarray:
    """New labels: a random half (rounded down) of the images labelled `a` relabelled `b`;
    with `both_ways` also half of those labelled `b` relabelled `a`. Nothing else changes.
    """
    labels = np.asarray(labels)
    if a == b:
        raise ValueError(f"cannot confuse class {a} with itself; give two different classes")
    out = labels.copy()
    rng = np.random.default_rng([seed, a, b])
    for source, target in [(a, b), (b, a)] if both_ways else [(a, b)]:
        idx = np.flatnonzero(labels == source)
        if idx.size == 0:
            raise ValueError(f"class {source} has no training images to relabel")
        out[rng.choice(idx, size=idx.size // 2, replace=False)] = target
    return out


def spaced_classes(num_classes: int, n: int) -> list[int]:
    """`n` classes evenly spaced over 0..num_classes-1 (all of them if n >= num_classes)."""
    if n >= num_classes:
        return list(range(num_classes))
    return sorted({int(c) for c in np.linspace(0, num_classes - 1, n).round()})


def class_pairs(classes: list[int], pairs: str | list[list[int]]) -> list[tuple[int, int]]:
    """Pairs (A, B) to confuse: "adjacent" (each class with the next in the list), "all"
    (every ordered-by-list pair) or an explicit list of [A, B] from `classes`."""
    if pairs == "adjacent":
        return list(itertools.pairwise(classes))
    if pairs == "all":
        return list(itertools.combinations(classes, 2))
    if isinstance(pairs, str):
        raise ValueError(f"unknown pairs {pairs!r}; valid: adjacent, all, or a list of "
                         f"[A, B] class pairs")
    out = []
    for pair in pairs:
        a, b = (int(c) for c in pair)
        if a == b or a not in classes or b not in classes:
            raise ValueError(f"confusion pair {list(pair)}: give two different classes of "
                             f"the confusion subset {classes}")
        out.append((a, b))
    if len(set(out)) != len(out):
        raise ValueError(f"confusion pairs {pairs} list a pair twice")
    return out


def pair_id(a: int, b: int) -> str:
    """Name of a pair in file paths: "A-B"."""
    return f"{a}-{b}"


def parse_pair(pair: str) -> tuple[int, int] | None:
    """(A, B) of a pair id; None for the control."""
    if pair == CONTROL:
        return None
    a, b = pair.split("-")
    return int(a), int(b)


@dataclass(frozen=True)
class ConfusionSpec:
    """A study's confusion experiment, resolved from its `confusion:` config section."""

    classes: tuple[int, ...]
    pairs: tuple[tuple[int, int], ...]
    repeats: int
    both_ways: bool
    train_per_class: int | None
    recipe_changes: dict[str, Any]
    alpha: float
    correction: str

    @property
    def pair_ids(self) -> list[str]:
        """The control and every pair."""
        return [CONTROL] + [pair_id(a, b) for a, b in self.pairs]

    @staticmethod
    def repeat_seeds(recipe: dict[str, Any], repeat: int) -> dict[str, Any]:
        """Repeat r's seeds: the recipe's init_seed and data_seed shifted by r, the same for
        the control and every pair."""
        return {"init_seed": recipe["init_seed"] + repeat,
                "data_seed": recipe["data_seed"] + repeat}

    def decision_tables(self, study: str) -> list[str]:
        """Paths of every run's decision table: the controls, then each pair's repeats."""
        return [f"results/{study}/confusion/decisions/{pair}/{repeat}.parquet"
                for pair in self.pair_ids for repeat in range(1, self.repeats + 1)]


FIGURES = ("confusion_effects", "confusion_information")


def targets(specs: dict[str, ConfusionSpec]) -> list[str]:
    """The confusion table and figures (PNG and PDF) of every study that has a spec."""
    out = []
    for study in specs:
        out.append(f"results/{study}/confusion/effects.csv")
        out += [f"results/{study}/confusion/figures/{fig}.{ext}"
                for fig in FIGURES for ext in ("png", "pdf")]
    return out


def dataset_classes(dataset: dict[str, Any]) -> int:
    """Number of classes of a study's dataset config; confusion runs need in-memory data."""
    kind = dataset["kind"]
    if kind == "gaussian":
        return int(dataset["classes"])
    if kind in IN_MEMORY_CLASSES:
        return IN_MEMORY_CLASSES[kind]
    raise ValueError(f"confusion experiments need an in-memory dataset (gaussian, "
                     f"{', '.join(IN_MEMORY_CLASSES)}); remove the confusion section of the "
                     f"{kind} study")


def build_spec(spec: dict[str, Any], num_classes: int) -> ConfusionSpec:
    """Resolve a `confusion:` section (with the schema's defaults) for a dataset of
    `num_classes` classes. `classes` is a list of class indices or a number n of evenly
    spaced classes.
    """
    chosen = spec["classes"]
    classes = (spaced_classes(num_classes, chosen) if isinstance(chosen, int)
               else [int(c) for c in chosen])
    if len(classes) < 3:
        raise ValueError(f"confusion classes {classes}: give at least 3 classes, so that "
                         f"a class other than the confused pair remains")
    if len(set(classes)) != len(classes) or not all(0 <= c < num_classes for c in classes):
        raise ValueError(f"confusion classes {classes}: give distinct classes of "
                         f"0..{num_classes - 1}")
    return ConfusionSpec(
        classes=tuple(classes),
        pairs=tuple(class_pairs(classes, spec["pairs"])),
        repeats=int(spec["repeats"]),
        both_ways=bool(spec["both_ways"]),
        train_per_class=spec["train_per_class"],
        recipe_changes=dict(spec["recipe"]),
        alpha=float(spec["alpha"]),
        correction=spec["correction"],
    )


def subset_indices(labels: np.ndarray, classes: list[int] | tuple[int, ...],
                   per_class: int | None = None) -> np.ndarray:
    """Indices of the images of `classes`, the first `per_class` of each (all if None),
    in their original order."""
    labels = np.asarray(labels)
    keep = []
    for cls in classes:
        idx = np.flatnonzero(labels == cls)
        if idx.size == 0:
            raise ValueError(f"class {cls} has no images in the dataset")
        if per_class is not None and per_class > idx.size:
            raise ValueError(f"confusion train_per_class {per_class}: class {cls} has only "
                             f"{idx.size} training images; lower it")
        keep.append(idx[:per_class])
    return np.sort(np.concatenate(keep))


def to_positions(labels: np.ndarray, classes: list[int] | tuple[int, ...]) -> np.ndarray:
    """Labels as positions 0..k-1 in `classes` (the network's outputs)."""
    lookup = np.full(int(max(np.max(labels), *classes)) + 1, -1, dtype=np.int64)
    lookup[list(classes)] = np.arange(len(classes))
    out = lookup[np.asarray(labels)]
    if (out < 0).any():
        raise ValueError(f"labels outside the confusion classes {list(classes)}")
    return out
