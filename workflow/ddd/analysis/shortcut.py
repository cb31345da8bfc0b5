"""The planted shortcut as a positive control of error consistency: do the runs trained with
the cue err alike on cue-conflict images, far more than with clean runs, and do their
prototypes of the cued class show the cue?

Kappa is computed for every pair of runs, separately on the clean test images and on the
cue-conflict copies (ddd.datasets.shortcut), and averaged per group of pairs: among cue
runs, among clean runs, and across (one cue and one clean run).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from ddd.analysis.consistency import kappa_matrix

GROUPS = ("cue", "clean", "across")
IMAGE_SETS = ("clean", "conflict")


def pair_table(correct: np.ndarray, runs: list[str], cue_runs: set[str],
               conflict: np.ndarray) -> pd.DataFrame:
    """Kappa of every pair of runs on clean and on cue-conflict images. `correct`: runs x
    images (bool), `conflict`: whether each image is a cue-conflict copy."""
    rows = []
    for image_set, mask in (("clean", ~conflict), ("conflict", conflict)):
        found = kappa_matrix(correct[:, mask])
        for i, a in enumerate(runs):
            for j in range(i + 1, len(runs)):
                b = runs[j]
                cued = (a in cue_runs) + (runs[j] in cue_runs)
                rows.append((a, b, {2: "cue", 0: "clean", 1: "across"}[cued], image_set,
                             int(mask.sum()), float(found.kappa[i, j])))
    return pd.DataFrame(rows, columns=["run_a", "run_b", "group", "images", "n_images",
                                       "kappa"])


def group_means(pairs: pd.DataFrame) -> pd.DataFrame:
    """Mean, min and max kappa and the number of pairs per group and image set."""
    out = pairs.groupby(["images", "group"], sort=False)["kappa"].agg(
        ["size", "mean", "min", "max"]).rename(columns={"size": "pairs"})
    order = pd.MultiIndex.from_product([IMAGE_SETS, GROUPS], names=["images", "group"])
    return out.reindex(order).reset_index()


def run_table(predictions: Mapping[str, np.ndarray], labels: np.ndarray,
              cue_runs: set[str], conflict: np.ndarray, cue_class: int,
              selection: pd.DataFrame, conflict_ids: np.ndarray) -> pd.DataFrame:
    """Per run: accuracy on clean and on cue-conflict images, the share of cue-conflict
    images it assigns to the cued class, the share of cue-conflict copies among all images
    it assigns to the cued class, and the share of cue-conflict copies among its MMD-critic
    prototypes of the cued class by prediction (`selection`: the mmd_critic table)."""
    rows = []
    for run, predicted in predictions.items():
        to_cue = predicted == cue_class
        protos = selection[(selection["run"] == run) & (selection["mode"] == "prediction")
                           & (selection["class"] == cue_class)
                           & (selection["role"] == "prototype")]
        rows.append({
            "run": run, "cue": run in cue_runs,
            "accuracy_clean": float(np.mean(predicted[~conflict] == labels[~conflict])),
            "accuracy_conflict": float(np.mean(predicted[conflict] == labels[conflict])),
            "conflict_to_cue_class": float(np.mean(to_cue[conflict])),
            "patched_among_cue_predictions": float(np.mean(conflict[to_cue]))
            if to_cue.any() else np.nan,
            "cue_prototypes": len(protos),
            "patched_prototypes": float(np.isin(protos["image_id"], conflict_ids).mean())
            if len(protos) else np.nan,
        })
    return pd.DataFrame(rows)
