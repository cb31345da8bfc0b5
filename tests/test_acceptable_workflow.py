"""The rectified analyses on a slice of the real Fashion-MNIST release with a small
acceptable-labels fixture (T-shirt/top images also accept Shirt): rectified accuracy equals
a count by hand, and changing the fixture reruns only the rectified jobs."""

from __future__ import annotations

import gzip
import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from ddd import decisions
from tests import headless

ROOT = Path(__file__).resolve().parents[1]
RELEASE = Path("/usr/share/datasets/fashion-mnist")
TEST = 300
RUNS = ("base-1", "init_seed-1", "data_order-1")
TSHIRT, PULLOVER, COAT, SHIRT = 0, 2, 4, 6
RECTIFIED_RULES = {"rectified_correctness", "rectified_image_table", "rectified_difficulty",
                   "rectified_kappa", "rectified_tables", "fig20_rectified",
                   "impossible_causes", "fig21_impossible_causes"}
pytestmark = [
    pytest.mark.workflow,
    pytest.mark.skipif(not (RELEASE / "t10k-labels-idx1-ubyte.gz").is_file(),
                       reason=f"Fashion-MNIST is not in {RELEASE}: apt-get install "
                              f"dataset-fashion-mnist"),
]
CONFIG = {
    "studies": {"fashion": {
        "dataset": {"kind": "fashion_mnist", "train_limit": 1000, "test_limit": TEST},
        "recipe": {"architecture": "tiny_resnet", "epochs": 1, "batch_size": 100,
                   "lr": 0.05, "weight_decay": 5.0e-4, "bn_recalibration": 500},
        "conditions": {"base": {}, "init_seed": {"changes": {"init_seed": 1}},
                       "data_order": {"changes": {"data_seed": 1}}},
        "label_errors": {"source": "cleanlab"},
        "acceptable_labels": {"path": "acceptable.csv", "format": "table"},
    }},
    "analysis": {"difficulty": {"shares_all_but": 0}, "bootstrap": {"resamples": 20}},
    "experiment": {"pairs": 0},
}
TARGETS = [f"results/fashion/{out}" for out in (
    "summary.txt", "rectified/summary.txt", "tables/rectified.csv",
    "tables/impossible_causes.csv", "figures/fig20_rectified.png",
    "figures/fig21_impossible_causes.png")]


def release_test_labels() -> np.ndarray:
    """The release's test labels (IDX: 8-byte header, then one byte each)."""
    raw = gzip.decompress((RELEASE / "t10k-labels-idx1-ubyte.gz").read_bytes())
    return np.frombuffer(raw[8:], np.uint8)[:TEST].astype(int)


def write_fixture(path: Path, pairs: list[tuple[int, int]]) -> list[int]:
    """Every test image of class a also accepts class b, for each (a, b); returns the ids."""
    labels = release_test_labels()
    rows, ids = ["image_id,label"], []
    for image in range(TEST):
        for a, b in pairs:
            if labels[image] == a:
                rows += [f"{image},{a}", f"{image},{b}"]
                ids.append(image)
    path.write_text("\n".join(rows) + "\n")
    return ids


def snakemake(workdir: Path, *args: str, targets: list[str] = TARGETS
              ) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "snakemake", "--snakefile", str(ROOT / "Snakefile"),
         "--directory", str(workdir), "--configfile", str(workdir / "config.yaml"),
         "--cores", "2", *args, *targets], capture_output=True, text=True, timeout=900)


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("fashion_acceptable")
    (path / "config.yaml").write_text(yaml.safe_dump(CONFIG))
    write_fixture(path / "acceptable.csv", [(TSHIRT, SHIRT)])
    out = snakemake(path)
    assert out.returncode == 0, out.stdout + out.stderr
    return path


def test_rectified_accuracy_equals_a_count_by_hand(workdir):
    accuracy = pd.read_csv(workdir / "results/fashion/tables/rectified_accuracy.csv")
    accuracy = accuracy.set_index("run")
    for run in RUNS:
        table = decisions.read(workdir / f"results/fashion/decisions/{run}.parquet", epoch=-1)
        label, prediction = table["label"].to_numpy(), table["prediction"].to_numpy()
        right = 0
        for k in range(TEST):  # by hand: the label, or Shirt for a T-shirt/top
            right += prediction[k] == label[k] or (label[k] == TSHIRT and prediction[k] == SHIRT)
        assert accuracy.at[run, "rectified"] == right / TEST
        assert accuracy.at[run, "original"] == np.mean(label == prediction)
    summary = (workdir / "results/fashion/rectified/summary.txt").read_text()
    assert f"{TEST} of {TEST} images kept" in summary


