"""Learning dynamics over epochs: decision changes, learning and forgetting, the difficulty atlas.

Matrices are (epochs, images) for one run (row e is the e-th epoch of the decision table;
training writes epochs 0 = untrained, 1, 2, ..., so the row index is the epoch number) and
(runs, images) for per-run summaries. Paper: Fig 4 (one run over epochs), Fig 5 (all runs
over epochs), Fig 11 (decisions changing between epochs).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ddd import decisions
from ddd.analysis import difficulty

ATLAS_COLUMNS = ["image_id", "label", "runs", "n_correct", "share_right", "category",
                 "first_learned_median", "forgetting_events", "forgetting_runs"]


@dataclass(frozen=True)
class EpochDecisions:
    """One run's decisions: predictions and correct are (epochs, images)."""

    image_ids: np.ndarray
    labels: np.ndarray
    epochs: np.ndarray
    predictions: np.ndarray
    correct: np.ndarray


def epoch_matrices(table: pd.DataFrame) -> EpochDecisions:
    """Reshape a decision table (sorted by epoch, then image_id; same images every epoch)."""
    if table.empty:
        raise ValueError("the decision table has no rows")
    n_epochs = table["epoch"].nunique()
    if len(table) % n_epochs:
        raise ValueError(f"{len(table)} rows do not split into {n_epochs} equal epochs")
    shape = (n_epochs, len(table) // n_epochs)
    epoch, image, label = (table[c].to_numpy().reshape(shape)
                           for c in ("epoch", "image_id", "label"))
    if (np.any(epoch != epoch[:, :1]) or np.any(np.diff(epoch[:, 0]) <= 0)
            or np.any(image != image[0]) or np.any(label != label[0])):
        raise ValueError("the decision table must be sorted by epoch, then image_id, with the "
                         "same images and labels in every epoch")
    return EpochDecisions(image_ids=image[0], labels=label[0], epochs=epoch[:, 0],
                          predictions=table["prediction"].to_numpy().reshape(shape).astype(int),
                          correct=table["correct"].to_numpy(dtype=bool).reshape(shape))


def _epoch_matrix(values: np.ndarray, name: str) -> np.ndarray:
    values = np.asarray(values)
    if values.ndim != 2 or values.size == 0:
        raise ValueError(f"{name} must be a non-empty (epochs, images) matrix; "
                         f"got shape {values.shape}")
    return values


def decision_changes(predictions: np.ndarray, correct: np.ndarray) -> pd.DataFrame:
    """Share of images whose predicted class, and whose correctness, changes from epoch e
    to e + 1 (paper Fig 11), for e = 0..epochs-2.

    Columns: epoch, prediction_changed, correctness_changed; empty for a single epoch.
    """
    predictions = _epoch_matrix(predictions, "predictions")
    correct = _epoch_matrix(correct, "correct").astype(bool)
    if predictions.shape != correct.shape:
        raise ValueError(f"predictions {predictions.shape} and correct {correct.shape} "
                         f"differ in shape")
    return pd.DataFrame({
        "epoch": np.arange(len(predictions) - 1),
        "prediction_changed": (predictions[1:] != predictions[:-1]).mean(axis=1),
        "correctness_changed": (correct[1:] != correct[:-1]).mean(axis=1),
    })


def first_learned(correct: np.ndarray) -> np.ndarray:
    """Per image, the first epoch from which it stays right through the last epoch;
    -1 when it is wrong at the last epoch."""
    wrong = ~_epoch_matrix(correct, "correct").astype(bool)
    last_wrong = len(wrong) - 1 - np.argmax(wrong[::-1], axis=0)
    learned = np.where(wrong.any(axis=0), last_wrong + 1, 0)
    learned[wrong[-1]] = -1
    return learned


def forgetting_events(correct: np.ndarray) -> np.ndarray:
    """Per image, the number of epochs e at which it is right and wrong at e + 1."""
    correct = _epoch_matrix(correct, "correct").astype(bool)
    return (correct[:-1] & ~correct[1:]).sum(axis=0)


def order_by_mean(correct: np.ndarray, final: np.ndarray | None = None) -> np.ndarray:
    """Image order for the decisions-over-epochs figures, best first.

    Descending mean of `correct` (epochs, images; bool or shares) over epochs (paper
    Fig 4); with `final` (a per-image share, e.g. runs right at the last epoch, Fig 5),
    descending `final` first and the mean over epochs second. Ties keep image order.
    """
    correct = _epoch_matrix(correct, "correct")
    mean = correct.mean(axis=0, dtype=np.float64)
    keys = [np.arange(mean.size), -mean]
    if final is not None:
        final = np.asarray(final, dtype=np.float64)
        if final.shape != mean.shape:
            raise ValueError(f"final has shape {final.shape}, expected ({mean.size},)")
        keys.append(-final)
    return np.lexsort(keys)


def share_right_over_epochs(correct_per_run: list[np.ndarray]) -> np.ndarray:
    """Share of runs right per (epoch, image), float32 (epochs, images).

    Only the epochs all runs have are kept: runs with more epochs are cut to the first
    min(epochs) ones.
    """
    if not correct_per_run:
        raise ValueError("no runs given")
    runs = [_epoch_matrix(c, "correct").astype(bool) for c in correct_per_run]
    n_images = {run.shape[1] for run in runs}
    if len(n_images) > 1:
        raise ValueError(f"runs cover different numbers of images: {sorted(n_images)}")
    n_epochs = min(len(run) for run in runs)
    right = np.zeros((n_epochs, n_images.pop()), dtype=np.int32)
    for run in runs:
        right += run[:n_epochs]
    return (right / len(runs)).astype(np.float32)


def atlas(images: pd.DataFrame, final_correct: np.ndarray, first_learned: np.ndarray,
          forgetting: np.ndarray) -> pd.DataFrame:
    """Per-image difficulty atlas: the per-image table (difficulty.image_table) with the
    learning history of its runs; the matrices are (runs, images), images in table order.

    Columns (ATLAS_COLUMNS): image_id, label, runs, n_correct, share_right, category (from
    `images`), first_learned_median (median first_learned epoch over the runs that end
    right; NaN if none does), forgetting_events (total over runs) and forgetting_runs
    (runs with at least one forgetting event).
    """
    n_runs = difficulty.table_runs(images)
    final_correct = np.asarray(final_correct, dtype=bool)
    first_learned, forgetting = np.asarray(first_learned), np.asarray(forgetting)
    for name, matrix in [("final_correct", final_correct), ("first_learned", first_learned),
                         ("forgetting", forgetting)]:
        if matrix.shape != (n_runs, len(images)):
            raise ValueError(f"{name} has shape {matrix.shape}; expected (runs, images) = "
                             f"{(n_runs, len(images))} as in the image table")
    if np.any((first_learned >= 0) != final_correct):
        raise ValueError("first_learned must be -1 exactly where a run ends wrong")
    counts = images["n_correct"].to_numpy()
    if not np.array_equal(difficulty.n_correct(final_correct), counts):
        raise ValueError("the decision tables' final epochs disagree with the image table's "
                         "runs right; rebuild analysis/images.parquet")
    # Median over the runs ending right: those runs' epochs sort first, the rest (inf) last.
    learned = np.sort(np.where(final_correct, first_learned, np.inf), axis=0)
    low = np.take_along_axis(learned, np.maximum(counts - 1, 0)[None] // 2, axis=0)[0]
    high = np.take_along_axis(learned, counts[None] // 2, axis=0)[0]
    median = np.where(counts > 0, (low + high) / 2, np.nan)
    return images[ATLAS_COLUMNS[:6]].reset_index(drop=True).assign(
        first_learned_median=median, forgetting_events=forgetting.sum(axis=0),
        forgetting_runs=(forgetting > 0).sum(axis=0))


def epoch_tables(paths: Mapping[str, str | os.PathLike],
                 images: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Learning over epochs of the runs `paths` names (run: decision table, the runs of
    `images`): decision changes per run and epoch ("changes"), the share of runs right per
    image and epoch ("share_right", indexed by image_id, one column per epoch) and the
    atlas ("atlas")."""
    changes, correct, final, learned, forgotten, epochs = [], [], [], [], [], []
    for run, path in paths.items():
        run_epochs = epoch_matrices(decisions.read(path))
        if not np.array_equal(run_epochs.image_ids, images["image_id"].to_numpy()):
            raise ValueError(f"{path} covers other images than the image table; every run of "
                             f"a study must be evaluated on the same images")
        changes.append(decision_changes(run_epochs.predictions, run_epochs.correct)
                       .assign(run=run))
        correct.append(run_epochs.correct)
        final.append(run_epochs.correct[-1])
        learned.append(first_learned(run_epochs.correct))
        forgotten.append(forgetting_events(run_epochs.correct))
        epochs.append(run_epochs.epochs)
    share = share_right_over_epochs(correct)
    share_table = pd.DataFrame(share.T, index=pd.Index(images["image_id"], name="image_id"),
                               columns=[str(e) for e in epochs[0][: len(share)]])
    return {"changes": pd.concat(changes, ignore_index=True), "share_right": share_table,
            "atlas": atlas(images, np.array(final), np.array(learned), np.array(forgotten))}


def _bin_sizes(images: pd.DataFrame) -> np.ndarray:
    """Number of images with n_correct = 0..runs."""
    return difficulty.histogram(images["n_correct"].to_numpy(), difficulty.table_runs(images))


def empty_bins(images: pd.DataFrame) -> list[int]:
    """The numbers of runs right (0..runs) that no image has, for the caller to log."""
    return np.flatnonzero(_bin_sizes(images) == 0).tolist()


def balanced_subset(images: pd.DataFrame, per_bin: int | None, seed: int) -> pd.DataFrame:
    """Rows of a per-image table (difficulty.image_table) whose n_correct histogram is
    flat: `per_bin` images drawn without replacement from each bin n_correct = 0..runs.

    per_bin None takes the size of the smallest non-empty bin. A bin with fewer images
    than per_bin contributes all of them, so the histogram is then not perfectly flat;
    empty bins contribute nothing (see empty_bins). Draws use
    np.random.default_rng(seed), bins in increasing order over the table sorted by
    image_id. Returns the chosen rows sorted by image_id.
    """
    sizes = _bin_sizes(images)
    if per_bin is None:
        per_bin = int(sizes[sizes > 0].min())
    if per_bin < 1:
        raise ValueError(f"per_bin must be at least 1, got {per_bin}")
    ordered = images.sort_values("image_id", kind="stable").reset_index(drop=True)
    counts = ordered["n_correct"].to_numpy()
    rng = np.random.default_rng(seed)
    chosen = [rng.choice(np.flatnonzero(counts == k), min(per_bin, size), replace=False)
              for k, size in enumerate(sizes) if size]
    return ordered.iloc[np.sort(np.concatenate(chosen))].reset_index(drop=True)
