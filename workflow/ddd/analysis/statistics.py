"""Statistics a careful reviewer asks for: kappa's reachable range, significance against
independence, bootstrap intervals, and the reference distributions for image difficulty.

Conventions: a correctness matrix is runs x images (rows are runs); pairwise results over
runs come as the upper triangle, in np.triu_indices(runs, k=1) order; pmfs over the number
of correct runs are indexed by k = 0..n_runs. Kappa is undefined (NaN) where c_exp == 1,
as in ddd.analysis.consistency. Correctness input must be binary
(ddd.io.binary.check_binary); `unbiased` selects the unbiased kappa defined there.
"""

from __future__ import annotations

import warnings

import numpy as np
from scipy.stats import binom, hypergeom, poisson_binom

from ddd.analysis.consistency import binary_kappa_matrix, kappa_from
from ddd.io.binary import check_binary


def _accuracies(p: np.ndarray, name: str) -> np.ndarray:
    p = np.asarray(p, dtype=np.float64)
    if p.size == 0:
        raise ValueError(f"{name} is empty")
    if not np.all((p >= 0) & (p <= 1)):
        raise ValueError(f"{name} must lie in [0, 1]")
    return p


def _integer_counts(x: np.ndarray, name: str) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    if x.size == 0:
        raise ValueError(f"{name} is empty")
    if not np.all(np.isfinite(x)) or np.any(x < 0) or not np.array_equal(x, np.round(x)):
        raise ValueError(f"{name} must hold non-negative integer counts")
    return x.astype(np.int64)


def _difficulty_counts(counts: np.ndarray, n_runs: int) -> np.ndarray:
    if n_runs < 1:
        raise ValueError(f"need at least one run, got n_runs={n_runs}")
    counts = _integer_counts(counts, "counts")
    if counts.ndim != 1:
        raise ValueError(f"counts must be one number per image, got shape {counts.shape}")
    if counts.max() > n_runs:
        raise ValueError(f"counts must lie in 0..{n_runs}")
    return counts


