"""A scaling study: does agreement between runs rise toward agreement with the ideal
observer as the runs approach it?

The study's base recipe is trained on the first n training images per class for e epochs
(lr milestones and head-only epochs scaled with e, seeds shifted per instance) over a grid
of (n, e). The grid's runs form a study of their own, `<study>_scaling`, trained and
collected by the ordinary rules; `summary` reduces its tables to one row per grid point.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd

from ddd.analysis import consistency
from ddd.study import Recipe

SUFFIX = "_scaling"


def condition(n: int, epochs: int) -> str:
    """A grid point's condition name (its run ids); the point itself is a column."""
    return f"n{n}_e{epochs}"


def grid(base: Recipe, spec: dict[str, Any]
         ) -> Iterator[tuple[tuple[int, int], int, dict[str, Any]]]:
    """(grid point (n, e), instance, recipe values) of every run of the grid; ddd.plan
    checks each recipe as it checks a condition's."""
    for n in spec["train_per_class"]:
        for epochs in spec["epochs"]:
            milestones = sorted({max(1, round(m * epochs / base.epochs))
                                 for m in base.lr_milestones})
            head = min(round(base.head_epochs * epochs / base.epochs), epochs - 1)
            for instance in range(1, spec["instances"] + 1):
                yield (n, epochs), instance, {
                    **base.as_dict(), "epochs": epochs, "extra_epochs": 0,
                    "lr_milestones": milestones, "head_epochs": head, "train_per_class": n,
                    "init_seed": base.init_seed + instance - 1,
                    "data_seed": base.data_seed + instance - 1}


def grid_dataset(dataset: dict[str, Any], spec: dict[str, Any]) -> dict[str, Any]:
    """The grid's dataset: the study's, with as many training images as the grid needs
    when the dataset is generated."""
    out = dict(dataset)
    if "train_per_class" in out:
        out["train_per_class"] = max(out["train_per_class"], *spec["train_per_class"])
    return out


def summary(runs: pd.DataFrame, correct: np.ndarray, references: dict[str, np.ndarray]
            ) -> pd.DataFrame:
    """One row per grid point: training images per class, epochs, mean accuracy, mean
    kappa between its instances, and per reference its accuracy, the runs' accuracy
    relative to it and their mean kappa with it. `runs` rows (with their grid point's
    train_per_class and epochs, Study.run_table) match `correct`'s rows."""
    rows = []
    for _, group in runs.groupby(["train_per_class", "epochs"], sort=False):
        block = correct[group.index.to_numpy()]
        n, epochs = group[["train_per_class", "epochs"]].iloc[0]
        between = consistency.kappa_matrix(block).kappa[np.triu_indices(len(block), k=1)]
        row = {"train_per_class": int(n), "epochs": int(epochs), "runs": len(block),
               "accuracy": float(block.mean()), "kappa_between_runs": float(np.mean(between))}
        for name, reference in references.items():
            with_ref = [consistency.error_consistency(run, reference).kappa for run in block]
            row |= {f"{name}_accuracy": float(reference.mean()),
                    f"relative_accuracy_{name}": float(block.mean() / reference.mean()),
                    f"kappa_with_{name}": float(np.mean(with_ref))}
        rows.append(row)
    return pd.DataFrame(rows).sort_values(["train_per_class", "epochs"], ignore_index=True)
