import numpy as np
import pandas as pd
import pytest
from scipy.stats import binom

from ddd.analysis import difficulty, statistics, tabulate

# 5 runs x 8 images; runs right per image: 0, 1, 2, 3, 4, 5, 5, 5.
COUNTS = np.array([0, 1, 2, 3, 4, 5, 5, 5])
MATRIX = np.arange(5)[:, None] < COUNTS


def wide(correct: np.ndarray, runs: list[str] | None = None) -> pd.DataFrame:
    """correctness.parquet's wide table for a runs x images matrix."""
    runs = runs or [f"run-{k}" for k in range(len(correct))]
    ids = np.arange(correct.shape[1]) * 10 + 3
    return pd.DataFrame({"label": np.arange(correct.shape[1]) % 3,
                         **dict(zip(runs, correct, strict=True))},
                        index=pd.Index(ids, name="image_id"))


def tables(correct: np.ndarray, tolerance: int, all_but: int, flags=None):
    """difficulty_tables on the image table of a runs x images matrix."""
    images = difficulty.image_table(wide(correct), [f"run-{k}" for k in range(len(correct))],
                                    tolerance)
    return tabulate.difficulty_tables(images, correct.mean(axis=1), all_but, flags)


def test_image_table_at_tolerance_0_and_1():
    correct = wide(MATRIX)
    runs = [f"run-{k}" for k in range(5)]
    exact = difficulty.image_table(correct, runs, 0)
    assert exact.columns.tolist() == difficulty.IMAGE_COLUMNS
    assert exact["image_id"].tolist() == correct.index.tolist()
    assert exact["label"].tolist() == correct["label"].tolist()
    assert exact["n_correct"].tolist() == COUNTS.tolist()
    assert exact["share_right"].tolist() == pytest.approx(COUNTS / 5)
    assert (exact["runs"] == 5).all() and (exact["tolerance"] == 0).all()
    assert exact["category"].tolist() == ["impossible", *["in_between"] * 4, *["trivial"] * 3]
    loose = difficulty.image_table(correct, runs, 1)
    assert loose["category"].tolist() == [*["impossible"] * 2, *["in_between"] * 2,
                                          *["trivial"] * 4]
    # The table's own categories, and an explicit other tolerance, by index.
    names = np.asarray(difficulty.CATEGORIES)
    assert names[difficulty.categories(exact)].tolist() == exact["category"].tolist()
    assert names[difficulty.categories(exact, 1)].tolist() == loose["category"].tolist()


def test_image_table_counts_only_the_runs_it_is_given():
    correct = wide(MATRIX)
    images = difficulty.image_table(correct, ["run-4", "run-0"], 0)
    assert images["n_correct"].tolist() == (MATRIX[0].astype(int) + MATRIX[4]).tolist()
    assert (images["runs"] == 2).all()
    with pytest.raises(ValueError, match=r"no column for runs \['run-9'\]"):
        difficulty.image_table(correct, ["run-0", "run-9"], 0)
    with pytest.raises(ValueError, match="more than 4 runs"):
        difficulty.image_table(correct, ["run-0", "run-1", "run-2"], 2)
    with pytest.raises(ValueError, match="unknown categories"):
        difficulty.categories(images.assign(category="easy"))


def test_histogram_counts_images_per_number_of_correct_runs():
    correct = np.array([[1, 1, 0, 0, 1],
                        [1, 0, 0, 1, 1],
                        [1, 0, 0, 1, 0]], bool)
    counts = difficulty.n_correct(correct)
    assert counts.tolist() == [3, 1, 0, 2, 2]
    hist = difficulty.histogram(counts, 3)
    assert hist.tolist() == [1, 1, 2, 1]
    assert hist.sum() == correct.shape[1]


def test_binomial_reference_is_the_pmf():
    pmf = difficulty.binomial_reference(13, 0.69)
    assert pmf.sum() == pytest.approx(1.0)
    assert pmf[13] == pytest.approx(0.69**13)
    assert pmf[0] == pytest.approx(0.31**13)
    assert np.allclose(pmf, binom.pmf(np.arange(14), 13, 0.69))


def test_categories_and_shares_with_tolerance():
    counts = np.array([0, 1, 2, 3, 4, 5, 5, 5])
    strict = difficulty.categorise(counts, 5, 0)
    assert difficulty.shares(strict) == pytest.approx(
        {"impossible": 1 / 8, "in_between": 4 / 8, "trivial": 3 / 8})
    loose = difficulty.categorise(counts, 5, 1)
    assert difficulty.shares(loose) == pytest.approx(
        {"impossible": 2 / 8, "in_between": 2 / 8, "trivial": 4 / 8})


def test_tolerance_that_makes_categories_overlap_is_rejected():
    with pytest.raises(ValueError, match="more than 2 runs"):
        difficulty.categorise(np.array([0, 1, 2]), 2, 1)


