"""The paper-scale configs in config/ are valid and plan the paper's runs."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from ddd import plan
from tests.workflow_runs import planned

ROOT = Path(__file__).resolve().parents[1]
CONFIGS = sorted((ROOT / "config").glob("*.yaml"))
# appendix B.3: 1 + 1 + 1 + 1 + 1 + 5 (seeds) + 5 (lr) + 5 (cuda) + 5 (order) + 1 + 1 + 5 + 2
VARIANTS = 34
RUNS = {"imagenet_resnet18": VARIANTS, "imagenet_vgg11": VARIANTS,
        "imagenet_densenet121": VARIANTS, "cifar100": VARIANTS, "gaussian": VARIANTS,
        "imagenet_pretrained": 10, "fashion_mnist": 24, "cifar10_confusion": 1,
        "shortcut": 6}


def test_every_paper_config_is_listed():
    assert sorted(path.stem for path in CONFIGS) == sorted(RUNS)


@pytest.mark.workflow
@pytest.mark.parametrize("path", CONFIGS, ids=lambda p: p.stem)
def test_config_validates_and_dry_runs(path, tmp_path):
    config = yaml.safe_load(path.read_text())
    (study,) = plan.load(config).studies.values()
    assert len(study.runs) == RUNS[path.stem]
    jobs, _ = planned(tmp_path, config)
    assert jobs.get("train", 0) == len(study.trained_ids)
    assert jobs.get("infer", 0) == len(study.pretrained_ids)
    assert jobs["dataset"] == 1
    assert jobs.get("image_store", 0) == ("store" in study.dataset)


def test_paper_recipes():
    resnet = yaml.safe_load((ROOT / "config/imagenet_resnet18.yaml").read_text())
    recipe = resnet["studies"]["imagenet_resnet18"]["recipe"]
    assert (recipe["batch_size"], recipe["epochs"], recipe["lr"], recipe["weight_decay"],
            recipe["lr_milestones"]) == (256, 90, 0.1, 1.0e-4, [30, 60])
    for name in ("imagenet_vgg11", "imagenet_densenet121", "cifar100", "gaussian"):
        spec = yaml.safe_load((ROOT / f"config/{name}.yaml").read_text())["studies"][name]
        assert spec["recipe"]["epochs"] == 30 and spec["recipe"]["lr_milestones"] == [10, 20]


@pytest.mark.parametrize(("name", "pairs", "repeats"), [("cifar10_confusion", 45, 50),
                                                         ("fashion_mnist", None, None)])
def test_confusion_configs_use_the_source_design(name, pairs, repeats):
    """Both ways, over a real dataset's 10 classes; CIFAR-10 at the source's scale."""
    config = yaml.safe_load((ROOT / f"config/{name}.yaml").read_text())
    spec = plan.load(config).studies[name].confusion
    assert spec.both_ways and spec.classes == tuple(range(10))
    if pairs is not None:
        assert (len(spec.pairs), spec.repeats) == (pairs, repeats)


def test_fashion_mnist_study_runs_on_the_debian_release():
    config = yaml.safe_load((ROOT / "config/fashion_mnist.yaml").read_text())
    study = plan.load(config).studies["fashion_mnist"]
    assert study.dataset["path"] == "/usr/share/datasets/fashion-mnist"
    assert study.label_errors["source"] == "cleanlab" and config["experiment"]["pairs"] > 0
