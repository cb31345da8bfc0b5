import numpy as np
import pandas as pd
import pytest

from ddd import decisions
from ddd.analysis import difficulty, dynamics
from tests.conftest import write_run


def image_table(final: np.ndarray, image_ids: np.ndarray, labels: np.ndarray,
                tolerance: int = 0) -> pd.DataFrame:
    """The per-image table of a (runs, images) matrix of final decisions."""
    runs = [f"r{k}" for k in range(len(final))]
    wide = pd.DataFrame({"label": labels, **dict(zip(runs, final, strict=True))},
                        index=pd.Index(image_ids, name="image_id"))
    return difficulty.image_table(wide, runs, tolerance)

# Rows are images over 5 epochs; transposed to (epochs, images) below.
HISTORIES = np.array([[0, 1, 1, 1, 1],
                      [1, 0, 1, 0, 1],
                      [1, 1, 1, 1, 0],
                      [0, 0, 0, 0, 0],
                      [1, 1, 1, 1, 1]], bool)
CORRECT = HISTORIES.T


def test_first_learned_and_forgetting_on_hand_made_histories():
    assert dynamics.first_learned(CORRECT).tolist() == [1, 4, -1, -1, 0]
    assert dynamics.forgetting_events(CORRECT).tolist() == [0, 2, 1, 0, 0]


def test_decision_changes_counts_a_switch_between_two_wrong_classes():
    labels = np.array([0, 1, 2, 3])
    predictions = np.array([[0, 5, 2, 3],    # image 1 wrong (5)
                            [0, 6, 2, 0],    # image 1 wrong (6); image 3 becomes wrong
                            [0, 6, 2, 0]])   # nothing changes
    changes = dynamics.decision_changes(predictions, predictions == labels)
    assert changes.columns.tolist() == ["epoch", "prediction_changed", "correctness_changed"]
    assert changes["epoch"].tolist() == [0, 1]
    assert changes["prediction_changed"].tolist() == pytest.approx([0.5, 0.0])
    assert changes["correctness_changed"].tolist() == pytest.approx([0.25, 0.0])


def test_decision_changes_of_a_single_epoch_is_empty_and_shapes_must_match():
    single = dynamics.decision_changes(np.array([[1, 2]]), np.array([[True, False]]))
    assert single.empty
    assert single.columns.tolist() == ["epoch", "prediction_changed", "correctness_changed"]
    with pytest.raises(ValueError, match="differ in shape"):
        dynamics.decision_changes(np.zeros((3, 4)), np.zeros((3, 5), bool))
    with pytest.raises(ValueError, match="non-empty"):
        dynamics.first_learned(np.zeros((0, 4), bool))


def test_epoch_matrices_round_trips_from_predictions(rng):
    predictions = rng.integers(0, 4, size=(6, 30))
    labels = rng.integers(0, 4, size=30)
    image_ids = np.sort(rng.choice(1000, 30, replace=False))
    table = decisions.from_predictions(predictions, labels, image_ids=image_ids).to_pandas()
    run = dynamics.epoch_matrices(table)
    assert np.array_equal(run.predictions, predictions)
    assert np.array_equal(run.correct, predictions == labels)
    assert np.array_equal(run.image_ids, image_ids)
    assert np.array_equal(run.labels, labels)
    assert run.epochs.tolist() == list(range(6))
    with pytest.raises(ValueError, match="sorted by epoch"):
        dynamics.epoch_matrices(table.sample(frac=1.0, random_state=0))


def test_order_by_mean_sorts_descending_and_keeps_image_order_on_ties():
    correct = np.array([[0, 1, 1, 0, 1],
                        [0, 1, 0, 1, 1],
                        [1, 1, 0, 0, 1]], bool)   # means 1/3, 1, 1/3, 1/3, 1
    assert dynamics.order_by_mean(correct).tolist() == [1, 4, 0, 2, 3]
    final = np.array([0.5, 0.0, 1.0, 0.5, 0.5])
    assert dynamics.order_by_mean(correct, final=final).tolist() == [2, 4, 0, 3, 1]
    with pytest.raises(ValueError, match="final has shape"):
        dynamics.order_by_mean(correct, final=final[:3])


def test_share_right_over_epochs_cuts_runs_to_the_common_epochs():
    a = np.array([[1, 0], [1, 1], [0, 1]], bool)
    b = np.array([[0, 0], [1, 0]], bool)
    share = dynamics.share_right_over_epochs([a, b])
    assert share.dtype == np.float32
    assert share.tolist() == [[0.5, 0.0], [1.0, 0.5]]
    with pytest.raises(ValueError, match="different numbers of images"):
        dynamics.share_right_over_epochs([a, np.ones((3, 3), bool)])
    with pytest.raises(ValueError, match="no runs"):
        dynamics.share_right_over_epochs([])


def dichotomous_atlas(tolerance: int = 0) -> pd.DataFrame:
    """Four runs over 5 epochs on 6 images: 0-2 trivial, 3-5 impossible."""
    final = np.zeros((4, 6), bool)
    final[:, :3] = True
    learned = np.where(final, np.array([[0], [1], [2], [4]]), -1)
    forgetting = np.zeros((4, 6), int)
    forgetting[0, 0] = 2
    forgetting[2, 0] = 1
    forgetting[1, 4] = 1
    images = image_table(final, np.arange(10, 16), np.arange(6) % 2, tolerance)
    return dynamics.atlas(images, final, learned, forgetting)


