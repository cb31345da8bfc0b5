"""Class-confusion experiments: relabelling, the spec, statistics and figures."""

from __future__ import annotations

from pathlib import Path

import matplotlib.image
import numpy as np
import pandas as pd
import pytest

from ddd.confusion import design, stats
from ddd.plots import base
from ddd.plots import confusion as confusion_plots

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def labels(rng) -> np.ndarray:
    # Uneven class sizes, one odd: 0 has 41 images, 3 has 30, 7 has 25, 9 has 4.
    out = np.repeat([0, 3, 7, 9], [41, 30, 25, 4]).astype(np.int16)
    return rng.permutation(out)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_relabel_moves_exactly_half_of_a_to_b_and_nothing_else(labels, seed):
    new = design.relabel(labels, 0, 7, seed)
    changed = new != labels
    assert changed.sum() == 41 // 2
    assert (labels[changed] == 0).all() and (new[changed] == 7).all()
    assert (new == 0).sum() == 41 - 20 and (new == 7).sum() == 25 + 20
    assert new.dtype == labels.dtype and labels is not new


def test_relabel_both_ways_moves_half_of_each(labels):
    new = design.relabel(labels, 3, 7, seed=5, both_ways=True)
    changed = new != labels
    assert ((labels == 3) & changed).sum() == 15 and ((labels == 7) & changed).sum() == 12
    assert (new[(labels == 3) & changed] == 7).all()
    assert (new[(labels == 7) & changed] == 3).all()
    assert not changed[(labels != 3) & (labels != 7)].any()


def test_relabel_is_seeded_and_differs_between_seeds(labels):
    first = design.relabel(labels, 0, 3, seed=1)
    assert np.array_equal(first, design.relabel(labels, 0, 3, seed=1))
    assert not np.array_equal(first, design.relabel(labels, 0, 3, seed=2))


def test_relabel_rejects_a_pair_of_one_class_or_a_missing_class(labels):
    with pytest.raises(ValueError, match="itself"):
        design.relabel(labels, 3, 3, seed=0)
    with pytest.raises(ValueError, match="class 5 has no training images"):
        design.relabel(labels, 5, 3, seed=0)


def test_spaced_classes_and_pairs():
    assert design.spaced_classes(100, 10) == [0, 11, 22, 33, 44, 55, 66, 77, 88, 99]
    assert design.spaced_classes(5, 10) == [0, 1, 2, 3, 4]
    assert design.class_pairs([2, 5, 9], "adjacent") == [(2, 5), (5, 9)]
    assert design.class_pairs([2, 5, 9], "all") == [(2, 5), (2, 9), (5, 9)]
    assert design.class_pairs([2, 5, 9], [[9, 2]]) == [(9, 2)]
    with pytest.raises(ValueError, match="confusion subset"):
        design.class_pairs([2, 5, 9], [[2, 4]])
    with pytest.raises(ValueError, match="unknown pairs"):
        design.class_pairs([2, 5, 9], "neighbours")


def test_build_spec_and_its_paths():
    spec = design.build_spec({"classes": 10, "pairs": "adjacent", "repeats": 2,
                                 "both_ways": False, "train_per_class": None, "recipe": {},
                                 "alpha": 0.05, "correction": "holm"}, num_classes=10)
    assert spec.classes == tuple(range(10)) and len(spec.pairs) == 9
    assert spec.pair_ids[:2] == ["control", "0-1"]
    assert spec.repeat_seeds({"init_seed": 3, "data_seed": 0}, 2) == {"init_seed": 5,
                                                                      "data_seed": 2}
    assert len(spec.decision_tables("s")) == 2 * 10
    assert spec.decision_tables("s")[:3] == [
        "results/s/confusion/decisions/control/1.parquet",
        "results/s/confusion/decisions/control/2.parquet",
        "results/s/confusion/decisions/0-1/1.parquet"]
    assert design.targets({"s": spec}) == [
        "results/s/confusion/effects.csv",
        *(f"results/s/confusion/figures/confusion_{f}.{e}"
          for f in ("effects", "information") for e in ("png", "pdf"))]
    with pytest.raises(ValueError, match="distinct classes of 0..9"):
        design.build_spec({"classes": [1, 2, 12]}, num_classes=10)
    assert design.dataset_classes({"kind": "cifar100", "path": "x"}) == 100
    with pytest.raises(ValueError, match="in-memory dataset"):
        design.dataset_classes({"kind": "imagenet", "path": "x"})


