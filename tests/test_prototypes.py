"""Prototypes and criticisms of a study: classes by label and by prediction, the selection
table against MMD-critic on each class, the enrichment counts by hand and Fisher's test
against scipy, and the two-sample test on planted features."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import fisher_exact

from ddd import features
from ddd.analysis import mmd_critic, prototypes


def planted(seed: int = 0) -> tuple[features.Features, pd.DataFrame]:
    """Three classes of 20 subset images (of 80 evaluation images); in each class the
    last 2 images lie far away and are the impossible ones; the run predicts class 2 for
    class 0's far images."""
    rng = np.random.default_rng(seed)
    ids = np.arange(80)
    labels = np.repeat([0, 1, 2, 3], 20).astype(np.int16)
    subset = ids[:60]
    act = rng.normal(size=(60, 4)) + labels[:60, None] * 4.0
    far = np.concatenate([np.arange(c * 20 + 18, c * 20 + 20) for c in range(3)])
    act[far] += 30.0
    logits = np.eye(4)[labels] * 5.0
    logits[[18, 19]] = np.eye(4)[2] * 5.0
    found = features.Features(ids, labels, logits, subset, act, "output")
    category = np.where(np.isin(ids, far), "impossible", "trivial")
    category[60:] = "in_between"
    images = pd.DataFrame({"image_id": ids, "category": category,
                           "n_correct": np.where(category == "trivial", 3, 0)})
    return found, images


def test_classes_by_label_and_by_prediction() -> None:
    found, _ = planted()
    by_label = prototypes.class_members(found, "label")
    by_prediction = prototypes.class_members(found, "prediction")
    assert {c: len(m) for c, m in by_label.items()} == {0: 20, 1: 20, 2: 20}
    assert {c: len(m) for c, m in by_prediction.items()} == {0: 18, 1: 20, 2: 22}
    assert {18, 19} <= set(by_prediction[2])


def test_selection_is_mmd_critic_on_each_class() -> None:
    found, images = planted()
    settings = prototypes.Settings(prototypes=3, criticisms=2)
    table = prototypes.run_selection("r", found, images, settings)
    members = prototypes.class_members(found, "prediction")[2]
    direct = mmd_critic.mmd_critic(found.activations[members].astype(np.float64), 3, 2)
    rows = table[(table["mode"] == "prediction") & (table["class"] == 2)]
    assert rows.loc[rows["role"] == "prototype", "image_id"].tolist() == list(
        found.rsa_image_ids[members[direct.prototypes]])
    criticisms = rows[rows["role"] == "criticism"]
    assert criticisms["image_id"].tolist() == list(found.rsa_image_ids[members[direct.criticisms]])
    assert (rows["class_images"] == 22).all()
    # the far images are each class's criticisms by label
    by_label = table[(table["mode"] == "label") & (table["role"] == "criticism")]
    assert set(by_label["category"]) == {"impossible"}
    assert len(table) == 2 * (3 * 5)


def test_enrichment_counts_and_fisher_test() -> None:
    found, images = planted()
    settings = prototypes.Settings(prototypes=3, criticisms=2)
    table = prototypes.run_selection("r", found, images, settings)
    pool = prototypes.candidates("r", found, images)
    result = prototypes.enrichment(table, pool).set_index(["mode", "role", "category"])
    row = result.loc[("label", "criticism", "impossible")]
    # by hand: 6 criticisms, all impossible; 6 impossible and 54 trivial subset images
    assert (row["selected_in"], row["selected_out"], row["other_in"], row["other_out"]) == (
        6, 0, 0, 54)
    assert row["p_value"] == pytest.approx(
        fisher_exact([[6, 0], [0, 54]], alternative="greater")[1])
    proto = result.loc[("label", "prototype", "trivial")]
    assert (proto["selected_in"] + proto["selected_out"]) == 9
    assert (proto["selected_in"] + proto["selected_out"] + proto["other_in"]
            + proto["other_out"]) == 60


def test_two_sample_test_finds_the_planted_shift() -> None:
    found, images = planted()
    out = prototypes.two_sample("r", found, images, prototypes.Settings(permutations=99))
    assert (out["trivial"], out["impossible"]) == (54, 6)
    assert out["p_value"] == pytest.approx(1 / 100)
    few = images.assign(category="trivial")
    assert np.isnan(prototypes.two_sample("r", found, few, prototypes.Settings())["p_value"])
