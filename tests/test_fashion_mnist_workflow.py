"""The workflow on a slice of the real Fashion-MNIST release (Debian's dataset-fashion-mnist):
image ids and labels are the release's, decision tables complete, shares sum to one."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from ddd import decisions
from ddd.datasets import mnist

ROOT = Path(__file__).resolve().parents[1]
RELEASE = Path("/usr/share/datasets/fashion-mnist")
TRAIN, TEST = 3000, 1000
RUNS = ("base-1", "init_seed-1", "data_order-1")
pytestmark = [
    pytest.mark.workflow,
    pytest.mark.skipif(not (RELEASE / "t10k-labels-idx1-ubyte.gz").is_file(),
                       reason=f"Fashion-MNIST is not in {RELEASE}: apt-get install "
                              f"dataset-fashion-mnist"),
]


def release_labels(split: str) -> np.ndarray:
    """Labels straight from the release's IDX file (8-byte header, then one byte each)."""
    name = mnist.FILES[split][1]
    return np.frombuffer(gzip.decompress((RELEASE / f"{name}.gz").read_bytes())[8:], np.uint8)


@pytest.fixture(scope="module")
def results(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("fashion")
    config = {
        "studies": {"fashion": {
            "dataset": {"kind": "fashion_mnist", "train_limit": TRAIN, "test_limit": TEST},
            "recipe": {"architecture": "tiny_resnet", "epochs": 1, "batch_size": 100,
                       "lr": 0.05, "weight_decay": 5.0e-4, "bn_recalibration": 500},
            "conditions": {"base": {}, "init_seed": {"changes": {"init_seed": 1}},
                           "data_order": {"changes": {"data_seed": 1}}},
            "confusion": {"classes": [0, 2, 6], "pairs": [[0, 6]], "repeats": 2,
                          "both_ways": True, "train_per_class": 100},
            "label_errors": {"source": "cleanlab"},
        }},
        "analysis": {"difficulty": {"shares_all_but": 0}, "bootstrap": {"resamples": 50}},
        "experiment": {"pairs": 4, "figure_pairs": 2},
    }
    (path / "config.yaml").write_text(yaml.safe_dump(config))
    targets = [f"results/fashion/{out}" for out in (
        "summary.txt", "tables/b8_easiest_hardest_classes.csv", "analysis/shares.parquet",
        "confusion/effects.csv", "analysis/label_errors.parquet", "experiment/index.html")]
    out = subprocess.run(
        [sys.executable, "-m", "snakemake", "--snakefile", str(ROOT / "Snakefile"),
         "--directory", str(path), "--configfile", str(path / "config.yaml"), "--cores", "2",
         *targets], capture_output=True, text=True, timeout=900)
    assert out.returncode == 0, out.stdout + out.stderr
    return path / "results/fashion"


def test_decision_tables_hold_the_release_images_and_labels(results):
    labels = release_labels("test")[:TEST]
    for run in RUNS:
        table = decisions.read(results / f"decisions/{run}.parquet")
        assert sorted(table["epoch"].unique()) == [0, 1]
        for _, epoch in table.groupby("epoch"):
            assert epoch["image_id"].tolist() == list(range(TEST))
            assert np.array_equal(epoch["label"].to_numpy(), labels)
            assert epoch["prediction"].between(0, 9).all()


def test_shares_sum_to_one_and_tables_name_the_classes(results):
    shares = pd.read_parquet(results / "analysis/shares.parquet")
    assert np.allclose(shares.groupby("tolerance")["share"].sum(), 1.0)
    b8 = pd.read_csv(results / "tables/b8_easiest_hardest_classes.csv")
    assert set(b8["name"]) <= set(mnist.RELEASES["fashion_mnist"].reader.classes)
    summary = (results / "summary.txt").read_text()
    assert f"3 runs, {TEST} evaluation images, 10 classes" in summary
    effects = pd.read_csv(results / "confusion/effects.csv")
    assert not effects.empty


def test_label_errors_and_experiment_page_on_real_images(results):
    flags = pd.read_parquet(results / "analysis/label_errors.parquet")
    assert flags["image_id"].tolist() == list(range(TEST))
    assert flags["label_error"].dtype == bool
    manifest = json.loads((results / "experiment/manifest.json").read_text())
    assert len(manifest["pairs"]) == 4


def test_training_labels_are_the_release_prefix(results):
    train = np.load(results / "data/dataset.npz")["train_labels"]
    assert np.array_equal(train, release_labels("train")[:TRAIN])
