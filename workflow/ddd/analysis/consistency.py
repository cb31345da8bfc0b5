"""Error consistency (Geirhos et al. 2020): Cohen's kappa on trial-by-trial correctness.

For two decision makers on the same N images: c_obs is the share of images where both
are right or both wrong, p1 and p2 their accuracies, c_exp = p1 p2 + (1 - p1)(1 - p2)
the agreement two independent observers with these accuracies reach, and
kappa = (c_obs - c_exp) / (1 - c_exp).

Policy for c_exp == 1 (both observers all right, or both all wrong): kappa is undefined
and returned as NaN. Their agreement is forced by the accuracies alone and says nothing
about shared strategy; NaN keeps such pairs out of means (nanmean) instead of counting
them as perfect (1) or independent (0).

Unbiased kappa (`unbiased=True`, as in the error_consistency library of Klein et al. 2025,
arXiv:2507.06645): kappa_u = n kappa / (n - 1 + kappa). It is the same kappa with the
chance agreement estimated over pairs of distinct images, c_exp_u = (n c_exp - c_obs) /
(n - 1): c_exp pairs every image of one observer with every image of the other, the
image with itself included, which biases it towards c_obs by 1/n. With this c_exp_u in
place of c_exp, (c_obs - c_exp_u) / (1 - c_exp_u) equals the formula above; results
report c_exp_u as c_exp. The two differ by O(1/n): negligible for thousands of images,
visible for the few hundred trials of a psychophysics session. NaN where c_exp_u == 1 or
n < 2.

Correctness input is binary: booleans, or integers / floats that are all 0 or 1
(check_binary). Anything else (2, 0.5, NaN, strings) is an error, never coerced.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

import numpy as np

from ddd.io.binary import check_binary

UNDEFINED_TOL = 1e-12
EXACT_FLOAT32 = 2**24  # integers below this, and all partial sums of them, are exact in float32

Values = np.ndarray | np.floating | float
"""Agreements, kappas or image counts: an array, or one number for a single pair."""

PairOrMatrix = TypeVar("PairOrMatrix", np.float64, np.ndarray)  # Consistency of a pair or all


@dataclass(frozen=True)
class Consistency(Generic[PairOrMatrix]):
    """Pairwise agreement: scalars for one pair, runs x runs matrices for kappa_matrix.

    n is the number of images (the total weight with weights); right holds each
    observer's right count (the pair (a, b), or one entry per run); both_right the
    both-right counts. Counts are float64 holding exact integers for integer weights.
    """

    c_obs: PairOrMatrix
    c_exp: PairOrMatrix
    kappa: np.ndarray
    n: np.float64
    right: np.ndarray
    both_right: PairOrMatrix


def kappa_from(c_obs: Values, c_exp: Values) -> np.ndarray:
    """Kappa from observed and expected agreement; NaN where c_exp == 1 (module policy)."""
    denom = 1.0 - np.asarray(c_exp, dtype=np.float64)
    undefined = denom <= UNDEFINED_TOL
    with np.errstate(divide="ignore", invalid="ignore"):
        kappa = (c_obs - c_exp) / np.where(undefined, 1.0, denom)
    return np.where(undefined, np.nan, kappa)


def unbiased_chance(c_obs: Values, c_exp: Values, n: Values) -> np.ndarray:
    """Chance agreement over pairs of distinct images, (n c_exp - c_obs) / (n - 1); NaN for
    n < 2 (module docstring)."""
    n = np.asarray(n, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = (n * c_exp - c_obs) / (n - 1.0)
    return np.where(n >= 2, out, np.nan)


def unbiased_kappa(kappa: Values, n: Values) -> np.ndarray:
    """The unbiased kappa n kappa / (n - 1 + kappa) of a kappa over n images; NaN where the
    denominator vanishes or n < 2. Increasing in kappa, so it maps kappa bounds too."""
    kappa = np.asarray(kappa, dtype=np.float64)
    n = np.asarray(n, dtype=np.float64)
    denom = n - 1.0 + kappa
    with np.errstate(divide="ignore", invalid="ignore"):
        out = n * kappa / np.where(denom > UNDEFINED_TOL, denom, 1.0)
    return np.where((denom > UNDEFINED_TOL) & (n >= 2), out, np.nan)


def error_consistency(a: np.ndarray, b: np.ndarray,
                      unbiased: bool = False) -> Consistency[np.float64]:
    """Kappa of two correctness vectors over the same images; `unbiased` reports the
    unbiased kappa and its chance agreement (module docstring)."""
    a = check_binary(a, "correctness vector a")
    b = check_binary(b, "correctness vector b")
    if a.shape != b.shape or a.ndim != 1 or a.size == 0:
        raise ValueError(f"need two non-empty correctness vectors of equal length, "
                         f"got shapes {a.shape} and {b.shape}")
    c_obs = np.float64(np.mean(a == b))
    p1, p2 = a.mean(), b.mean()
    c_exp = np.float64(p1 * p2 + (1 - p1) * (1 - p2))
    if unbiased:
        c_exp = np.float64(unbiased_chance(c_obs, c_exp, a.size))
    return Consistency(c_obs, c_exp, kappa_from(c_obs, c_exp), n=np.float64(a.size),
                       right=np.array([a.sum(), b.sum()], dtype=np.float64),
                       both_right=np.float64(np.sum(a & b)))


def _check_weights(weights: np.ndarray, n_images: int) -> np.ndarray:
    w = np.asarray(weights, dtype=np.float64)
    if w.shape != (n_images,):
        raise ValueError(f"need one weight per image ({n_images}), got shape {w.shape}")
    if not np.all(np.isfinite(w)) or np.any(w < 0):
        raise ValueError("weights must be finite and non-negative")
    if w.sum() <= 0:
        raise ValueError("weights must not all be zero")
    return w


def kappa_matrix(correct: np.ndarray, weights: np.ndarray | None = None,
                 unbiased: bool = False) -> Consistency[np.ndarray]:
    """Kappa for every pair of rows of a runs x images correctness matrix, in one product.

    Both-right counts are R = C C^T; both-wrong counts follow as n - r_i - r_j + R_ij
    with r the row sums, so one matrix product gives every pair's c_obs. The product runs
    in float32 below 2**24 images, where every partial sum of 0/1 products is an exactly
    representable integer, so the counts are exact at twice the float64 speed.

    weights (one non-negative number per image, e.g. bootstrap resample counts) multiply
    each image's contribution: r = C w, R = (C * w) C^T and n = sum(w), the same as
    repeating each image w times. float32 is used only for integer weights summing below
    2**24, which keeps every count exact; otherwise the product runs in float64.
    `unbiased` reports the unbiased kappa (module docstring) with n = sum(w).
    """
    c = check_binary(correct, "correctness matrix")
    if c.ndim != 2 or c.shape[1] == 0:
        raise ValueError(f"need a runs x images matrix with at least one image, got {c.shape}")
    return binary_kappa_matrix(c, weights, unbiased)


def binary_kappa_matrix(c: np.ndarray, weights: np.ndarray | None = None,
                        unbiased: bool = False) -> Consistency[np.ndarray]:
    """kappa_matrix for a runs x images matrix already checked to hold only 0 and 1 (bool
    or float): callers that check once and then resample skip the per-call check."""
    if weights is None:
        n = float(c.shape[1])
        c = c.astype(np.float32 if n < EXACT_FLOAT32 else np.float64, copy=False)
        both_right = (c @ c.T).astype(np.float64)
    else:
        w = _check_weights(weights, c.shape[1])
        n = float(w.sum())
        exact32 = n < EXACT_FLOAT32 and np.array_equal(w, np.round(w))
        dtype = np.float32 if exact32 else np.float64
        c = c.astype(dtype, copy=False)
        both_right = ((c * w.astype(dtype)) @ c.T).astype(np.float64)
    right = np.diag(both_right).copy()
    c_obs = (n - right[:, None] - right[None, :] + 2.0 * both_right) / n
    p = right / n
    c_exp = np.outer(p, p) + np.outer(1.0 - p, 1.0 - p)
    if unbiased:
        c_exp = unbiased_chance(c_obs, c_exp, n)
    return Consistency(c_obs, c_exp, kappa_from(c_obs, c_exp), n=np.float64(n), right=right,
                       both_right=both_right)
