"""MMD-critic (Kim, Khanna and Koyejo 2016, "Examples are not enough, learn to criticize!"):
prototypes that summarise a set of images in a feature space, and criticisms, the images
the prototypes explain worst.

Kernel: RBF, k(x, y) = exp(-||x - y||^2 / (2 s^2)), with the median heuristic for the
bandwidth: s^2 = median of the squared distances between distinct points of the set the
kernel is built on (one kernel per class; the pooled set for the two-sample test).

Prototypes S maximise J(S) = 2/(n|S|) sum_{i, j in S} k(x_i, x_j) - 1/|S|^2 sum_{i, j in
S} k(x_i, x_j), chosen greedily one at a time; then MMD^2(X, S) = mean(K_XX) - J(S).
Criticisms are chosen greedily among the other points by the witness function
w(x) = 1/n sum_i k(x, x_i) - 1/|S| sum_{j in S} k(x, x_j) plus Kim et al.'s log-det
diversity term log det K_CC (optional, off by default: its scale, up to several units,
swamps witness values of a few hundredths, so it orders by spread). Kim et al.'s code
scores |w(x)|; "positive" (the default) scores w(x) itself: the images the data hold more
of than the prototypes say.
|w| also picks points where the prototypes over-represent the data, i.e. images beside a
prototype: on a 95% / 5% mixture of two far clusters with 2 to 8 prototypes in the large
one, |w| ranks large-cluster images first, w the rare cluster's (tests/test_mmd_critic.py).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

REGULARIZERS = ("logdet", "none")
WITNESS = ("positive", "absolute")


def squared_distances(x: np.ndarray, y: np.ndarray | None = None) -> np.ndarray:
    """Squared Euclidean distances between the rows of x and of y (default: x), >= 0."""
    x = np.asarray(x, dtype=np.float64)
    y = x if y is None else np.asarray(y, dtype=np.float64)
    d2 = (x * x).sum(1)[:, None] + (y * y).sum(1)[None, :] - 2.0 * x @ y.T
    return np.maximum(d2, 0.0)


def median_bandwidth(d2: np.ndarray) -> float:
    """s^2 of the median heuristic: the median squared distance between distinct points of
    a square distance matrix (1 when every point coincides)."""
    n = len(d2)
    if n < 2:
        return 1.0
    median = float(np.median(d2[np.triu_indices(n, 1)]))
    return median if median > 0 else 1.0


def rbf_kernel(x: np.ndarray) -> np.ndarray:
    """The RBF kernel matrix of the rows of x, bandwidth by the median heuristic."""
    d2 = squared_distances(x)
    return np.exp(-d2 / (2.0 * median_bandwidth(d2)))


def objective(kernel: np.ndarray, chosen: np.ndarray) -> float:
    """J(S) of the prototypes at indices `chosen` (0 for none)."""
    chosen = np.asarray(chosen, dtype=int)
    if chosen.size == 0:
        return 0.0
    n, m = len(kernel), len(chosen)
    return float(2.0 / (n * m) * kernel[:, chosen].sum()
                 - kernel[np.ix_(chosen, chosen)].sum() / m**2)


def mmd2(kernel: np.ndarray, chosen: np.ndarray) -> float:
    """MMD^2 between all points and the points at `chosen`, from the kernel matrix."""
    chosen = np.asarray(chosen, dtype=int)
    return float(kernel.mean() - 2.0 * kernel[:, chosen].mean()
                 + kernel[np.ix_(chosen, chosen)].mean())


def select_prototypes(kernel: np.ndarray, count: int) -> np.ndarray:
    """Indices of `count` prototypes (at most n), greedy: each step adds the point that
    maximises J of the set so far plus that point (ties: the lowest index)."""
    n = len(kernel)
    column_means = kernel.mean(axis=0)  # 1/n sum_i k(x_i, x_j)
    chosen: list[int] = []
    cross = np.zeros(n)  # sum over chosen s of k(j, s)
    inner = 0.0  # sum over chosen s, t of k(s, t)
    for _ in range(min(count, n)):
        m = len(chosen) + 1
        # J(S + j) = 2/m (sum_S colmean_s + colmean_j) - (inner + 2 cross_j + k_jj) / m^2
        gains = (2.0 / m * (column_means[chosen].sum() + column_means)
                 - (inner + 2.0 * cross + np.diag(kernel)) / m**2)
        gains[chosen] = -np.inf
        best = int(np.argmax(gains))
        inner += 2.0 * cross[best] + kernel[best, best]
        cross += kernel[:, best]
        chosen.append(best)
    return np.asarray(chosen, dtype=int)


def witness(kernel: np.ndarray, prototypes: np.ndarray) -> np.ndarray:
    """The witness function at every point: mean kernel value to all points minus mean to
    the prototypes. Positive: the data are denser there than the prototypes say."""
    return kernel.mean(axis=1) - kernel[:, np.asarray(prototypes, dtype=int)].mean(axis=1)


def select_criticisms(kernel: np.ndarray, prototypes: np.ndarray, count: int,
                      regularizer: str = "none", score: str = "positive") -> np.ndarray:
    """Indices of `count` criticisms (at most the points that are not prototypes), greedy
    by the witness ("positive") or its absolute value ("absolute", Kim et al.'s code) plus,
    with "logdet", the log-determinant of the criticisms' kernel."""
    if regularizer not in REGULARIZERS:
        raise ValueError(f"unknown regularizer {regularizer!r}; valid: {REGULARIZERS}")
    if score not in WITNESS:
        raise ValueError(f"unknown witness score {score!r}; valid: {WITNESS}")
    values = witness(kernel, prototypes)
    score_of = np.abs(values) if score == "absolute" else values
    candidates = np.setdiff1d(np.arange(len(kernel)), prototypes)
    chosen: list[int] = []
    for _ in range(min(count, len(candidates))):
        gains = score_of[candidates].copy()
        if regularizer == "logdet":
            gains += _logdet_gain(kernel, chosen, candidates)
        gains[np.isin(candidates, chosen)] = -np.inf
        chosen.append(int(candidates[int(np.argmax(gains))]))
    return np.asarray(chosen, dtype=int)


def _logdet_gain(kernel: np.ndarray, chosen: list[int], candidates: np.ndarray) -> np.ndarray:
    """log det K_{C+j} - log det K_C for every candidate j: log of the Schur complement
    k_jj - k_jC K_CC^-1 k_Cj (floored, so a duplicate of a criticism scores very low)."""
    if not chosen:
        return np.zeros(len(candidates))
    rows = np.asarray(chosen)
    k_cc = kernel[np.ix_(rows, rows)]
    k_cj = kernel[np.ix_(rows, candidates)]
    solved = np.linalg.lstsq(k_cc, k_cj, rcond=None)[0]
    schur = kernel[candidates, candidates] - (k_cj * solved).sum(axis=0)
    return np.log(np.maximum(schur, 1e-12))


@dataclass(frozen=True)
class Selection:
    """Prototypes and criticisms (indices into the set, in order of selection) with the
    witness value at every point of the set and MMD^2 between the set and its prototypes."""

    prototypes: np.ndarray
    criticisms: np.ndarray
    witness: np.ndarray
    mmd2: float


def mmd_critic(features: np.ndarray, prototypes: int, criticisms: int,
               regularizer: str = "none", score: str = "positive") -> Selection:
    """MMD-critic on the rows of `features` (one set, e.g. one class): RBF kernel with the
    median heuristic, greedy prototypes, then greedy criticisms."""
    kernel = rbf_kernel(features)
    protos = select_prototypes(kernel, prototypes)
    crits = select_criticisms(kernel, protos, criticisms, regularizer, score)
    return Selection(protos, crits, witness(kernel, protos), mmd2(kernel, protos))


def permutation_test(x: np.ndarray, y: np.ndarray, permutations: int, seed: int
                     ) -> tuple[float, float, float]:
    """Kernel two-sample test of x and y (rows): unbiased MMD^2 with the RBF kernel of the
    pooled sample's median heuristic, and its permutation p-value (1 + #{permuted >=
    observed}) / (1 + permutations). Returns (mmd2, p, bandwidth s^2)."""
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    if len(x) < 2 or len(y) < 2:
        raise ValueError(f"the two-sample test needs at least 2 points per sample, got "
                         f"{len(x)} and {len(y)}")
    d2 = squared_distances(np.vstack([x, y]))
    bandwidth = median_bandwidth(d2)
    kernel = np.exp(-d2 / (2.0 * bandwidth))
    n, total = len(x), len(x) + len(y)
    observed = np.zeros((total, 1))
    observed[:n] = 1.0
    rng = np.random.default_rng(seed)
    shuffled = np.stack([rng.permutation(total) < n for _ in range(permutations)], axis=1)
    values = mmd2_of_splits(kernel, np.hstack([observed, shuffled.astype(np.float64)]), n)
    exceed = int(np.sum(values[1:] >= values[0]))
    return float(values[0]), (1 + exceed) / (1 + permutations), bandwidth


def mmd2_of_splits(kernel: np.ndarray, members: np.ndarray, n: int) -> np.ndarray:
    """Unbiased MMD^2 of each split of the points into x (members[:, s] == 1, n points) and
    y (the other m), for every column s of `members`, by matrix products."""
    a = members
    b = 1.0 - a
    m = len(kernel) - n
    diag = np.diag(kernel)[:, None]
    ka, kb = kernel @ a, kernel @ b
    sum_xx = (a * ka).sum(0) - (a * diag).sum(0)
    sum_yy = (b * kb).sum(0) - (b * diag).sum(0)
    sum_xy = (a * kb).sum(0)
    return sum_xx / (n * (n - 1)) + sum_yy / (m * (m - 1)) - 2.0 * sum_xy / (n * m)
