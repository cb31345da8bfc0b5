import math

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from ddd import decisions
from ddd.analysis import datamaps
from tests.conftest import confident_table

META = {"dataset": "synthetic", "condition": "base", "instance": 1, "architecture": "none"}
# Hand-made p_true of 4 images over epochs 0..4 (float16-exact values); labels all 0.
P_TRUE = np.array([[0.125, 0.25, 0.5, 0.125],    # epoch 0: untrained, left out
                   [0.75, 0.25, 0.125, 0.5],
                   [0.875, 0.75, 0.125, 0.25],
                   [1.0, 0.25, 0.25, 0.75],
                   [0.875, 0.75, 0.0625, 0.5]])


def hand_run(tmp_path, run="base-1", p_true=P_TRUE):
    """A decision table whose prediction is right exactly where p_true > 0.5 (margin sign
    to match)."""
    right = p_true > 0.5
    predictions = np.where(right, 0, 1)
    margin = np.where(right, 2.0, -2.0) * p_true
    path = tmp_path / f"{run}.parquet"
    decisions.write(path, decisions.from_predictions(predictions, np.zeros(4), p_true=p_true,
                                                     margin=margin), {**META, "run": run})
    return path


def cartography(p: list[float], right: list[bool]) -> tuple[float, float, float]:
    """Swayamdipta et al. (2020), section 2: confidence = (1/E) sum_e p_e, variability =
    sqrt(sum_e (p_e - confidence)^2 / E), correctness = (1/E) sum_e 1[right_e]."""
    e = len(p)
    confidence = sum(p) / e
    variability = math.sqrt(sum((x - confidence) ** 2 for x in p) / e)
    return confidence, variability, sum(right) / e


def test_confidence_variability_correctness_follow_the_cartography_definitions(tmp_path):
    path = hand_run(tmp_path)
    got = datamaps.image_map("base-1", datamaps.moments(decisions.read(path)),
                             datamaps.Thresholds())
    for image in range(4):
        p = P_TRUE[1:, image].tolist()
        expected = cartography(p, [x > 0.5 for x in p])
        row = got.iloc[image]
        assert row[["confidence", "variability", "correctness"]].tolist() == pytest.approx(
            expected, abs=1e-9)
        assert row["evaluations"] == 4
        # the margin is 2 p_true with the sign of the decision: AUM is its mean
        assert row["aum"] == pytest.approx(np.mean([2 * x if x > 0.5 else -2 * x for x in p]))


def test_aum_is_the_mean_stored_margin_over_the_training_epochs(tmp_path, rng):
    logits = rng.normal(0, 3, (6, 40, 5))
    labels = rng.integers(0, 5, 40)
    path = tmp_path / "r.parquet"
    decisions.write(path, confident_table(logits, labels), {**META, "run": "r"})
    frame = decisions.read(path)
    got = datamaps.image_map("r", datamaps.moments(frame), datamaps.Thresholds())
    stored = frame["margin"].to_numpy().reshape(6, 40)
    np.testing.assert_allclose(got["aum"], stored[1:].astype(np.float64).mean(axis=0),
                               rtol=1e-12)
    # and the stored margin is log p_true - log p_runner_up of the logits, within float16
    z = logits[1:]
    log_p = z - np.log(np.exp(z).sum(axis=2, keepdims=True))
    true = np.take_along_axis(log_p, np.broadcast_to(labels[None, :, None], (5, 40, 1)), 2)
    others = np.where(np.arange(5) == labels[:, None], -np.inf, log_p).max(axis=2)
    exact = true[..., 0] - others
    assert np.all(np.abs(stored[1:] - exact) <= decisions.CONFIDENCE_ERROR * np.abs(exact)
                  + decisions.CONFIDENCE_ABS_ERROR)


def test_regions_partition_the_map_at_the_thresholds():
    confidence = np.array([0.9, 0.9, 0.2, 0.5, np.nan])
    variability = np.array([0.1, 0.3, 0.05, 0.2, np.nan])
    got = datamaps.regions(confidence, variability, datamaps.Thresholds(0.5, 0.2))
    assert got.tolist() == ["easy_to_learn", "ambiguous", "hard_to_learn", "ambiguous", None]


