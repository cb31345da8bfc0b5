import numpy as np
import pandas as pd
import pytest

from ddd import analysis

RUNS = pd.DataFrame({
    "run": ["base-1", "lr-1", "lr-2", "disjoint-1", "disjoint-2"],
    "condition": ["base", "lr", "lr", "disjoint", "disjoint"],
    "instance": [1, 1, 2, 1, 2],
})


def pairs_for(correct):
    return analysis.kappa_pairs(correct, RUNS["run"].tolist(), "all")


def test_histogram_runs_takes_the_last_instance_per_condition():
    assert analysis.histogram_runs(RUNS, "one_per_condition") == ["base-1", "lr-2",
                                                                   "disjoint-2"]
    assert analysis.histogram_runs(RUNS, "all") == RUNS["run"].tolist()
    with pytest.raises(ValueError, match="valid: all, one_per_condition"):
        analysis.histogram_runs(RUNS, "some")


def test_kappa_vs_reference_uses_base_or_within(rng):
    correct = rng.random((5, 400)) < 0.6
    correct[1] = correct[0]          # lr-1 identical to base: kappa 1
    correct[4] = correct[3]          # the disjoint pair agrees perfectly
    pairs = pairs_for(correct)
    assert len(pairs) == 10
    table = analysis.kappa_vs_reference(pairs, RUNS, "base", ["disjoint"])
    rows = {(r.run, r.reference): r.kappa for r in table.itertuples()}
    assert set(rows) == {("lr-1", "base-1"), ("lr-2", "base-1"), ("disjoint-1", "disjoint-2")}
    assert rows[("lr-1", "base-1")] == pytest.approx(1.0)
    assert rows[("disjoint-1", "disjoint-2")] == pytest.approx(1.0)
    assert abs(rows[("lr-2", "base-1")]) < 0.2  # independent random runs


def test_condition_matrix_means_pairs_and_sets_single_run_diagonal_to_one(rng):
    correct = rng.random((5, 300)) < 0.5
    pairs = pairs_for(correct)
    matrix = analysis.condition_matrix(pairs, RUNS)
    grid = matrix.pivot(index="condition_a", columns="condition_b", values="kappa")
    k = dict(zip(zip(pairs.run_a, pairs.run_b, strict=True), pairs.kappa, strict=True))
    assert grid.loc["base", "base"] == 1.0
    assert grid.loc["lr", "lr"] == pytest.approx(k[("lr-1", "lr-2")])
    assert grid.loc["base", "lr"] == pytest.approx(np.mean([k[("base-1", "lr-1")],
                                                            k[("base-1", "lr-2")]]))
    assert grid.loc["lr", "base"] == grid.loc["base", "lr"]


def test_missing_base_run_is_an_error(rng):
    pairs = pairs_for(rng.random((5, 50)) < 0.5)
    with pytest.raises(ValueError, match="no run of the base condition 'baseline'"):
        analysis.kappa_vs_reference(pairs, RUNS, "baseline", [])