def test_subset_indices_and_positions(labels):
    keep = design.subset_indices(labels, [7, 3], per_class=4)
    assert len(keep) == 8 and (np.diff(keep) > 0).all()
    assert sorted(labels[keep].tolist()) == [3] * 4 + [7] * 4
    assert design.to_positions(labels[keep], [7, 3]).tolist() == [
        {7: 0, 3: 1}[c] for c in labels[keep]]
    with pytest.raises(ValueError, match="only 4 training images"):
        design.subset_indices(labels, [9], per_class=5)
    with pytest.raises(ValueError, match="outside the confusion classes"):
        design.to_positions(labels, [0, 3])


def test_one_vs_rest_bits_perfect_independent_and_partial():
    labels = np.repeat([0, 1, 2, 3], 25)
    share = 0.25
    entropy = -(share * np.log2(share) + (1 - share) * np.log2(1 - share))
    assert stats.one_vs_rest_bits(labels, labels, 0) == pytest.approx(entropy)
    # Saying 0 on exactly a quarter of every class: independent of being 0.
    independent = np.where(np.tile(np.arange(25) < 5, 4) | (np.arange(100) % 25 == 24),
                           0, 1)
    assert stats.one_vs_rest_bits(labels, independent, 0) == pytest.approx(0.0)
    partial = labels.copy()
    partial[:10] = 1  # 10 of class 0 missed
    bits = stats.one_vs_rest_bits(labels, partial, 0)
    assert 0 < bits < entropy


def synthetic_scores(rng, planted: dict[tuple[str, int], float], repeats: int = 10,
                     classes: range = range(6), noise: float = 0.02) -> pd.DataFrame:
    """Accuracy samples: every class at 0.7 plus noise; `planted` shifts (pair, class)."""
    rows = []
    pairs = {"control": (-1, -1), "0-1": (0, 1), "2-3": (2, 3)}
    for pair, (a, b) in pairs.items():
        for repeat in range(1, repeats + 1):
            for cls in classes:
                acc = 0.7 + planted.get((pair, cls), 0.0) + noise * rng.standard_normal()
                rows.append({"pair": pair, "a": a, "b": b, "repeat": repeat, "class": cls,
                             "accuracy": acc, "bits": acc / 10})
    return pd.DataFrame(rows)


@pytest.mark.parametrize("correction", ["benjamini_hochberg", "holm"])
def test_effects_find_a_planted_effect_and_nothing_elsewhere(correction):
    """Over 20 synthetic experiments: the planted effects always, false positives rarely
    (the correction holds them near alpha per experiment, not per test)."""
    planted = {("0-1", 4): 0.08, ("2-3", 5): -0.06, ("0-1", 0): -0.5}
    false_positives = 0
    for seed in range(20):
        scores = synthetic_scores(np.random.default_rng(seed), planted)
        table = stats.effects(scores, alpha=0.05, correction=correction)
        assert len(table) == 2 * 6
        found = set(zip(*table.loc[table["significant"], ["pair", "target"]].T.values,
                        strict=True))
        assert {("0-1", 4), ("2-3", 5)} <= found
        false_positives += len(found - {("0-1", 4), ("2-3", 5)})
        by_cell = table.set_index(["pair", "target"])
        assert by_cell.loc[("0-1", 4), "std_devs"] > 2  # planted: 4
        assert by_cell.loc[("0-1", 4), "difference"] == pytest.approx(0.08, abs=0.03)
        assert by_cell.loc[("2-3", 5), "std_devs"] < -1  # planted: -3
        own = table[table["role"] != "other"]  # A and B: tested, not in the family
        assert own["p_adjusted"].isna().all() and not own["significant"].any()
        assert by_cell.loc[("0-1", 0), "p_value"] < 1e-6
        other = table[table["role"] == "other"]
        assert (other["p_adjusted"] >= other["p_value"]).all()
        assert table["bits_difference"].to_numpy() == pytest.approx(
            table["difference"].to_numpy() / 10)
    assert false_positives <= 3  # 120 null tests


