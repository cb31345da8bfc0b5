"""Study-level analyses on the correctness matrix: kappa tables, histogram, shares."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ddd import difficulty
from ddd.consistency import kappa_matrix


def histogram_runs(runs: pd.DataFrame, selection: str) -> list[str]:
    """Runs entering the difficulty histogram: all, or the last instance of each condition
    (as in the paper's Fig 14)."""
    if selection == "all":
        return runs["run"].tolist()
    if selection == "one_per_condition":
        last = runs.sort_values("instance").groupby("condition", sort=False).tail(1)
        return runs.loc[runs.index.isin(last.index), "run"].tolist()
    raise ValueError(f"unknown histogram run selection {selection!r}; "
                     f"valid: all, one_per_condition")


def kappa_pairs(correct: np.ndarray, run_ids: list[str], subset: str) -> pd.DataFrame:
    """c_obs, c_exp and kappa for every unordered pair of runs."""
    result = kappa_matrix(correct)
    i, j = np.triu_indices(len(run_ids), k=1)
    ids = np.asarray(run_ids)
    return pd.DataFrame({"subset": subset, "run_a": ids[i], "run_b": ids[j],
                         "images": correct.shape[1], "c_obs": result.c_obs[i, j],
                         "c_exp": result.c_exp[i, j], "kappa": result.kappa[i, j]})


def _pair_lookup(pairs: pd.DataFrame) -> dict[tuple[str, str, str], float]:
    out = {}
    for row in pairs.itertuples(index=False):
        out[(row.subset, row.run_a, row.run_b)] = row.kappa
        out[(row.subset, row.run_b, row.run_a)] = row.kappa
    return out


def kappa_vs_reference(pairs: pd.DataFrame, runs: pd.DataFrame, base_condition: str,
                       within_conditions: list[str]) -> pd.DataFrame:
    """Kappa of each condition's instances against the base run (the base condition's
    first instance); conditions in `within_conditions` (disjoint data) are compared among
    their own instances instead."""
    kappa = _pair_lookup(pairs)
    base_run = runs.loc[runs["condition"] == base_condition].sort_values("instance")
    if base_run.empty:
        raise ValueError(f"no run of the base condition {base_condition!r}")
    base_run = base_run["run"].iloc[0]
    rows = []
    for condition, group in runs.groupby("condition", sort=False):
        members = group.sort_values("instance")["run"].tolist()
        if condition in within_conditions:
            comparisons = [(a, b) for k, a in enumerate(members) for b in members[k + 1:]]
        else:
            comparisons = [(run, base_run) for run in members if run != base_run]
        for run, ref in comparisons:
            for subset in pairs["subset"].unique():
                rows.append({"condition": condition, "run": run, "reference": ref,
                             "subset": subset, "kappa": kappa[(subset, run, ref)]})
    return pd.DataFrame(rows, columns=["condition", "run", "reference", "subset", "kappa"])


def condition_matrix(pairs: pd.DataFrame, runs: pd.DataFrame) -> pd.DataFrame:
    """Mean kappa between the runs of every two conditions (long format). Within a
    condition the mean is over its distinct pairs; a condition with one run gets 1."""
    condition_of = dict(zip(runs["run"], runs["condition"], strict=True))
    rows = []
    for row in pairs.itertuples(index=False):
        a, b = condition_of[row.run_a], condition_of[row.run_b]
        rows.append((row.subset, a, b, row.kappa))
        if a != b:
            rows.append((row.subset, b, a, row.kappa))
    frame = pd.DataFrame(rows, columns=["subset", "condition_a", "condition_b", "kappa"])
    mean = frame.groupby(["subset", "condition_a", "condition_b"], sort=False)["kappa"].mean()
    order = list(dict.fromkeys(runs["condition"]))
    full = pd.MultiIndex.from_product([pairs["subset"].unique(), order, order],
                                      names=["subset", "condition_a", "condition_b"])
    out = mean.reindex(full).reset_index()
    single = out["condition_a"].eq(out["condition_b"]) & out["kappa"].isna()
    out.loc[single, "kappa"] = 1.0
    return out


def difficulty_tables(correct: np.ndarray, image_ids: np.ndarray, labels: np.ndarray,
                      tolerance: int) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Per-image counts and categories, the histogram against the binomial, and shares.

    Returns (images, histogram, shares). Shares are given exactly (tolerance 0) and with
    the configured tolerance.
    """
    n_runs = correct.shape[0]
    counts = difficulty.n_correct(correct)
    strict = difficulty.categorise(counts, n_runs, 0)
    images = pd.DataFrame({"image_id": image_ids, "label": labels, "n_correct": counts,
                           "category": np.asarray(difficulty.CATEGORIES)[strict]})
    observed = difficulty.histogram(counts, n_runs)
    mean_accuracy = float(correct.mean())
    pmf = difficulty.binomial_reference(n_runs, mean_accuracy)
    histogram = pd.DataFrame({"n_correct": np.arange(n_runs + 1), "images": observed,
                              "observed": observed / counts.size, "binomial": pmf,
                              "runs": n_runs, "mean_accuracy": mean_accuracy})
    share_rows = []
    for tol in sorted({0, tolerance}):
        cats = difficulty.categorise(counts, n_runs, tol)
        for name, share in difficulty.shares(cats).items():
            share_rows.append({"tolerance": tol, "category": name, "share": share,
                               "binomial": _binomial_share(pmf, name, tol)})
    return images, histogram, pd.DataFrame(share_rows)


def _binomial_share(pmf: np.ndarray, category: str, tolerance: int) -> float:
    n_runs = len(pmf) - 1
    impossible = pmf[: tolerance + 1].sum()
    trivial = pmf[n_runs - tolerance:].sum()
    return float({"impossible": impossible, "trivial": trivial,
                  "in_between": 1.0 - impossible - trivial}[category])