def kappa_bounds(p1: np.ndarray, p2: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Smallest and largest kappa two observers with accuracies p1, p2 can reach.

    The both-right share a ranges over [max(0, p1 + p2 - 1), min(p1, p2)] and
    c_obs = 1 - p1 - p2 + 2a, so c_obs spans [|1 - p1 - p2|, 1 - |p1 - p2|]; kappa rises
    with c_obs at fixed c_exp. Kappa reaches 1 only for equal accuracies and -1 only for
    p1 = p2 = 1/2; otherwise the range is narrower, so judge a kappa against the bounds of
    its accuracies. Broadcasts; NaN where c_exp == 1.
    """
    p1, p2 = _accuracies(p1, "p1"), _accuracies(p2, "p2")
    try:
        p1, p2 = np.broadcast_arrays(p1, p2)
    except ValueError as err:
        raise ValueError(f"p1 {p1.shape} and p2 {p2.shape} do not broadcast") from err
    c_exp = p1 * p2 + (1 - p1) * (1 - p2)
    low = kappa_from(np.abs(1 - p1 - p2), c_exp)
    high = kappa_from(1 - np.abs(p1 - p2), c_exp)
    return low, high


def independence_pvalue(n: np.ndarray, right_a: np.ndarray, right_b: np.ndarray,
                        both_right: np.ndarray) -> np.ndarray:
    """Two-sided p-value of a both-right count against two independent observers.

    Conditional (Fisher) test: with n images and the right counts fixed, the both-right
    count X of independent observers is hypergeometric(M=n, n=right_a, N=right_b). The
    two-sided p is the doubled smaller tail, min(1, 2 min(P(X >= x), P(X <= x))), not
    scipy's fisher_exact default (which sums all tables no more likely than the observed).
    With tens of thousands of images even modest kappas give p values that underflow to
    0.0; that is correct, not a failure. Counts broadcast (e.g. right[:, None],
    right[None, :] and a both-right matrix); they must be integers (exact-integer floats
    from kappa_matrix do).
    """
    n, ra, rb, x = (_integer_counts(v, name) for v, name in
                    ((n, "n"), (right_a, "right_a"), (right_b, "right_b"),
                     (both_right, "both_right")))
    try:
        n, ra, rb, x = np.broadcast_arrays(n, ra, rb, x)
    except ValueError as err:
        raise ValueError("n, right_a, right_b and both_right do not broadcast") from err
    if np.any(n == 0):
        raise ValueError("n must be at least one image")
    if np.any(ra > n) or np.any(rb > n):
        raise ValueError("right counts cannot exceed n")
    if np.any(x > np.minimum(ra, rb)) or np.any(x < ra + rb - n):
        raise ValueError("both_right outside its feasible range "
                         "[max(0, right_a + right_b - n), min(right_a, right_b)]")
    upper = hypergeom.sf(x - 1, n, ra, rb)
    lower = hypergeom.cdf(x, n, ra, rb)
    return np.minimum(1.0, 2.0 * np.minimum(upper, lower))


def bootstrap_kappa(correct: np.ndarray, n_boot: int, seed: int,
                    unbiased: bool = False) -> np.ndarray:
    """Kappa of every pair of runs on n_boot resamples of the images, (n_boot, n_pairs).

    Each resample draws the images with replacement (numpy default_rng(seed)) and passes
    the draw counts as weights to kappa_matrix, so counts stay exact and memory holds one
    resample at a time (runs x images) plus the result. Columns follow
    np.triu_indices(runs, k=1); NaN where a resample makes a pair's kappa undefined.
    """
    c = check_binary(correct, "correctness matrix")
    if c.ndim != 2 or c.shape[0] < 2 or c.shape[1] == 0:
        raise ValueError(f"need a runs x images matrix with at least two runs and one "
                         f"image, got {c.shape}")
    if n_boot < 1:
        raise ValueError(f"need n_boot >= 1, got {n_boot}")
    runs, n_images = c.shape
    c = c.astype(np.float32)  # once, not per resample; widened per call if needed
    rows, cols = np.triu_indices(runs, k=1)
    rng = np.random.default_rng(seed)
    samples = np.empty((n_boot, rows.size))
    for b in range(n_boot):
        weights = np.bincount(rng.integers(0, n_images, n_images), minlength=n_images)
        samples[b] = binary_kappa_matrix(c, weights, unbiased).kappa[rows, cols]
    return samples


def bootstrap_interval(samples: np.ndarray, level: float = 0.95
                       ) -> tuple[np.ndarray, np.ndarray]:
    """Percentile interval over axis 0 of bootstrap samples, ignoring NaN samples.

    Returns (low, high) at the (1 - level)/2 and (1 + level)/2 quantiles, one entry per
    column (scalars for 1-D samples); all-NaN columns give NaN without a warning.
    """
    samples = np.asarray(samples, dtype=np.float64)
    if samples.ndim == 0 or samples.shape[0] == 0:
        raise ValueError(f"need at least one bootstrap sample, got shape {samples.shape}")
    if not 0 < level < 1:
        raise ValueError(f"level must lie in (0, 1), got {level}")
    tail = 50.0 * (1.0 - level)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "All-NaN slice", RuntimeWarning)
        low, high = np.nanpercentile(samples, [tail, 100.0 - tail], axis=0)
    return low, high


def poisson_binomial(accuracies: np.ndarray) -> np.ndarray:
    """Pmf of the number of correct runs, k = 0..len(accuracies), for independent runs
    with their own accuracies (scipy.stats.poisson_binom)."""
    acc = _accuracies(accuracies, "accuracies")
    if acc.ndim != 1:
        raise ValueError(f"accuracies must be one number per run, got shape {acc.shape}")
    return poisson_binom(acc).pmf(np.arange(len(acc) + 1))


def difficulty_mixture(counts: np.ndarray, n_runs: int) -> np.ndarray:
    """Pmf of k = 0..n_runs correct runs if runs were independent given image difficulty.

    Each image keeps its own difficulty q_i = counts_i / n_runs: pmf(k) =
    mean_i Binom(k; n_runs, q_i), computed from the histogram of counts (n_runs + 1
    distinct q values). Unlike the single binomial at the mean accuracy, this reference
    already contains all difficulty structure; what the observed histogram shows beyond
    it is dependence between runs on the same image.
    """
    counts = _difficulty_counts(counts, n_runs)
    share = np.bincount(counts, minlength=n_runs + 1) / counts.size
    k = np.arange(n_runs + 1)
    return share @ binom.pmf(k[None, :], n_runs, k[:, None] / n_runs)


def kappa_from_difficulty(counts: np.ndarray, n_runs: int) -> float:
    """Kappa of two runs that are independent given each image's difficulty.

    With R = n_runs and n_i runs right on image i, two distinct runs drawn from these R
    agree on image i with probability [n_i (n_i - 1) + (R - n_i)(R - n_i - 1)] / (R (R - 1))
    (the unbiased pair estimate); c_obs is its mean over images, c_exp uses the mean
    accuracy p = mean(counts) / R. This is the agreement explained by per-image difficulty
    (dichotomous data difficulty) alone: pairs whose kappa lies above it share more than
    difficulty, pairs below it less. NaN where c_exp == 1.
    """
    counts = _difficulty_counts(counts, n_runs)
    if n_runs < 2:
        raise ValueError(f"need at least two runs to form a pair, got n_runs={n_runs}")
    r = float(n_runs)
    wrong = r - counts
    c_obs = np.mean(counts * (counts - 1.0) + wrong * (wrong - 1.0)) / (r * (r - 1.0))
    p = counts.mean() / r
    return float(kappa_from(c_obs, p * p + (1.0 - p) * (1.0 - p)))
