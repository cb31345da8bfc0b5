"""A toy dataset and two runs trained on it, as the workflow's jobs make them: shared
fixtures (registered in conftest.py) and the recipe they use."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from ddd import decisions, plan
from ddd.datasets import arrays, gaussian
from ddd.study import Recipe
from ddd.train.jobs import train_run

torch.set_num_threads(1)
CPU = torch.device("cpu")
RECIPE = plan.recipe({"architecture": "tiny_resnet", "epochs": 2, "batch_size": 32,
                      "lr": 0.05, "weight_decay": 5e-4})
FIELDS = {"run": "", "condition": "base", "instance": 1, "dataset": "toy"}


@pytest.fixture(scope="module")
def dataset(tmp_path_factory) -> tuple[Path, Path]:
    """Four well-separated Gaussian classes of 8x8 images, as the datasets rule writes."""
    root = tmp_path_factory.mktemp("data")
    sig = gaussian.sigmas(4, 1, 30)
    splits = {name: gaussian.make_split(i, per_class, sig, 8, seed=0)
              for i, (name, per_class) in enumerate([("train", 32), ("test", 16)])}
    arrays.save(root / "dataset.npz", root / "manifest.json", splits, {"spec": {"seed": 0}})
    return root / "dataset.npz", root / "manifest.json"


@pytest.fixture(scope="module")
def trained(dataset, tmp_path_factory) -> dict[str, Path]:
    """Two trained runs (init seeds 0 and 1): run -> (decision table, model)."""
    root = tmp_path_factory.mktemp("runs")
    runs = {}
    for seed in (0, 1):
        run = f"base-{seed + 1}"
        recipe = Recipe(**{**RECIPE.as_dict(), "init_seed": seed})
        model, table, meta = train_run(recipe, *dataset, FIELDS | {"run": run},
                                       CPU, root / f"{run}.ckpt", eval_batch_size=50)
        assert list(meta)[:4] == list(FIELDS) and meta["init_seed"] == seed
        assert len(meta["history"]) == RECIPE.epochs
        decisions.write(root / f"{run}.parquet", table, meta)
        torch.save(model.state_dict(), root / f"{run}.pt")
        runs[run] = root / run
    return runs