def test_effects_without_a_planted_effect_find_nothing():
    experiments_with_a_finding = sum(
        stats.effects(synthetic_scores(np.random.default_rng(seed), {}))[
            "significant"].any()
        for seed in range(20))
    assert experiments_with_a_finding <= 2  # about alpha = 5% of experiments expected


def test_correction_is_what_stops_the_false_positives(rng):
    """Without an effect, raw p < 0.05 happens among many tests; adjusted, it does not."""
    scores = synthetic_scores(rng, {}, repeats=4, classes=range(40))
    table = stats.effects(scores, correction="holm")
    other = table[table["role"] == "other"]
    assert (other["p_value"] < 0.05).sum() >= 1
    assert not other["significant"].any()


def test_adjust_against_hand_computed_values():
    p = np.array([0.01, 0.04, 0.03, np.nan, 0.20])
    holm = stats.adjust(p, "holm")
    assert holm[[0, 2, 1, 4]] == pytest.approx([0.04, 0.09, 0.09, 0.20])
    assert np.isnan(holm[3])
    bh = stats.adjust(p, "benjamini_hochberg")
    assert bh[[0, 2, 1, 4]] == pytest.approx([0.04, 0.04 * 4 / 3, 0.04 * 4 / 3, 0.20])
    with pytest.raises(ValueError, match="valid: benjamini_hochberg, holm"):
        stats.adjust(p, "bonferroni")


def test_welch_and_std_devs_edge_cases():
    assert np.isnan(stats.welch([0.5], [0.4, 0.6])[1])
    assert np.isnan(stats.welch([0.5, 0.5], [0.5, 0.5])[1])
    assert stats.std_devs(np.array([0.6, 0.6]), np.array([0.5, 0.5])) == np.inf
    assert stats.std_devs(np.array([0.4, 0.6]), np.array([0.4, 0.6])) == 0.0


def test_effects_need_controls(rng):
    scores = synthetic_scores(rng, {})
    with pytest.raises(ValueError, match="no control runs"):
        stats.effects(scores[scores["pair"] != "control"])


def test_source_table_and_heatmaps(rng, tmp_path):
    table = stats.effects(synthetic_scores(rng, {("0-1", 4): 0.1}))
    names = {c: f"sigma={c}" for c in range(6)}
    source = stats.source_table(table, names)
    assert len(source) == 2 * 4
    assert source.iloc[0][["target", "confused"]].tolist() == ["sigma=4",
                                                               "sigma=0 -> sigma=1"]
    assert source["significant"].iloc[0]
    assert (source["significant"] == (source["p_adjusted"] < 0.05)).all()
    assert source["p_value"].is_monotonic_increasing
    figures = [confusion_plots.effects_heatmap(table, names, False, "holm", "t"),
               confusion_plots.information_heatmap(table, names, True, "t")]
    for i, fig in enumerate(figures):
        labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
        assert labels == ["sigma=0 → sigma=1", "sigma=2 → sigma=3"] if i == 0 else \
            labels == ["sigma=0 ↔ sigma=1", "sigma=2 ↔ sigma=3"]
        cells = [t.get_text() for t in fig.axes[0].texts]
        assert cells.count("A") == 2 and cells.count("B") == 2
        stars = sum(c.endswith("*") for c in cells)
        assert stars == (table["significant"].sum() if i == 0 else 0)
        assert len(cells) == 2 * 6
        png = tmp_path / f"fig{i}.png"
        base.save(fig, [png, png.with_suffix(".pdf")], 60)
        assert matplotlib.image.imread(png)[..., :3].std() > 0.05