def test_difficulty_tables_on_a_dichotomous_matrix():
    # 3 runs; 6 trivial images, 3 impossible, 1 in-between.
    correct = np.zeros((3, 10), bool)
    correct[:, :6] = True
    correct[0, 9] = True
    flags = np.zeros(10, bool)
    flags[[0, 9]] = True            # one trivial, one in-between image flagged
    hist, shares = tables(correct, tolerance=0, all_but=1, flags=flags)
    assert hist["images"].tolist() == [3, 1, 0, 6]
    assert hist["flagged"].tolist() == pytest.approx([0.0, 0.1, 0.0, 0.1])
    for reference in ("poisson_binomial", "difficulty_mixture"):
        assert hist[reference].sum() == pytest.approx(1.0)
    # Images all right or all wrong keep their bins in the difficulty mixture.
    assert hist["difficulty_mixture"].iloc[[0, 3]].tolist() == pytest.approx(
        [0.3 + 0.1 * (2 / 3) ** 3, 0.6 + 0.1 * (1 / 3) ** 3])
    assert hist["observed"].sum() == pytest.approx(1.0)
    assert hist["binomial"].sum() == pytest.approx(1.0)
    assert hist["mean_accuracy"].iloc[0] == pytest.approx(19 / 30)
    exact = shares[shares.tolerance == 0].set_index("category")["share"]
    assert exact.to_dict() == pytest.approx({"impossible": 0.3, "in_between": 0.1,
                                             "trivial": 0.6})
    binomial = shares[shares.tolerance == 0].set_index("category")["binomial"]
    assert binomial["trivial"] == pytest.approx((19 / 30) ** 3)


def test_summary_reports_accuracy_kappa_and_shares():
    import pandas as pd

    from ddd.analysis.summary import study_summary

    runs = pd.DataFrame({"run": ["base-1", "lr-1"], "condition": ["base", "lr"],
                         "instance": [1, 1], "accuracy": [0.5, 0.7]})
    vs_base = pd.DataFrame({"condition": ["lr", "lr"], "run": ["lr-1", "lr-1"],
                            "reference": ["base-1"] * 2, "subset": ["all", "in_between"],
                            "kappa": [0.8, 0.25]})
    _, shares = tables(np.array([[1, 0, 1, 0], [1, 1, 1, 0]], bool), tolerance=0, all_but=0)
    text = study_summary("s", runs, vs_base, shares, n_images=4, n_classes=2)
    assert "accuracy: mean 60.0%, range 50.0% .. 70.0%" in text
    assert "0.800 on all images, 0.250 on in-between images" in text
    assert "trivial  50.0%, impossible  25.0%, in-between  25.0%" in text


def test_shares_and_summary_count_impossible_images_that_are_not_flagged():
    import pandas as pd

    from ddd.analysis.summary import study_summary

    correct = np.zeros((3, 10), bool)
    correct[:, :5] = True            # 5 trivial, 5 impossible images
    flags = np.zeros(10, bool)
    flags[[0, 5, 6]] = True          # one trivial, two impossible images flagged
    _, shares = tables(correct, tolerance=0, all_but=1, flags=flags)
    exact = shares[shares.tolerance == 0].set_index("category")
    assert exact.loc["impossible", ["share", "flagged", "not_flagged"]].tolist() == \
        pytest.approx([0.5, 0.2, 0.3])
    assert exact.loc["trivial", "not_flagged"] == pytest.approx(0.4)
    runs = pd.DataFrame({"run": ["base-1"], "condition": ["base"], "instance": [1],
                         "accuracy": [0.5]})
    vs_base = pd.DataFrame(columns=["condition", "subset", "kappa"])
    text = study_summary("s", runs, vs_base, shares, 10, 2, flag_label="label errors")
    assert "exact: impossible and not label errors  30.0% of images (60.0% of the" in text


def test_histogram_and_shares_agree_with_the_image_table():
    correct = MATRIX
    for tolerance, all_but in [(0, 1), (1, 0), (1, 1), (0, 2)]:
        hist, shares = tables(correct, tolerance, all_but)
        assert sorted(shares["tolerance"].unique()) == sorted({tolerance, all_but})
        images = difficulty.image_table(wide(correct), [f"run-{k}" for k in range(5)],
                                        tolerance)
        own = shares[shares.tolerance == tolerance].set_index("category")["share"]
        counted = images["category"].value_counts(normalize=True)
        assert own.to_dict() == pytest.approx(counted.reindex(own.index, fill_value=0).to_dict())
        assert hist["images"].tolist() == np.bincount(images["n_correct"], minlength=6).tolist()
    # The same numbers the runs x images matrix gives directly, to the last bit.
    assert hist["mean_accuracy"].iloc[0] == float(correct.mean())
    assert hist["poisson_binomial"].tolist() == statistics.poisson_binomial(
        correct.mean(axis=1)).tolist()
    with pytest.raises(ValueError, match="4 run accuracies for an image table of 5 runs"):
        tabulate.difficulty_tables(images, np.ones(4), 1)
