"""Explanations' bookkeeping: the seeded sample of explained images, map similarity against
scipy, pairs beside kappa, and the patch share by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import spearmanr

from ddd.analysis import explanations


def image_table() -> pd.DataFrame:
    category = np.array(["trivial"] * 10 + ["in_between"] * 3 + ["impossible"] * 7 * 1)
    return pd.DataFrame({"image_id": np.arange(20), "label": np.arange(20) % 4,
                         "category": category})


def test_sample_takes_each_category_and_conflicts_seeded():
    conflicts = np.array([15, 16, 17, 18, 19])
    chosen = explanations.sample(image_table(), 4, 0, conflicts, 2)
    counts = chosen.groupby(["category", "conflict"]).size().to_dict()
    assert counts == {("impossible", False): 2, ("impossible", True): 2,
                      ("in_between", False): 3, ("trivial", False): 4}
    assert chosen.loc[chosen["conflict"], "image_id"].isin(conflicts).all()
    assert chosen["image_id"].is_unique
    again = explanations.sample(image_table(), 4, 0, conflicts, 2)
    assert chosen.equals(again)
    other = explanations.sample(image_table(), 4, 1, conflicts, 2)
    assert not chosen["image_id"].equals(other["image_id"])


def test_map_similarity_is_the_mean_spearman_over_varying_maps():
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(3, 5, 5)), rng.normal(size=(3, 5, 5))
    b[2] = 1.0  # constant: left out
    expected = np.mean([spearmanr(a[i].ravel(), b[i].ravel())[0] for i in (0, 1)])
    assert explanations.map_similarity(a, b) == pytest.approx(expected)
    assert np.isnan(explanations.map_similarity(a[2:], b[2:]))


def test_pairs_sit_beside_their_kappa_and_patch_share_by_hand():
    rng = np.random.default_rng(1)
    maps = {run: {m: rng.normal(size=(4, 2, 6, 6)) for m in explanations.METHODS}
            for run in ("a", "b", "c")}
    kappa = pd.DataFrame({"subset": ["all", "all", "all", "in_between"],
                          "run_a": ["a", "a", "b", "a"], "run_b": ["b", "c", "c", "b"],
                          "kappa": [0.1, 0.2, 0.3, 0.9]})
    pairs = explanations.pair_table(maps, kappa)
    assert len(pairs) == 3 * 2 * 2
    row = pairs[(pairs["run_a"] == "a") & (pairs["run_b"] == "c")
                & (pairs["method"] == "grad_cam") & (pairs["target"] == "predicted")]
    assert row["kappa"].item() == 0.2
    assert row["similarity"].item() == pytest.approx(explanations.map_similarity(
        maps["a"]["grad_cam"][:, 1], maps["c"]["grad_cam"][:, 1]))
    mask = explanations.patch_mask((6, 6), {"size": 2, "margin": 1})
    assert np.argwhere(mask).tolist() == [[3, 3], [3, 4], [4, 3], [4, 4]]
    share = explanations.patch_share(maps["a"], np.array([0, 2]), mask)
    mass = np.abs(maps["a"]["integrated_gradients"][[0, 2], 0])
    assert share["integrated_gradients", "true"] == pytest.approx(
        mass[:, 3:5, 3:5].sum() / mass.sum())
