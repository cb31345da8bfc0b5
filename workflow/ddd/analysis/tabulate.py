"""Study-level analyses on the correctness matrix: kappa tables, histogram, shares."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from ddd import collect
from ddd.analysis import difficulty, statistics
from ddd.analysis.consistency import kappa_matrix, unbiased_kappa
from ddd.io.binary import check_binary


def kappa_pairs(correct: np.ndarray, run_ids: list[str], subset: str, resamples: int = 0,
                seed: int = 0, level: float = 0.95, unbiased: bool = False) -> pd.DataFrame:
    """Kappa for every unordered pair of runs, with what a reviewer needs to judge it.

    Per pair: accuracies, c_obs, c_exp, kappa; the kappa range the two accuracies allow
    (kappa_min, kappa_max); the p-value against independent observers with these
    accuracies; and, with `resamples`, a bootstrap interval over images (ci_low, ci_high).
    `unbiased` reports the unbiased kappa (ddd.analysis.consistency) in kappa, c_exp, the bounds and
    the interval; the p-value, a test on the counts, is the same either way.
    """
    correct = check_binary(correct, "correctness matrix")
    result = kappa_matrix(correct, unbiased=unbiased)
    i, j = np.triu_indices(len(run_ids), k=1)
    ids = np.asarray(run_ids)
    n = correct.shape[1]
    right = np.diag(result.both_right)
    p = right / n
    kappa_min, kappa_max = statistics.kappa_bounds(p[i], p[j])
    if unbiased:
        kappa_min, kappa_max = unbiased_kappa(kappa_min, n), unbiased_kappa(kappa_max, n)
    table = pd.DataFrame({
        "subset": subset, "run_a": ids[i], "run_b": ids[j], "images": n,
        "accuracy_a": p[i], "accuracy_b": p[j], "c_obs": result.c_obs[i, j],
        "c_exp": result.c_exp[i, j], "kappa": result.kappa[i, j], "kappa_min": kappa_min,
        "kappa_max": kappa_max,
        "p_value": statistics.independence_pvalue(n, right[i], right[j],
                                                  result.both_right[i, j]),
        "ci_low": np.nan, "ci_high": np.nan})
    if resamples:
        samples = statistics.bootstrap_kappa(correct, resamples, seed, unbiased)
        table["ci_low"], table["ci_high"] = statistics.bootstrap_interval(samples, level)
    return table


def difficulty_kappa(correct: np.ndarray, subset: str) -> dict[str, float | int | str]:
    """Mean observed kappa over all pairs of these runs, next to the kappa that each
    image's difficulty alone predicts for independent runs (statistics.kappa_from_difficulty).
    """
    pairs = kappa_matrix(correct).kappa[np.triu_indices(len(correct), k=1)]
    return {"subset": subset, "runs": len(correct), "images": correct.shape[1],
            "kappa_observed_mean": float(np.nanmean(pairs)) if np.isfinite(pairs).any()
            else np.nan,
            "kappa_difficulty": statistics.kappa_from_difficulty(
                difficulty.n_correct(correct), len(correct))}


def kappa_tables(correct: pd.DataFrame, runs: pd.DataFrame, images: pd.DataFrame,
                 histogram_runs: list[str], base_condition: str, within_conditions: list[str],
                 bootstrap: Mapping[str, float]) -> dict[str, pd.DataFrame]:
    """The kappa rule's tables, on all images and on the in-between images of `images`.

    pairs (kappa_pairs, with `bootstrap` resamples, seed and level), vs_base
    (kappa_vs_reference), conditions (condition_matrix) and reference (difficulty_kappa of
    the histogram runs). `correct` is correctness.parquet's wide table; the in-between
    subset is left out when no image is in between.
    """
    if not np.array_equal(images["image_id"].to_numpy(), correct.index.to_numpy()):
        raise ValueError("the image table and the correctness table list other images; "
                         "rebuild analysis/images.parquet from correctness.parquet")
    if len(histogram_runs) != difficulty.table_runs(images):
        raise ValueError(f"{len(histogram_runs)} histogram runs, but the image table counts "
                         f"{difficulty.table_runs(images)}")
    run_ids = runs["run"].tolist()
    matrix = collect.matrix(correct, run_ids)
    chosen = collect.matrix(correct, list(histogram_runs))
    between = difficulty.categories(images) == difficulty.CATEGORIES.index("in_between")
    subsets = {"all": slice(None)} | ({"in_between": between} if between.any() else {})
    pairs = pd.concat([kappa_pairs(matrix[:, keep], run_ids, subset, int(bootstrap["resamples"]),
                                   int(bootstrap["seed"]), bootstrap["level"])
                       for subset, keep in subsets.items()], ignore_index=True)
    return {
        "pairs": pairs,
        "vs_base": kappa_vs_reference(pairs, runs, base_condition, list(within_conditions)),
        "conditions": condition_matrix(pairs, runs),
        "reference": pd.DataFrame([difficulty_kappa(chosen[:, keep], subset)
                                   for subset, keep in subsets.items()]),
    }


PAIR_STATISTICS = ["kappa", "ci_low", "ci_high", "kappa_min", "kappa_max", "p_value"]


def _pair_lookup(pairs: pd.DataFrame) -> dict[tuple[str, str, str], dict[str, float]]:
    out = {}
    for row in pairs.to_dict("records"):
        stats = {key: row[key] for key in PAIR_STATISTICS}
        out[(row["subset"], row["run_a"], row["run_b"])] = stats
        out[(row["subset"], row["run_b"], row["run_a"])] = stats
    return out


def reference_pairs(runs: pd.DataFrame, base_condition: str,
                    within_conditions: list[str]) -> list[tuple[str, str, str]]:
    """(condition, run, reference) of every comparison with a reference: each condition's
    instances against the base run (the base condition's first instance); conditions in
    `within_conditions` (disjoint data) among their own instances instead."""
    base = runs.loc[runs["condition"] == base_condition].sort_values("instance")
    if base.empty:
        raise ValueError(f"no run of the base condition {base_condition!r}")
    base_run = base["run"].iloc[0]
    out: list[tuple[str, str, str]] = []
    for key, group in runs.groupby("condition", sort=False):
        condition = str(key)  # condition names are strings
        members = group.sort_values("instance")["run"].tolist()
        if condition in within_conditions:
            out += [(condition, a, b) for k, a in enumerate(members) for b in members[k + 1:]]
        else:
            out += [(condition, run, base_run) for run in members if run != base_run]
    return out


def kappa_vs_reference(pairs: pd.DataFrame, runs: pd.DataFrame, base_condition: str,
                       within_conditions: list[str]) -> pd.DataFrame:
    """Kappa (with its statistics) of every comparison of `reference_pairs`, per subset."""
    stats = _pair_lookup(pairs)
    rows = [{"condition": condition, "run": run, "reference": ref, "subset": subset,
             **stats[(subset, run, ref)]}
            for condition, run, ref in reference_pairs(runs, base_condition, within_conditions)
            for subset in pairs["subset"].unique()]
    return pd.DataFrame(rows, columns=["condition", "run", "reference", "subset",
                                       *PAIR_STATISTICS])


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


def difficulty_tables(images: pd.DataFrame, accuracies: np.ndarray, all_but: int,
                      flags: np.ndarray | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The histogram of correct runs per image against three references, and the shares.

    `images` is the per-image table (difficulty.image_table) and `accuracies` the
    accuracy of each of its runs. References: the paper's binomial (every run at the mean
    accuracy), the Poisson-binomial (each run at its own accuracy) and the difficulty
    mixture (each image keeps its own share of runs right; runs independent given it).
    `flags` (bool per image, e.g. label errors) adds the share of flagged images per bin.
    Shares are given under the table's own tolerance and under `all_but` (the "all but
    one" row); with `flags`, also the share of all images in each category that are
    flagged and not flagged (e.g. impossible images that are not label errors).
    """
    n_runs = difficulty.table_runs(images)
    accuracies = np.asarray(accuracies, dtype=np.float64)
    if accuracies.shape != (n_runs,):
        raise ValueError(f"{accuracies.size} run accuracies for an image table of {n_runs} runs")
    counts = images["n_correct"].to_numpy()
    observed = difficulty.histogram(counts, n_runs)
    mean_accuracy = float(counts.sum() / (n_runs * counts.size))
    pmf = difficulty.binomial_reference(n_runs, mean_accuracy)
    histogram = pd.DataFrame({
        "n_correct": np.arange(n_runs + 1), "images": observed,
        "observed": observed / counts.size, "binomial": pmf,
        "poisson_binomial": statistics.poisson_binomial(accuracies),
        "difficulty_mixture": statistics.difficulty_mixture(counts, n_runs),
        "runs": n_runs, "mean_accuracy": mean_accuracy})
    if flags is not None:
        histogram["flagged"] = difficulty.histogram(counts[flags], n_runs) / counts.size
    own = int(images["tolerance"].iloc[0])
    share_rows = []
    for tol in sorted({own, all_but}):
        cats = difficulty.categories(images, None if tol == own else tol)
        for name, share in difficulty.shares(cats).items():
            row = {"tolerance": tol, "category": name, "share": share,
                   "binomial": _binomial_share(pmf, name, tol)}
            if flags is not None:
                in_category = cats == difficulty.CATEGORIES.index(name)
                row["flagged"] = float(np.mean(in_category & flags))
                row["not_flagged"] = float(np.mean(in_category & ~flags))
            share_rows.append(row)
    return histogram, pd.DataFrame(share_rows)


def _binomial_share(pmf: np.ndarray, category: str, tolerance: int) -> float:
    n_runs = len(pmf) - 1
    impossible = pmf[: tolerance + 1].sum()
    trivial = pmf[n_runs - tolerance:].sum()
    return float({"impossible": impossible, "trivial": trivial,
                  "in_between": 1.0 - impossible - trivial}[category])
