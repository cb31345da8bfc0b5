"""Representational similarity analysis (paper appendix B.6, Fig 17).

A run's representational dissimilarity matrix (RDM) holds 1 - Pearson correlation between
the activation patterns of every two images; only its upper triangle (the condensed
vector, row-major as in scipy's squareform) is kept. Two runs' RDMs are compared by the
Spearman (default) or Pearson correlation of their upper triangles.

Memory: a condensed RDM of n images has n(n - 1)/2 float32 entries (2,000 images: 8 MB;
10,000: 200 MB; 50,000: 5 GB, hence a fixed image subset). The correlation rows are
computed in blocks, so the full n x n matrix is never held. Comparing R runs keeps R
standardised vectors (R x 4 bytes per entry) and accumulates their products in float64
over column chunks. Peak memory: about 24 bytes per RDM entry while one run is ranked,
plus 4 bytes per entry and run (see benchmarks/rsa_memory.py and docs/benchmarks.md).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from ddd import features
from ddd.analysis.tabulate import reference_pairs
from ddd.errors import rebuild

log = logging.getLogger(__name__)

COMPARISONS = ("spearman", "pearson")
ROW_BLOCK = 256  # image rows of the correlation matrix computed at a time
COLUMN_CHUNK = 1 << 18  # RDM entries per chunk when accumulating run-by-run products


def rdm(activations: np.ndarray) -> np.ndarray:
    """Condensed RDM (float32, length n(n-1)/2): 1 - Pearson correlation between the rows
    (images) of an (n images, features) array. A constant row correlates 0 with every
    other row (dissimilarity 1)."""
    x = np.asarray(activations, dtype=np.float64)
    if x.ndim != 2 or len(x) < 2:
        raise ValueError(f"activations must be (images >= 2, features), got {x.shape}")
    x = x - x.mean(axis=1, keepdims=True)
    norm = np.linalg.norm(x, axis=1, keepdims=True)
    x = np.divide(x, norm, out=np.zeros_like(x), where=norm > 0)
    n = len(x)
    out = np.empty(n * (n - 1) // 2, dtype=np.float32)
    pos = 0
    for start in range(0, n - 1, ROW_BLOCK):
        stop = min(start + ROW_BLOCK, n - 1)
        block = x[start:stop] @ x[start + 1:].T  # rows start..stop-1 against later images
        for i in range(start, stop):
            row = block[i - start, i - start:]  # images i + 1 .. n - 1
            out[pos:pos + len(row)] = 1.0 - row
            pos += len(row)
    np.clip(out, 0.0, 2.0, out=out)
    return out


def constant_patterns(activations: np.ndarray) -> int:
    """Number of images whose activation pattern is constant (correlation undefined)."""
    x = np.asarray(activations, dtype=np.float64)
    return int(np.sum(np.ptp(x, axis=1) == 0))


def average_ranks(values: np.ndarray) -> np.ndarray:
    """1-based float64 ranks, ties sharing their mean rank (scipy's rankdata 'average'),
    in chunks: a value's tied run spans searchsorted left..right in the sorted values, so
    temporary memory stays at the sort order and the sorted copy. scipy.stats.rankdata
    gives the same ranks with about twice the peak (52 against 24 bytes per entry; at
    2,000 images and 2 runs benchmarks/rsa_memory.py peaks at 126 against 78 MiB)."""
    v = np.asarray(values)
    order = np.argsort(v, kind="stable")
    sorted_values = v[order]
    ranks = np.empty(len(v))
    for start in range(0, len(v), COLUMN_CHUNK):
        chunk = sorted_values[start:start + COLUMN_CHUNK]
        left = np.searchsorted(sorted_values, chunk, "left")
        right = np.searchsorted(sorted_values, chunk, "right")
        ranks[order[start:start + COLUMN_CHUNK]] = (left + right + 1) / 2
    return ranks


def standardise(vector: np.ndarray, method: str = "spearman") -> np.ndarray:
    """Zero-mean, unit-norm float32 vector (of ranks for Spearman): the dot product of two
    is their correlation."""
    if method not in COMPARISONS:
        raise ValueError(f"unknown RDM comparison {method!r}; valid: {', '.join(COMPARISONS)}")
    v = average_ranks(vector) if method == "spearman" else np.array(vector, dtype=np.float64)
    v -= v.mean()
    norm = np.linalg.norm(v)
    if norm == 0:
        return np.full(v.shape, np.nan, dtype=np.float32)
    v /= norm
    return v.astype(np.float32)


def run_similarities(activations: Sequence[np.ndarray], method: str = "spearman"
                     ) -> np.ndarray:
    """(R, R) RDM similarities of R runs' (images, features) activations. One run's RDM is
    built at a time and its standardised vector written into one preallocated (R, entries)
    float32 array, the only memory that grows with R (the activations are small beside
    it: n x features against n(n - 1)/2)."""
    store = None
    for k, run in enumerate(activations):
        vector = standardise(rdm(run), method)
        if store is None:
            store = np.empty((len(activations), len(vector)), dtype=np.float32)
        elif len(vector) != store.shape[1]:
            raise ValueError(f"run {k} has {len(vector)} RDM entries, run 0 {store.shape[1]}: "
                             f"the runs' activations cover different numbers of images")
        store[k] = vector
    if store is None:
        raise ValueError("no runs to compare")
    return similarity_matrix(store)


def similarity_matrix(standardised: np.ndarray) -> np.ndarray:
    """(R, R) correlations between R standardised RDM vectors, accumulated in float64."""
    z = np.asarray(standardised)
    out = np.zeros((len(z), len(z)))
    for start in range(0, z.shape[1], COLUMN_CHUNK):
        chunk = z[:, start:start + COLUMN_CHUNK].astype(np.float64)
        out += chunk @ chunk.T
    return np.clip(out, -1.0, 1.0)


def compare(rdm_a: np.ndarray, rdm_b: np.ndarray, method: str = "spearman") -> float:
    """Spearman (or Pearson) correlation between two condensed RDMs."""
    if np.shape(rdm_a) != np.shape(rdm_b):
        raise ValueError(f"RDMs differ in size: {np.shape(rdm_a)} vs {np.shape(rdm_b)}")
    z = np.stack([standardise(rdm_a, method), standardise(rdm_b, method)])
    return float(similarity_matrix(z)[0, 1])


def stratified_subset(labels: np.ndarray, size: int, seed: int) -> np.ndarray:
    """Sorted indices of a seeded, class-stratified subset of `size` images: every class
    gets size // classes images, the remainder goes to randomly chosen classes (as far as
    a class has images). All images when `size` covers them."""
    labels = np.asarray(labels)
    if size >= len(labels):
        return np.arange(len(labels))
    if size < 2:
        raise ValueError(f"the RSA subset needs at least 2 images, got {size}")
    rng = np.random.default_rng(seed)
    classes = np.unique(labels)
    members = {c: rng.permutation(np.flatnonzero(labels == c)) for c in classes}
    quota = dict.fromkeys(classes, size // len(classes))
    for c in rng.permutation(classes)[: size % len(classes)]:
        quota[c] += 1
    chosen = [members[c][: quota[c]] for c in classes]
    short = size - sum(len(c) for c in chosen)
    if short:  # small classes: fill from the images left over, still seeded
        left = np.setdiff1d(np.arange(len(labels)), np.concatenate(chosen))
        chosen.append(rng.choice(left, short, replace=False))
    return np.sort(np.concatenate(chosen))


def pairs_table(similarity: np.ndarray, run_ids: list[str]) -> pd.DataFrame:
    """Every unordered pair of runs with its RDM similarity."""
    i, j = np.triu_indices(len(run_ids), k=1)
    ids = np.asarray(run_ids)
    return pd.DataFrame({"run_a": ids[i], "run_b": ids[j], "rsa": similarity[i, j]})


def vs_reference(similarity: np.ndarray, runs: pd.DataFrame, base_condition: str,
                 within_conditions: list[str]) -> pd.DataFrame:
    """RSA of every comparison of analysis.reference_pairs (as for kappa). `runs` (run,
    condition, instance) is in the order of the similarity matrix."""
    index = {run: k for k, run in enumerate(runs["run"])}
    rows = [{"condition": condition, "run": run, "reference": ref,
             "rsa": similarity[index[run], index[ref]]}
            for condition, run, ref in reference_pairs(runs, base_condition, within_conditions)]
    return pd.DataFrame(rows, columns=["condition", "run", "reference", "rsa"])


def condition_means(similarity: np.ndarray, runs: pd.DataFrame) -> pd.DataFrame:
    """Mean RSA between the runs of every two conditions (long format); within a condition
    over its distinct pairs, 1 for a condition with a single run."""
    conditions = runs["condition"].to_numpy()
    order = list(dict.fromkeys(conditions))
    rows = []
    for a in order:
        for b in order:
            block = similarity[np.ix_(conditions == a, conditions == b)]
            if a == b:
                off = block[~np.eye(len(block), dtype=bool)]
                value = float(off.mean()) if off.size else 1.0
            else:
                value = float(block.mean())
            rows.append({"condition_a": a, "condition_b": b, "rsa": value})
    return pd.DataFrame(rows)


def load_activations(paths: Mapping[str, str | os.PathLike]
                     ) -> tuple[list[np.ndarray], np.ndarray, str]:
    """Every run's stored activations (run -> features file; their logits are not kept),
    checked to cover the same RSA images, with those image ids and the last run's layer.
    Logs the runs with constant activation patterns."""
    activations, first, layer = [], None, ""
    for run, path in paths.items():
        found = features.load(path)
        if first is None:
            first = (path, found.rsa_image_ids)
        elif not np.array_equal(found.rsa_image_ids, first[1]):
            raise ValueError(f"{path} and {first[0]} hold different RSA images; rebuild "
                             f"both: {rebuild(path, first[0])}")
        constant = constant_patterns(found.activations)
        if constant:
            log.warning("%s: %d images with a constant activation pattern (dissimilarity 1 "
                        "to every other image)", run, constant)
        activations.append(found.activations)
        layer = found.layer
    if first is None:
        raise ValueError("no runs' features to compare")
    return activations, first[1], layer


def study_tables(paths: Mapping[str, str | os.PathLike], runs: pd.DataFrame, comparison: str,
                 base_condition: str, within_conditions: list[str]) -> dict[str, pd.DataFrame]:
    """RSA of every pair of runs (`runs`: run, condition, instance; `paths`: run -> features
    file): tables "pairs", "vs_base" and "conditions", each with the number of images."""
    activations, image_ids, layer = load_activations({run: paths[run] for run in runs["run"]})
    similarity = run_similarities(activations, comparison)
    tables = {
        "pairs": pairs_table(similarity, runs["run"].tolist()),
        "vs_base": vs_reference(similarity, runs, base_condition, list(within_conditions)),
        "conditions": condition_means(similarity, runs),
    }
    for frame in tables.values():
        frame.insert(0, "images", len(image_ids))
    log.info("%d runs, %d images, layer %r, %s comparison", len(runs), len(image_ids), layer,
             comparison)
    return tables
