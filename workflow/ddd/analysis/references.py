"""Runs measured against reference decision makers.

A reference decides on the same evaluation images as a study's runs but is not one of its
conditions: the ideal observer of a dataset whose generative model is known, and later
human observers or runs made elsewhere. Analyses compare every run with every reference
and never count a reference among the runs (histogram, kappa between runs, Fig 2's
conditions).
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import pandas as pd

from ddd import collect, decisions
from ddd.analysis import tabulate
from ddd.io.binary import check_binary

log = logging.getLogger(__name__)


def vs_reference(correct: np.ndarray, run_ids: list[str], reference: np.ndarray, name: str,
                 resamples: int = 0, seed: int = 0, level: float = 0.95) -> pd.DataFrame:
    """Per run: its accuracy relative to the reference's, kappa with it (with the statistics
    of `analysis.kappa_pairs`), and the share of the run's errors the reference also makes.
    """
    correct = check_binary(correct, "correctness matrix")
    reference = check_binary(reference, f"reference {name!r}")
    if correct.shape[1] != reference.size:
        raise ValueError(f"reference {name!r} decides on {reference.size} images, the runs on "
                         f"{correct.shape[1]}; evaluate both on the same images")
    rows = []
    for run, run_correct in zip(run_ids, correct, strict=True):
        pair = tabulate.kappa_pairs(np.stack([run_correct, reference]), [run, name], "all",
                                    resamples, seed, level).iloc[0]
        errors = ~run_correct
        rows.append({
            "run": run, "reference": name, "images": reference.size,
            "accuracy": pair["accuracy_a"], "reference_accuracy": pair["accuracy_b"],
            "relative_accuracy": pair["accuracy_a"] / pair["accuracy_b"]
            if pair["accuracy_b"] > 0 else np.nan,
            **{key: pair[key] for key in ["c_obs", "c_exp", *tabulate.PAIR_STATISTICS]},
            "errors_shared": float((errors & ~reference).sum() / errors.sum())
            if errors.any() else np.nan,
        })
    return pd.DataFrame(rows)


def class_accuracy(correct: np.ndarray, run_ids: list[str], reference: np.ndarray,
                   name: str, labels: np.ndarray) -> pd.DataFrame:
    """Per class: the reference's accuracy, each run's, and the runs' mean (long format:
    class, decider, accuracy, is_reference)."""
    correct = check_binary(correct, "correctness matrix")
    reference = check_binary(reference, f"reference {name!r}")
    labels = np.asarray(labels)
    classes = np.unique(labels)
    per_class = np.stack([(labels == c) for c in classes])  # classes x images
    counts = per_class.sum(axis=1)
    deciders = np.vstack([reference, correct, correct.mean(axis=0)])
    accuracy = deciders @ per_class.T / counts  # deciders x classes
    names = [name, *run_ids, "mean of runs"]
    return pd.DataFrame({
        "class": np.tile(classes, len(names)),
        "decider": np.repeat(names, len(classes)),
        "accuracy": accuracy.ravel(),
        "is_reference": np.repeat([True] + [False] * (len(names) - 1), len(classes)),
    })


def bins(n_correct: np.ndarray, reference: np.ndarray, name: str) -> pd.DataFrame:
    """Per bar of the difficulty histogram (images that n runs get right): its images and
    the share of them the reference gets right."""
    reference = check_binary(reference, f"reference {name!r}")
    frame = pd.DataFrame({"n_correct": np.asarray(n_correct), "right": reference})
    out = frame.groupby("n_correct")["right"].agg(images="size", reference_right="mean")
    return out.reset_index().assign(reference=name)


def load(path: str, image_ids: np.ndarray, labels: np.ndarray, study: str | None = None,
         dataset_sha256: str | None = None) -> np.ndarray:
    """A reference's final-epoch correctness on the study's images, in their order; a table
    of another study or dataset (decisions.check_provenance), other images or other labels
    are an error naming the file."""
    decisions.check_provenance(path, decisions.read_metadata(path), None, study,
                               dataset_sha256)
    table = decisions.read(path, epoch=-1)
    if not np.array_equal(table["image_id"].to_numpy(), np.asarray(image_ids)):
        raise ValueError(f"{path} decides on other images than the study's runs "
                         f"({len(table)} vs {len(image_ids)}); a reference must cover the "
                         f"same evaluation images: rebuild it (snakemake {path})")
    if not np.array_equal(table["label"].to_numpy(), np.asarray(labels)):
        raise ValueError(f"{path} disagrees with the study's runs on image labels; was it "
                         f"made on another dataset? Rebuild it (snakemake {path})")
    return table["correct"].to_numpy(dtype=bool)


COLUMNS = {
    "runs": ["run", "reference", "images", "accuracy", "reference_accuracy",
             "relative_accuracy", "c_obs", "c_exp", *tabulate.PAIR_STATISTICS,
             "errors_shared"],
    "classes": ["class", "decider", "accuracy", "is_reference", "reference"],
    "bins": ["n_correct", "images", "reference_right", "reference"],
}


def study_tables(runs_path: str, correct_path: str, images_path: str,
                 reference_paths: dict[str, str], study: str, dataset_sha256: str,
                 bootstrap: dict[str, Any]) -> dict[str, pd.DataFrame]:
    """A study's runs (runs.parquet, correctness.parquet, images.parquet) against each of
    its references: per run and reference ("runs", vs_reference), per class ("classes",
    class_accuracy) and per bar of the difficulty histogram ("bins"); empty tables (with
    their columns) for a study without references."""
    runs = pd.read_parquet(runs_path)["run"].tolist()
    correct = pd.read_parquet(correct_path)
    images = pd.read_parquet(images_path).set_index("image_id").loc[correct.index]
    matrix = collect.matrix(correct, runs)
    labels = correct["label"].to_numpy()
    tables = {name: [pd.DataFrame(columns=columns)] for name, columns in COLUMNS.items()}
    for name, path in reference_paths.items():
        reference = load(path, correct.index.to_numpy(), labels, study, dataset_sha256)
        tables["runs"].append(vs_reference(matrix, runs, reference, name,
                                           bootstrap["resamples"], bootstrap["seed"],
                                           bootstrap["level"]))
        tables["classes"].append(class_accuracy(matrix, runs, reference, name, labels)
                                 .assign(reference=name))
        tables["bins"].append(bins(images["n_correct"].to_numpy(), reference, name))
        log.info("%s: accuracy %.3f, mean kappa of the runs with it %.3f", name,
                 reference.mean(), tables["runs"][-1]["kappa"].mean())
    return {name: pd.concat(frames[1:], ignore_index=True) if len(frames) > 1 else frames[0]
            for name, frames in tables.items()}
