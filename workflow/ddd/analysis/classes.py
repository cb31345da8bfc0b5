"""Class-wise accuracy (paper Fig 6/15) and the easiest and hardest classes (table B.8).
Class names are the dataset's (ddd.datasets.arrays.class_names)."""

from __future__ import annotations

import numpy as np
import pandas as pd


def class_accuracy(correct: np.ndarray, labels: np.ndarray, run_ids: list[str]) -> pd.DataFrame:
    """Accuracy of every run on every class, long: run, class, images, accuracy.

    `correct` is (runs, images) bool, `labels` the images' classes. Classes 0..max(label)
    without images are left out; rows follow run_ids, then class.
    """
    correct = np.asarray(correct, dtype=bool)
    labels = np.asarray(labels)
    if correct.ndim != 2 or correct.size == 0:
        raise ValueError(f"correct must be a non-empty (runs, images) matrix; got shape "
                         f"{correct.shape}")
    if labels.shape != (correct.shape[1],):
        raise ValueError(f"labels have shape {labels.shape}, expected ({correct.shape[1]},)")
    if len(run_ids) != len(correct):
        raise ValueError(f"{len(run_ids)} run ids for {len(correct)} runs")
    if labels.min() < 0:
        raise ValueError("labels must be non-negative class indices")
    n_runs, n_classes = len(correct), int(labels.max()) + 1
    images = np.bincount(labels, minlength=n_classes)
    cell = labels[None, :] + n_classes * np.arange(n_runs)[:, None]
    right = np.bincount(cell.ravel(), weights=correct.ravel(), minlength=n_runs * n_classes)
    present = np.flatnonzero(images)
    accuracy = right.reshape(n_runs, n_classes)[:, present] / images[present]
    return pd.DataFrame({
        "run": np.repeat(np.asarray(run_ids, dtype=object), len(present)),
        "class": np.tile(present, n_runs),
        "images": np.tile(images[present], n_runs),
        "accuracy": accuracy.ravel(),
    })


def easiest_and_hardest(class_acc: pd.DataFrame, names: list[str], n: int = 10,
                        base_run: str | None = None) -> pd.DataFrame:
    """Table B.8: the n easiest and n hardest classes.

    Ranked as in the paper by the base run's accuracy, ties by the mean accuracy over runs;
    without base_run, by the mean over runs. Columns: kind ("easiest" or "hardest"), rank
    (1..n, 1 = easiest or hardest), class, name, mean_accuracy, base_accuracy (NaN without
    base_run). Remaining ties go to the lower class index. With fewer than 2n classes the
    two lists share classes; with fewer than n, each lists all of them.
    """
    if n < 1:
        raise ValueError(f"n must be at least 1, got {n}")
    if class_acc.empty:
        raise ValueError("no class accuracies given")
    mean = class_acc.groupby("class")["accuracy"].mean()
    if mean.index.max() >= len(names):
        raise ValueError(f"{len(names)} class names for class index {mean.index.max()}")
    if base_run is None:
        base = pd.Series(np.nan, index=mean.index)
    elif base_run in set(class_acc["run"]):
        base = class_acc[class_acc["run"] == base_run].set_index("class")["accuracy"]
    else:
        raise ValueError(f"base run {base_run!r} has no class accuracies")
    frame = pd.DataFrame({"class": mean.index.to_numpy(), "mean_accuracy": mean.to_numpy(),
                          # pandas-stubs: Index.map takes a Series too (pandas docs)
                          "base_accuracy": mean.index.map(base).astype(float)})  # type: ignore[arg-type]
    keys = ["mean_accuracy"] if base_run is None else ["base_accuracy", "mean_accuracy"]
    parts = []
    for kind, ascending in [("easiest", False), ("hardest", True)]:
        top = frame.sort_values([*keys, "class"],
                                ascending=[ascending] * len(keys) + [True]).head(n)
        parts.append(top.assign(kind=kind, rank=np.arange(1, len(top) + 1)))
    table = pd.concat(parts, ignore_index=True)
    table["name"] = [names[c] for c in table["class"]]
    return table[["kind", "rank", "class", "name", "mean_accuracy", "base_accuracy"]]