def test_pooled_map_takes_every_evaluation_of_the_pooled_runs(tmp_path):
    other = np.clip(P_TRUE[:, ::-1] + 0.0625, 0, 1)
    paths = {"base-1": hand_run(tmp_path), "lr-1": hand_run(tmp_path, "lr-1", other),
             "odd-1": hand_run(tmp_path, "odd-1", P_TRUE[:2])}
    maps = datamaps.read_maps(paths, ["base-1", "lr-1"], datamaps.Thresholds())
    assert maps["run"].unique().tolist() == ["base-1", "lr-1", "odd-1", datamaps.POOLED]
    pooled = maps[maps["run"] == datamaps.POOLED].reset_index(drop=True)
    together = np.concatenate([P_TRUE[1:], other[1:]])
    np.testing.assert_allclose(pooled["confidence"], together.mean(axis=0))
    np.testing.assert_allclose(pooled["variability"], together.std(axis=0), atol=1e-7)
    assert pooled["evaluations"].tolist() == [8] * 4
    single = maps[maps["run"] == "odd-1"]  # one training epoch: no variability
    assert single["variability"].tolist() == [0.0] * 4


def test_a_single_evaluation_is_the_map_of_a_pretrained_model(tmp_path):
    got = datamaps.moments(decisions.read(hand_run(tmp_path, p_true=P_TRUE[:1])))
    assert got.count.tolist() == [1] * 4 and got.p_sum.tolist() == P_TRUE[0].tolist()


def test_roc_auc_equals_scikit_learn_with_ties(rng):
    score = rng.integers(0, 5, 300).astype(float)  # many ties
    positive = rng.random(300) < 0.3
    assert datamaps.roc_auc(score, positive) == pytest.approx(roc_auc_score(positive, score))
    assert math.isnan(datamaps.roc_auc(score, np.zeros(300, bool)))


def test_region_and_auc_tables_count_by_hand(tmp_path):
    path = hand_run(tmp_path)
    maps = datamaps.read_maps({"base-1": path}, ["base-1"], datamaps.Thresholds(0.5, 0.2))
    images = pd.DataFrame({"image_id": range(4),
                           "category": ["trivial", "in_between", "impossible", "in_between"]})
    maps = datamaps.with_categories(maps, images)
    table = datamaps.region_table(maps)
    assert len(table) == 2 * len(datamaps.REGIONS) * 3  # every cell, zeros included
    one = table[table["run"] == "base-1"].set_index(["region", "category"])["images"]
    expected = pd.crosstab(maps.loc[maps["run"] == "base-1", "region"],
                           maps.loc[maps["run"] == "base-1", "category"]).stack()
    for (region, category), count in expected.items():
        assert one[(region, category)] == count
    assert one.sum() == 4
    auc = datamaps.auc_table(maps, ["base-1"]).set_index(["run", "category", "score"])
    confidence = maps.loc[maps["run"] == "base-1", "confidence"].to_numpy()
    # impossible image 2 has the lowest confidence of the four: AUC 1
    assert confidence.argmin() == 2
    assert auc.loc[("base-1", "impossible", "confidence"), "auc"] == 1.0
    assert auc.loc[("base-1", "impossible", "confidence"), "in_histogram"]


def test_a_table_without_confidence_is_an_error_naming_it_and_the_switch(tmp_path, rng):
    path = tmp_path / "old-1.parquet"
    decisions.write(path, decisions.from_predictions(rng.integers(0, 2, (2, 4)), np.zeros(4)),
                    {**META, "run": "old-1"})
    with pytest.raises(ValueError, match=r"old-1.parquet has no p_true.*train.confidence"):
        datamaps.read_maps({"old-1": path}, ["old-1"], datamaps.Thresholds())


def test_flagged_images_are_counted_in_their_cells(tmp_path):
    maps = datamaps.read_maps({"base-1": hand_run(tmp_path)}, ["base-1"],
                              datamaps.Thresholds(0.5, 0.2))
    images = pd.DataFrame({"image_id": range(4),
                           "category": ["trivial"] * 2 + ["impossible"] * 2})
    maps = datamaps.with_flags(datamaps.with_categories(maps, images), np.array([3, 2, 1, 0]),
                               np.array([True, False, False, True]))  # images 3 and 0
    assert maps.loc[maps["run"] == "base-1", "flagged"].tolist() == [True, False, False, True]
    table = datamaps.region_table(maps).set_index(["run", "region", "category"]).sort_index()
    for run in ("base-1", datamaps.POOLED):
        one = maps[maps["run"] == run]
        for (region, category), cell in one.groupby(["region", "category"]):
            assert table.loc[(run, region, category), "flagged"] == cell["flagged"].sum()
        assert table.loc[run, "flagged"].sum() == 2
