"""A scaling study: does agreement between runs rise toward agreement with the ideal
observer as the runs approach it?

The study's base recipe is trained on the first n training images per class for e epochs
(lr milestones and head-only epochs scaled with e, seeds shifted per instance) over a grid
of (n, e). The grid's runs form a study of their own, `<study>_scaling`, trained and
collected by the ordinary rules; `summary` reduces its tables to one row per grid point.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import pandas as pd

from ddd.analysis import consistency
from ddd.study import Run, Study

SUFFIX = "_scaling"


def condition(n: int, epochs: int) -> str:
    return f"n{n}_e{epochs}"


def grid_study(study: Study, spec: dict[str, Any]) -> Study:
    """The runs of `study`'s scaling grid as a study of their own."""
    base = study.run(study.base_run).recipe
    if base is None:
        raise ValueError(f"config: studies.{study.name}.scaling: needs a trained base "
                         f"condition")
    runs = []
    for n in spec["train_per_class"]:
        for epochs in spec["epochs"]:
            milestones = sorted({max(1, round(m * epochs / base.epochs))
                                 for m in base.lr_milestones})
            head = min(round(base.head_epochs * epochs / base.epochs), epochs - 1)
            for instance in range(1, spec["instances"] + 1):
                recipe = dataclasses.replace(
                    base, epochs=epochs, extra_epochs=0, lr_milestones=tuple(milestones),
                    head_epochs=head,
                    train_per_class=n, init_seed=base.init_seed + instance - 1,
                    data_seed=base.data_seed + instance - 1)
                runs.append(Run(study.name + SUFFIX, condition(n, epochs), instance, recipe))
    dataset = dict(study.dataset)
    if "train_per_class" in dataset:  # a generated dataset: as many images as needed
        dataset["train_per_class"] = max(dataset["train_per_class"], *spec["train_per_class"])
    return Study(study.name + SUFFIX, dataset, runs[0].condition, tuple(runs),
                 references=study.references, scaling_of=study.name)


def summary(runs: pd.DataFrame, correct: np.ndarray, references: dict[str, np.ndarray]
            ) -> pd.DataFrame:
    """One row per grid point: training images per class, epochs, mean accuracy, mean
    kappa between its instances, and per reference its accuracy, the runs' accuracy
    relative to it and their mean kappa with it. `runs` rows match `correct`'s rows."""
    rows = []
    for cond, group in runs.groupby("condition", sort=False):
        block = correct[group.index.to_numpy()]
        n, epochs = (int(part[1:]) for part in cond.split("_"))
        between = consistency.kappa_matrix(block).kappa[np.triu_indices(len(block), k=1)]
        row = {"train_per_class": n, "epochs": epochs, "runs": len(block),
               "accuracy": float(block.mean()), "kappa_between_runs": float(np.mean(between))}
        for name, reference in references.items():
            with_ref = [consistency.error_consistency(run, reference).kappa for run in block]
            row |= {f"{name}_accuracy": float(reference.mean()),
                    f"relative_accuracy_{name}": float(block.mean() / reference.mean()),
                    f"kappa_with_{name}": float(np.mean(with_ref))}
        rows.append(row)
    return pd.DataFrame(rows).sort_values(["train_per_class", "epochs"], ignore_index=True)
