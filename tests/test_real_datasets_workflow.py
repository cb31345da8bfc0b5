"""The workflow on tiny copies of the CIFAR-100 and ImageNet release formats: trained runs
and pretrained models flow into the same decision tables and analyses."""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
import torchvision
import yaml

from ddd import decisions
from ddd.datasets import imagenet
from ddd.train import pretrained
from tests import fakes

ROOT = Path(__file__).resolve().parents[1]
pytestmark = [pytest.mark.workflow,
              pytest.mark.filterwarnings("ignore:The image decoding:DeprecationWarning")]
RECIPE = {"architecture": "tiny_resnet", "epochs": 1, "batch_size": 50, "lr": 0.05,
          "weight_decay": 5.0e-4}


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    """Both studies run once: CIFAR-100 (two trained runs) and ImageNet (one trained run,
    a pretrained model from a checkpoint and one from the torch hub cache)."""
    path = tmp_path_factory.mktemp("real")
    fakes.write_cifar100(path / "cifar", {"train": 200, "test": 60})
    fakes.write_imagenet(path / "ilsvrc")
    torch.manual_seed(0)
    torch.save(torchvision.models.get_model("mobilenet_v3_small").state_dict(),
               path / "mobilenet.pt")
    env = {**os.environ, "TORCH_HOME": str(path / "torch")}
    cached = path / "torch/hub/checkpoints" / pretrained.expected_weight_file(
        "squeezenet1_1").name
    cached.parent.mkdir(parents=True)
    torch.save(torchvision.models.get_model("squeezenet1_1").state_dict(), cached)
    config = {
        "studies": {
            "cifar": {"dataset": {"kind": "cifar100", "path": str(path / "cifar")},
                      "recipe": {**RECIPE, "crop_padding": 4},
                      "conditions": {"base": {}, "init_seed": {"changes": {"init_seed": 1}}}},
            "imagenet": {"dataset": {"kind": "imagenet", "path": str(path / "ilsvrc"),
                                     "resize": 36, "crop": 32},
                         "recipe": {**RECIPE, "batch_size": 4},
                         "conditions": {"base": {}},
                         "pretrained": {"mobilenet": {"name": "mobilenet_v3_small",
                                                      "checkpoint": str(path / "mobilenet.pt")},
                                        "squeezenet1_1": {}}},
        },
        "train": {"workers": 0},
        "analysis": {"difficulty": {"shares_all_but": 0}, "bootstrap": {"resamples": 50}},
    }
    (path / "config.yaml").write_text(yaml.safe_dump(config))
    targets = [f"results/{study}/{out}" for study in ("cifar", "imagenet")
               for out in ("summary.txt", "tables/b8_easiest_hardest_classes.csv")]
    out = subprocess.run(
        [sys.executable, "-m", "snakemake", "--snakefile", str(ROOT / "Snakefile"),
         "--directory", str(path), "--configfile", str(path / "config.yaml"), "--cores", "2",
         *targets], capture_output=True, text=True, timeout=600, env=env)
    assert out.returncode == 0, out.stdout + out.stderr
    return path


def test_cifar_runs_align_and_tables_carry_class_names(workdir):
    results = workdir / "results/cifar"
    tables = [decisions.read(results / f"decisions/{run}.parquet")
              for run in ("base-1", "init_seed-1")]
    for table in tables:
        assert sorted(table["epoch"].unique()) == [0, 1]
        assert table["image_id"].tolist()[:60] == list(range(60))
    with open(workdir / "cifar/cifar-100-python/test", "rb") as handle:
        labels = pickle.load(handle, encoding="bytes")[b"fine_labels"]
    assert tables[0].query("epoch == 1")["label"].tolist() == labels
    b8 = pd.read_csv(results / "tables/b8_easiest_hardest_classes.csv")
    assert b8["name"].str.fullmatch(r"class_\d+").all()
    summary = (results / "summary.txt").read_text()
    assert "2 runs, 60 evaluation images, 100 classes (chance 1.0%)" in summary


def test_imagenet_trained_and_pretrained_runs_share_image_ids(workdir):
    results = workdir / "results/imagenet"
    runs = ("base-1", "mobilenet-1", "squeezenet1_1-1")
    tables = {run: decisions.read(results / f"decisions/{run}.parquet") for run in runs}
    final = {run: t[t["epoch"] == t["epoch"].max()] for run, t in tables.items()}
    for table in final.values():
        assert table["image_id"].tolist() == list(range(6))
        assert table["label"].tolist() == [fakes.VAL_CLASSES[i] for i in range(6)]
    assert tables["mobilenet-1"]["epoch"].unique().tolist() == [0]
    meta = decisions.read_metadata(results / "decisions/mobilenet-1.parquet")
    assert meta["pretrained"]["name"] == "mobilenet_v3_small"
    assert meta["preprocess"]["crop"] == 224
    # the checkpoint's own predictions, recomputed here, are what the table holds
    model = torchvision.models.get_model("mobilenet_v3_small")
    model.load_state_dict(torch.load(workdir / "mobilenet.pt", weights_only=True))
    prep = meta["preprocess"]
    files = imagenet.ImageFiles(imagenet.build_index(workdir / "ilsvrc", "val")[0],
                                imagenet.eval_transform(prep["resize"], prep["crop"],
                                                        prep["interpolation"]))
    batch = torch.stack([files[i][0] for i in range(6)])
    expected = pretrained.infer(model, [(batch, None)], meta["preprocess"], "cpu").predictions
    assert np.array_equal(final["mobilenet-1"]["prediction"].to_numpy(), expected)
    pairs = pd.read_parquet(results / "analysis/kappa_pairs.parquet")
    assert set(pairs["run_a"]) | set(pairs["run_b"]) == set(runs)
    b8 = pd.read_csv(results / "tables/b8_easiest_hardest_classes.csv")
    assert set(b8["name"]) <= {"tench", "goldfish", "great white shark"}
