"""Image difficulty across runs: how many runs classify each image correctly.

Under independence with equal difficulty, the count of correct runs per image follows a
binomial(n_runs, mean accuracy). Dichotomous data difficulty shows as two spikes instead:
"trivial" images (every run right) and "impossible" images (every run wrong). With a
tolerance t, images at most t runs away from all-right or all-wrong count as trivial or
impossible too (the paper's "all but one" is t = 1).
"""

from __future__ import annotations

import numpy as np
from scipy.stats import binom

CATEGORIES = ("impossible", "in_between", "trivial")


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