def test_atlas_on_a_dichotomous_table():
    atlas = dichotomous_atlas()
    assert atlas.columns.tolist() == dynamics.ATLAS_COLUMNS
    assert atlas["image_id"].tolist() == list(range(10, 16))
    assert atlas["category"].tolist() == ["trivial"] * 3 + ["impossible"] * 3
    assert atlas["share_right"].tolist() == [1.0] * 3 + [0.0] * 3
    assert atlas["n_correct"].tolist() == [4] * 3 + [0] * 3
    assert (atlas["runs"] == 4).all()
    assert atlas["first_learned_median"].iloc[:3].tolist() == [1.5] * 3  # median of 0,1,2,4
    assert atlas["first_learned_median"].iloc[3:].isna().all()
    assert atlas["forgetting_events"].tolist() == [3, 0, 0, 0, 1, 0]
    assert atlas["forgetting_runs"].tolist() == [2, 0, 0, 0, 1, 0]


def test_atlas_median_over_the_runs_ending_right_and_categories_of_the_image_table():
    final = np.array([[1, 1, 1], [1, 0, 1], [0, 0, 1]], bool)
    learned = np.array([[3, 7, 0], [5, -1, 0], [-1, -1, 0]])
    forgetting = np.zeros((3, 3), int)
    for tolerance, expected in [(0, ["in_between", "in_between", "trivial"]),
                                (1, ["trivial", "impossible", "trivial"])]:
        images = image_table(final, np.arange(3), np.zeros(3), tolerance)
        atlas = dynamics.atlas(images, final, learned, forgetting)
        assert atlas["first_learned_median"].tolist() == [4.0, 7.0, 0.0]
        assert atlas["category"].tolist() == expected == images["category"].tolist()
    with pytest.raises(ValueError, match="-1 exactly where a run ends wrong"):
        dynamics.atlas(images, final, np.zeros((3, 3), int), forgetting)
    with pytest.raises(ValueError, match=r"forgetting has shape \(2, 3\)"):
        dynamics.atlas(images, final, learned, np.zeros((2, 3), int))
    with pytest.raises(ValueError, match="disagree with the image table"):
        dynamics.atlas(images.assign(n_correct=[3, 1, 3]), final, learned, forgetting)


def test_epoch_tables_read_decision_tables_and_take_categories_from_the_image_table(
        tmp_path, rng):
    labels = rng.integers(0, 3, 12)
    ids = np.arange(12) * 7
    predictions = [rng.integers(0, 3, (4, 12)) for _ in range(3)]
    paths = {f"r{k}": write_run(tmp_path / f"r{k}.parquet", p, labels, f"r{k}", "c", k + 1,
                                image_ids=ids) for k, p in enumerate(predictions)}
    final = np.array([p[-1] == labels for p in predictions])
    images = image_table(final, ids, labels)
    tables = dynamics.epoch_tables(paths, images)
    atlas = tables["atlas"]
    pd.testing.assert_frame_equal(atlas[images.columns.drop("tolerance")],
                                  images.drop(columns="tolerance"))
    assert tables["share_right"].index.tolist() == ids.tolist()
    assert tables["share_right"].columns.tolist() == ["0", "1", "2", "3"]
    assert tables["share_right"]["3"].tolist() == pytest.approx(images["share_right"])
    assert sorted(tables["changes"]["run"].unique()) == ["r0", "r1", "r2"]
    with pytest.raises(ValueError, match="covers other images than the image table"):
        dynamics.epoch_tables(paths, images.assign(image_id=ids + 1))


def atlas_with_bins(sizes: list[int]) -> pd.DataFrame:
    """An image table with sizes[k] images that k of len(sizes) - 1 runs get right."""
    counts = np.repeat(np.arange(len(sizes)), sizes)
    ids = np.random.default_rng(0).permutation(len(counts)) * 3
    return pd.DataFrame({"image_id": ids, "runs": len(sizes) - 1, "n_correct": counts})


def test_balanced_subset_is_flat_and_reproducible():
    atlas = atlas_with_bins([7, 5, 9, 6])
    subset = dynamics.balanced_subset(atlas, 4, seed=3)
    assert np.bincount(subset["n_correct"]).tolist() == [4, 4, 4, 4]
    assert subset["image_id"].is_monotonic_increasing
    assert set(subset["image_id"]) <= set(atlas["image_id"])
    again = dynamics.balanced_subset(atlas.iloc[::-1], 4, seed=3)
    pd.testing.assert_frame_equal(subset, again)
    other = dynamics.balanced_subset(atlas, 4, seed=4)
    assert not subset["image_id"].equals(other["image_id"])


def test_balanced_subset_defaults_to_smallest_bin_and_small_bins_give_all():
    atlas = atlas_with_bins([7, 2, 0, 6])
    assert dynamics.empty_bins(atlas) == [2]
    default = dynamics.balanced_subset(atlas, None, seed=0)
    assert np.bincount(default["n_correct"], minlength=4).tolist() == [2, 2, 0, 2]
    capped = dynamics.balanced_subset(atlas, 5, seed=0)
    assert np.bincount(capped["n_correct"], minlength=4).tolist() == [5, 2, 0, 5]
    small = atlas["image_id"][atlas["n_correct"] == 1]
    assert set(small) <= set(capped["image_id"])
    with pytest.raises(ValueError, match="at least 1"):
        dynamics.balanced_subset(atlas, 0, seed=0)
