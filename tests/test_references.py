"""Runs against a reference decision maker: kappa, relative accuracy, shared errors."""

import numpy as np
import pytest

from ddd.analysis import references
from tests.conftest import write_run


def test_a_run_equal_to_the_reference_agrees_fully_and_shares_every_error():
    reference = np.array([1, 1, 0, 1, 0, 1, 1, 0], bool)
    other = np.array([1, 0, 0, 1, 1, 1, 0, 1], bool)
    table = references.vs_reference(np.stack([reference, other]), ["same", "other"],
                                    reference, "ideal")
    same, diff = table.iloc[0], table.iloc[1]
    assert same["kappa"] == pytest.approx(1.0) and same["errors_shared"] == 1.0
    assert same["relative_accuracy"] == 1.0
    assert diff["accuracy"] == 0.625 and diff["reference_accuracy"] == 0.625
    assert diff["relative_accuracy"] == pytest.approx(1.0)
    assert diff["errors_shared"] == pytest.approx(1 / 3)  # errors at 1, 2, 6; ideal's at 2
    c_obs = 4 / 8
    c_exp = 0.625**2 + 0.375**2
    assert diff["kappa"] == pytest.approx((c_obs - c_exp) / (1 - c_exp))


def test_class_accuracy_of_reference_runs_and_their_mean():
    labels = np.array([0, 0, 1, 1])
    reference = np.array([1, 1, 1, 0], bool)
    runs = np.array([[1, 0, 0, 0], [1, 1, 1, 1]], bool)
    table = references.class_accuracy(runs, ["a", "b"], reference, "ideal", labels)
    acc = table.set_index(["decider", "class"])["accuracy"]
    assert acc["ideal", 0] == 1.0 and acc["ideal", 1] == 0.5
    assert acc["a", 0] == 0.5 and acc["b", 1] == 1.0
    assert acc["mean of runs", 0] == 0.75 and acc["mean of runs", 1] == 0.5
    assert table.loc[table["decider"] == "ideal", "is_reference"].all()


def test_reference_on_other_images_or_labels_is_refused(tmp_path):
    labels = np.array([0, 1, 2])
    path = write_run(tmp_path / "ideal.parquet", np.array([[0, 1, 1]]), labels, "ideal-1",
                     "ideal")
    assert references.load(str(path), np.arange(3), labels).tolist() == [True, True, False]
    with pytest.raises(ValueError, match="ideal.parquet decides on other images"):
        references.load(str(path), np.arange(1, 4), labels)
    with pytest.raises(ValueError, match="disagrees .* on image labels"):
        references.load(str(path), np.arange(3), np.array([0, 1, 1]))


def test_non_binary_reference_is_refused():
    with pytest.raises(ValueError, match="reference 'ideal'"):
        references.vs_reference(np.ones((1, 3), bool), ["a"], np.array([0, 1, 2]), "ideal")