def test_causes_cover_the_impossible_and_in_between_images(workdir):
    causes = pd.read_csv(workdir / "results/fashion/tables/impossible_causes.csv")
    images = pd.read_parquet(workdir / "results/fashion/analysis/images.parquet")
    assert causes["label_errors_known"].all() and causes["acceptable_known"].all()
    counted = causes.groupby("category")["images"].sum()
    for category in ("impossible", "in_between"):
        assert counted[category] == (images["category"] == category).sum()
    # an acceptable answer needs a wrong Shirt answer on a T-shirt/top image
    answered = causes[causes["cause"].isin(["acceptable_answer", "both"])]["images"].sum()
    decided = {run: decisions.read(workdir / f"results/fashion/decisions/{run}.parquet",
                                   epoch=-1) for run in RUNS}
    hand = sum(any(d["label"][k] == TSHIRT and d["prediction"][k] == SHIRT
                   for d in decided.values())
               for k in images.index[images["category"] != "trivial"])
    assert answered == hand


def test_changing_the_fixture_reruns_only_the_rectified_jobs(workdir):
    write_fixture(workdir / "acceptable.csv", [(TSHIRT, SHIRT), (PULLOVER, COAT)])
    out = snakemake(workdir, "--dry-run")
    assert out.returncode == 0, out.stderr
    stats = (out.stdout + out.stderr).split("Job stats:")[1].split("total")[0]
    rules = set(re.findall(r"^(\w+)\s+\d+$", stats, re.M))
    assert rules == RECTIFIED_RULES


@pytest.mark.skipif(headless.CHROMIUM is None, reason=headless.SKIP_REASON)
def test_review_page_answers_feed_the_rectified_analyses(workdir):
    """The workflow's review page, answered in Chromium by two scripted reviewers (one
    accepts the dataset label and every answer of two or more runs, one the dataset label
    and Shirt for a T-shirt/top); scored with rule any, the rectified analyses read it."""
    config = {**CONFIG, "review": {"images": 12, "rule": "any"}}
    config["studies"] = {"fashion": {**CONFIG["studies"]["fashion"],
                                     "acceptable_labels": {"source": "review"}}}
    (workdir / "config.yaml").write_text(yaml.safe_dump(config))
    out = snakemake(workdir, targets=["results/fashion/review/index.html"])
    assert out.returncode == 0, out.stdout + out.stderr
    folder = workdir / "results/fashion/review"
    manifest = json.loads((folder / "manifest.json").read_text())
    runs_of = {(i["image_id"], c["class"]): c["runs"] for i in manifest["items"]
               for c in i["candidates"]}
    label_of = {i["image_id"]: i["label"] for i in manifest["items"]}

    def frequent(image: int, candidate: int) -> bool:
        return candidate == label_of[image] or (runs_of[(image, candidate)] or 0) >= 2

    def shirt(image: int, candidate: int) -> bool:
        return candidate == label_of[image] or (label_of[image], candidate) == (TSHIRT, SHIRT)

    (folder / "responses").mkdir()
    with headless.served(folder) as url, headless.chromium() as browser:
        seen = [headless.review(browser, url, name, accept, folder / "responses")[1]
                for name, accept in (("frequent", frequent), ("shirt", shirt))]
    out = snakemake(workdir)
    assert out.returncode == 0, out.stdout + out.stderr
    accepted = {(s["image_id"], c) for reviewed in seen for s in reviewed for c in s["ticked"]}
    scored = pd.read_csv(folder / "acceptable.csv")
    assert set(zip(scored["image_id"], scored["label"].astype(int), strict=True)) == accepted
    accuracy = pd.read_csv(workdir / "results/fashion/tables/rectified_accuracy.csv")
    for run, rectified in zip(accuracy["run"], accuracy["rectified"], strict=True):
        table = decisions.read(workdir / f"results/fashion/decisions/{run}.parquet", epoch=-1)
        right = sum((k, p) in accepted if k in label_of else p == y
                    for k, y, p in zip(table["image_id"], table["label"], table["prediction"],
                                       strict=True))
        assert rectified == right / TEST
    assert "error review fashion: 2 reviewers, 12 images" in (folder / "summary.txt").read_text()
