"""Line up many runs' decision tables into one runs x images correctness matrix."""

from __future__ import annotations

import os
from collections.abc import Mapping

import numpy as np
import pandas as pd

from ddd import decisions
from ddd.errors import DddError, rebuild


class MismatchError(DddError):
    """Decision tables that do not cover the same images with the same labels."""


def final_epoch(paths: Mapping[str, str | os.PathLike], study: str | None = None,
                dataset_sha256: str | None = None, column: str = "correct"
                ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Each run's final-epoch decisions, each table checked to be its run's, of `study`, on
    the dataset with this checksum (decisions.check_provenance).

    Returns (runs, correct): runs has one row per run (run, condition, instance,
    architecture, epoch, accuracy); correct is wide, indexed by image_id, with the label
    and one bool column per run (`column`: another decision column, e.g. prediction). Runs
    whose image ids or labels differ are an error that
    names both files.
    """
    if not paths:
        raise ValueError("no decision tables given")
    rows, columns = [], {}
    ref_path = ref = None
    for run, path in paths.items():
        meta = decisions.read_metadata(path)
        decisions.check_provenance(path, meta, run, study, dataset_sha256)
        table = decisions.read(path, epoch=-1)
        if ref is None:
            ref_path, ref = path, table
        elif not (np.array_equal(table["image_id"].to_numpy(), ref["image_id"].to_numpy())
                  and np.array_equal(table["label"].to_numpy(), ref["label"].to_numpy())):
            raise MismatchError(
                f"{path} and {ref_path} differ in their images ({len(table)} vs {len(ref)}; "
                f"image ids or labels): the runs of a study are evaluated on the same images, "
                f"so one table was changed outside the workflow. Rebuild it: "
                f"{rebuild(path)} (or {ref_path})")
        columns[run] = table[column].to_numpy()
        rows.append({"run": run, "condition": meta["condition"],
                     "instance": int(meta["instance"]), "architecture": meta["architecture"],
                     "epoch": int(table["epoch"].iloc[0]),
                     "accuracy": float(table["correct"].mean())})
    assert ref is not None, "paths is not empty, so ref holds the first table"
    correct = pd.DataFrame({"label": ref["label"].to_numpy(), **columns},
                           index=pd.Index(ref["image_id"].to_numpy(), name="image_id"))
    return pd.DataFrame(rows), correct


def matrix(correct: pd.DataFrame, runs: list[str]) -> np.ndarray:
    """The runs x images bool matrix for the given runs, in that order."""
    return correct[runs].to_numpy(dtype=bool).T
