import numpy as np
import pandas as pd
import pytest

from ddd.analysis import difficulty, tabulate
from ddd.errors import ConfigError
from ddd.study import Run, Study

RUNS = pd.DataFrame({
    "run": ["base-1", "lr-1", "lr-2", "disjoint-1", "disjoint-2"],
    "condition": ["base", "lr", "lr", "disjoint", "disjoint"],
    "instance": [1, 1, 2, 1, 2],
})


def pairs_for(correct):
    return tabulate.kappa_pairs(correct, RUNS["run"].tolist(), "all")


STUDY = Study("s", {"kind": "gaussian"}, "base",
              tuple(Run("s", c, i, None) for c, i in zip(RUNS["condition"], RUNS["instance"],
                                                         strict=True)))


def test_histogram_runs_takes_the_last_instance_per_condition():
    assert STUDY.histogram_runs("one_per_condition") == ["base-1", "lr-2", "disjoint-2"]
    assert STUDY.histogram_runs("all") == RUNS["run"].tolist()
    with pytest.raises(ConfigError, match="valid: all, one_per_condition"):
        STUDY.histogram_runs("some")


def test_kappa_vs_reference_uses_base_or_within(rng):
    correct = rng.random((5, 400)) < 0.6
    correct[1] = correct[0]          # lr-1 identical to base: kappa 1
    correct[4] = correct[3]          # the disjoint pair agrees perfectly
    pairs = pairs_for(correct)
    assert len(pairs) == 10
    table = tabulate.kappa_vs_reference(pairs, RUNS, "base", ["disjoint"])
    rows = {(r.run, r.reference): r.kappa for r in table.itertuples()}
    assert set(rows) == {("lr-1", "base-1"), ("lr-2", "base-1"), ("disjoint-1", "disjoint-2")}
    assert rows[("lr-1", "base-1")] == pytest.approx(1.0)
    assert rows[("disjoint-1", "disjoint-2")] == pytest.approx(1.0)
    assert abs(rows[("lr-2", "base-1")]) < 0.2  # independent random runs


def test_condition_matrix_means_pairs_and_sets_single_run_diagonal_to_one(rng):
    correct = rng.random((5, 300)) < 0.5
    pairs = pairs_for(correct)
    matrix = tabulate.condition_matrix(pairs, RUNS)
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
        tabulate.kappa_vs_reference(pairs, RUNS, "baseline", [])


def test_kappa_tables_take_the_in_between_images_from_the_image_table(rng):
    correct = rng.random((5, 60)) < np.linspace(0.05, 0.95, 60)
    wide = pd.DataFrame({"label": np.zeros(60, int), **dict(zip(RUNS["run"], correct,
                                                                strict=True))},
                        index=pd.Index(np.arange(60) * 2, name="image_id"))
    chosen = STUDY.histogram_runs("all")
    boot = {"resamples": 20, "seed": 0, "level": 0.9}
    for tolerance in (0, 1):
        images = difficulty.image_table(wide, chosen, tolerance)
        between = (images["category"] == "in_between").to_numpy()
        assert 0 < between.sum() < 60
        tables = tabulate.kappa_tables(wide, RUNS, images, chosen, "base", ["disjoint"], boot)
        pairs = tables["pairs"]
        assert pairs.groupby("subset")["images"].first().to_dict() == {
            "all": 60, "in_between": between.sum()}
        expected = tabulate.kappa_pairs(correct[:, between], RUNS["run"].tolist(),
                                        "in_between", 20, 0, 0.9)
        pd.testing.assert_frame_equal(
            pairs[pairs.subset == "in_between"].reset_index(drop=True), expected)
        assert tables["reference"]["subset"].tolist() == ["all", "in_between"]
        assert set(tables["vs_base"]["subset"]) == {"all", "in_between"}
    with pytest.raises(ValueError, match="list other images"):
        tabulate.kappa_tables(wide, RUNS, images.iloc[::-1], chosen, "base", [], boot)
    with pytest.raises(ValueError, match="2 histogram runs"):
        tabulate.kappa_tables(wide, RUNS, images, chosen[:2], "base", [], boot)
