"""Image difficulty across runs: how many runs classify each image correctly.

Under independence with equal difficulty, the count of correct runs per image follows a
binomial(n_runs, mean accuracy). Dichotomous data difficulty shows as two spikes instead:
"trivial" images (every run right) and "impossible" images (every run wrong). With a
tolerance t, images at most t runs away from all-right or all-wrong count as trivial or
impossible too (the paper's "all but one" is t = 1).

The per-image table (`image_table`, written once per study as analysis/images.parquet)
holds each image's count of correct histogram runs and its category under the configured
tolerance; every analysis reads it, and one that needs another tolerance asks
`categories` for it by name (e.g. the "all but one" shares).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import binom

from ddd.io.binary import check_binary

CATEGORIES = ("impossible", "in_between", "trivial")
IMAGE_COLUMNS = ["image_id", "label", "runs", "n_correct", "share_right", "tolerance",
                 "category"]


def n_correct(correct: np.ndarray) -> np.ndarray:
    """Number of runs (rows) that classify each image (column) correctly."""
    return np.asarray(correct, dtype=bool).sum(axis=0)


def histogram(counts: np.ndarray, n_runs: int) -> np.ndarray:
    """Number of images with k = 0..n_runs correct runs."""
    return np.bincount(counts, minlength=n_runs + 1)


def binomial_reference(n_runs: int, mean_accuracy: float) -> np.ndarray:
    """Probability of k = 0..n_runs correct runs for independent runs of equal accuracy."""
    return binom.pmf(np.arange(n_runs + 1), n_runs, mean_accuracy)


def categorise(counts: np.ndarray, n_runs: int, tolerance: int = 0) -> np.ndarray:
    """Category index into CATEGORIES for each image."""
    if tolerance < 0 or n_runs <= 2 * tolerance:
        raise ValueError(f"tolerance {tolerance} needs more than {2 * tolerance} runs so "
                         f"that trivial and impossible do not overlap; there are {n_runs}")
    cat = np.full(counts.shape, 1, dtype=np.int8)
    cat[counts <= tolerance] = 0
    cat[counts >= n_runs - tolerance] = 2
    return cat


def shares(categories: np.ndarray) -> dict[str, float]:
    """Share of images in each category."""
    if categories.size == 0:
        raise ValueError("no images to categorise")
    freq = np.bincount(categories, minlength=len(CATEGORIES)) / categories.size
    return dict(zip(CATEGORIES, freq.tolist(), strict=True))


def image_table(correct: pd.DataFrame, runs: list[str], tolerance: int = 0) -> pd.DataFrame:
    """Per-image difficulty over `runs` (IMAGE_COLUMNS, in the image order of `correct`).

    `correct` is correctness.parquet's wide table (index image_id, a label column, one bool
    column per run). Columns: image_id, label, runs (how many), n_correct (runs right),
    share_right, tolerance and category (a name of CATEGORIES under `tolerance`).
    """
    if not runs:
        raise ValueError("no runs given for the image table")
    missing = sorted(set(runs) - set(correct.columns))
    if missing:
        raise ValueError(f"the correctness table has no column for runs {missing}")
    counts = n_correct(check_binary(correct[list(runs)].to_numpy().T, "correctness table"))
    n_runs = len(runs)
    return pd.DataFrame({
        "image_id": correct.index.to_numpy(), "label": correct["label"].to_numpy(),
        "runs": n_runs, "n_correct": counts, "share_right": counts / n_runs,
        "tolerance": tolerance,
        "category": np.asarray(CATEGORIES)[categorise(counts, n_runs, tolerance)],
    }, columns=IMAGE_COLUMNS)


def table_runs(images: pd.DataFrame) -> int:
    """The number of runs behind a per-image table (image_table or the atlas)."""
    if images.empty:
        raise ValueError("the image table has no images")
    runs = images["runs"].unique()
    if len(runs) != 1:
        raise ValueError(f"the image table mixes run counts {sorted(runs.tolist())}")
    return int(runs[0])


def categories(images: pd.DataFrame, tolerance: int | None = None) -> np.ndarray:
    """Category index into CATEGORIES of each image of a per-image table: its own category
    (tolerance None), or under an explicit other `tolerance` (a named override)."""
    n_runs = table_runs(images)
    if tolerance is None:
        unknown = sorted(set(images["category"]) - set(CATEGORIES))
        if unknown:
            raise ValueError(f"unknown categories {unknown}; valid: {', '.join(CATEGORIES)}")
        index = {name: k for k, name in enumerate(CATEGORIES)}
        return images["category"].map(index).to_numpy(dtype=np.int8)
    return categorise(images["n_correct"].to_numpy(), n_runs, tolerance)
