"""Error consistency (Geirhos et al. 2020): Cohen's kappa on trial-by-trial correctness.

For two decision makers on the same N images: c_obs is the share of images where both
are right or both wrong, p1 and p2 their accuracies, c_exp = p1 p2 + (1 - p1)(1 - p2)
the agreement two independent observers with these accuracies reach, and
kappa = (c_obs - c_exp) / (1 - c_exp).

Policy for c_exp == 1 (both observers all right, or both all wrong): kappa is undefined
and returned as NaN. Their agreement is forced by the accuracies alone and says nothing
about shared strategy; NaN keeps such pairs out of means (nanmean) instead of counting
them as perfect (1) or independent (0).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

UNDEFINED_TOL = 1e-12


@dataclass(frozen=True)
class Consistency:
    """Pairwise c_obs, c_exp and kappa (scalars or runs x runs matrices)."""

    c_obs: np.ndarray
    c_exp: np.ndarray
    kappa: np.ndarray


def _kappa(c_obs: np.ndarray, c_exp: np.ndarray) -> np.ndarray:
    denom = 1.0 - c_exp
    undefined = denom <= UNDEFINED_TOL
    with np.errstate(divide="ignore", invalid="ignore"):
        kappa = (c_obs - c_exp) / np.where(undefined, 1.0, denom)
    return np.where(undefined, np.nan, kappa)


def error_consistency(a: np.ndarray, b: np.ndarray) -> Consistency:
    """Kappa of two correctness vectors over the same images."""
    a = np.asarray(a, dtype=bool)
    b = np.asarray(b, dtype=bool)
    if a.shape != b.shape or a.ndim != 1 or a.size == 0:
        raise ValueError(f"need two non-empty correctness vectors of equal length, "
                         f"got shapes {a.shape} and {b.shape}")
    c_obs = np.mean(a == b)
    p1, p2 = a.mean(), b.mean()
    c_exp = p1 * p2 + (1 - p1) * (1 - p2)
    return Consistency(np.float64(c_obs), np.float64(c_exp), _kappa(np.float64(c_obs),
                                                                     np.float64(c_exp)))


def kappa_matrix(correct: np.ndarray) -> Consistency:
    """Kappa for every pair of rows of a runs x images correctness matrix, in one product.

    Both-right counts are R = C C^T; both-wrong counts follow as n - r_i - r_j + R_ij
    with r the row sums, so one matrix product gives every pair's c_obs. The product runs
    in float32 below 2**24 images, where every partial sum of 0/1 products is an exactly
    representable integer, so the counts are exact at twice the float64 speed.
    """
    c = np.asarray(correct)
    if c.ndim != 2 or c.shape[1] == 0:
        raise ValueError(f"need a runs x images matrix with at least one image, got {c.shape}")
    n = c.shape[1]
    c = c.astype(np.float32 if n < 2**24 else np.float64)
    both_right = (c @ c.T).astype(np.float64)
    right = np.diag(both_right)
    c_obs = (n - right[:, None] - right[None, :] + 2.0 * both_right) / n
    p = right / n
    c_exp = np.outer(p, p) + np.outer(1.0 - p, 1.0 - p)
    return Consistency(c_obs, c_exp, _kappa(c_obs, c_exp))
