import numpy as np
import pandas as pd
import pytest

from ddd.analysis import classes
from ddd.datasets import arrays


def test_class_accuracy_matches_a_brute_force_loop(rng):
    labels = rng.integers(0, 7, size=300)
    labels[labels == 5] = 6                      # class 5 has no images
    correct = rng.random((3, 300)) < np.linspace(0.1, 0.9, 3)[:, None]
    table = classes.class_accuracy(correct, labels, ["a", "b", "c"])
    assert table.columns.tolist() == ["run", "class", "images", "accuracy"]
    assert 5 not in set(table["class"])
    expected = [(run, c, int((labels == c).sum()), correct[r, labels == c].mean())
                for r, run in enumerate(["a", "b", "c"]) for c in range(7)
                if (labels == c).any()]
    assert list(zip(table["run"], table["class"], table["images"], strict=True)) == [
        e[:3] for e in expected]
    assert table["accuracy"].tolist() == pytest.approx([e[3] for e in expected])


def test_class_accuracy_rejects_mismatched_inputs():
    with pytest.raises(ValueError, match="labels have shape"):
        classes.class_accuracy(np.ones((2, 4), bool), np.zeros(3, int), ["a", "b"])
    with pytest.raises(ValueError, match="1 run ids for 2 runs"):
        classes.class_accuracy(np.ones((2, 4), bool), np.zeros(4, int), ["a"])


def test_class_names_from_names_sigmas_or_indices():
    assert arrays.class_names({"class_names": ["cat", "dog", "owl"]}, 2) == ["cat", "dog"]
    assert arrays.class_names({"sigmas": [1.0, 2.5, 10.0]}, 3) == [
        "sigma=1", "sigma=2.5", "sigma=10"]
    assert arrays.class_names({"splits": {}}, 3) == ["class 0", "class 1", "class 2"]
    with pytest.raises(ValueError, match="lists 1 sigmas for 2 classes"):
        arrays.class_names({"sigmas": [1.0]}, 2)


def known_table() -> pd.DataFrame:
    # Mean accuracy over the two runs: class 0 0.9, 1 0.5, 2 0.9, 3 0.1, 4 0.5, 5 0.3.
    acc = {"base": [1.0, 0.4, 0.8, 0.0, 0.6, 0.2], "other": [0.8, 0.6, 1.0, 0.2, 0.4, 0.4]}
    return pd.DataFrame([{"run": run, "class": c, "images": 10, "accuracy": a}
                         for run, values in acc.items() for c, a in enumerate(values)])


def test_easiest_and_hardest_with_ties_and_base_run():
    names = [f"n{c}" for c in range(6)]
    table = classes.easiest_and_hardest(known_table(), names, n=3, base_run="base")
    assert table.columns.tolist() == ["kind", "rank", "class", "name", "mean_accuracy",
                                      "base_accuracy"]
    easiest = table[table["kind"] == "easiest"]
    hardest = table[table["kind"] == "hardest"]
    # Ranked by the base run's accuracy, as in the paper.
    assert easiest["class"].tolist() == [0, 2, 4]
    assert hardest["class"].tolist() == [3, 5, 1]
    assert easiest["rank"].tolist() == [1, 2, 3]
    assert easiest["name"].tolist() == ["n0", "n2", "n4"]
    assert easiest["mean_accuracy"].tolist() == pytest.approx([0.9, 0.9, 0.5])
    assert hardest["base_accuracy"].tolist() == pytest.approx([0.0, 0.2, 0.4])
    # Without a base run, by the mean over runs: 0.9 tie -> class 0 first; 0.5 tie -> 1.
    by_mean = classes.easiest_and_hardest(known_table(), names, n=3)
    assert by_mean.loc[by_mean["kind"] == "easiest", "class"].tolist() == [0, 2, 1]
    assert by_mean.loc[by_mean["kind"] == "hardest", "class"].tolist() == [3, 5, 1]


def test_easiest_and_hardest_without_base_run_and_overlapping_lists():
    table = classes.easiest_and_hardest(known_table(), list("abcdef"), n=10)
    assert (table["kind"] == "easiest").sum() == 6
    assert table["base_accuracy"].isna().all()
    with pytest.raises(ValueError, match="base run 'gone'"):
        classes.easiest_and_hardest(known_table(), list("abcdef"), base_run="gone")
    with pytest.raises(ValueError, match="5 class names for class index 5"):
        classes.easiest_and_hardest(known_table(), list("abcde"))
