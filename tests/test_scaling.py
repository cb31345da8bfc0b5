"""The scaling grid: its runs as a study of their own, and one summary row per point."""

import numpy as np
import pandas as pd
import pytest
import yaml

from ddd import plan
from ddd.analysis import scaling
from tests.workflow_runs import ROOT


def test_grid_runs_scale_data_epochs_and_milestones():
    config = yaml.safe_load((ROOT / "config.yaml").read_text())
    config["studies"]["gaussian"]["scaling"] = {"train_per_class": [50, 400], "epochs": [4, 16]}
    studies = plan.load(config).studies
    grid = studies["gaussian_scaling"]
    assert grid.scaling_of == "gaussian" and studies["gaussian"].scaling_of is None
    assert grid.dataset["train_per_class"] == 400
    assert grid.dataset["test_per_class"] == studies["gaussian"].dataset["test_per_class"]
    assert len(grid.runs) == 2 * 2 * 2  # instances default to 2
    run = grid.run("n400_e16-2")
    base = studies["gaussian"].run("base-1").recipe
    assert (run.recipe.train_per_class, run.recipe.epochs) == (400, 16)
    assert run.recipe.lr_milestones == (8,)  # base: [6] of 12 epochs
    assert run.recipe.head_epochs == 5  # base: the last 4 of 12
    assert run.recipe.init_seed == base.init_seed + 1
    assert grid.run("n50_e4-1").recipe.lr_milestones == (2,)
    assert grid.run("n50_e4-1").recipe.head_epochs == 1
    assert grid.references == studies["gaussian"].references


def test_summary_one_row_per_point():
    reference = np.array([1, 1, 1, 1, 0, 0], bool)
    correct = np.array([[1, 1, 1, 1, 0, 0], [1, 1, 1, 1, 0, 0],  # n10_e2: equal to ideal
                        [1, 0, 1, 0, 1, 0], [0, 1, 0, 1, 0, 1]], bool)
    runs = pd.DataFrame({"run": ["n10_e2-1", "n10_e2-2", "n5_e2-1", "n5_e2-2"],
                         "train_per_class": [10, 10, 5, 5], "epochs": 2})
    table = scaling.summary(runs, correct, {"ideal": reference})
    assert table["train_per_class"].tolist() == [5, 10]
    top = table.iloc[1]
    assert top["kappa_between_runs"] == pytest.approx(1.0)
    assert top["kappa_with_ideal"] == pytest.approx(1.0)
    assert top["relative_accuracy_ideal"] == pytest.approx(1.0)
    assert table.iloc[0]["kappa_between_runs"] == pytest.approx(-1.0)
    assert table.iloc[0]["accuracy"] == 0.5
