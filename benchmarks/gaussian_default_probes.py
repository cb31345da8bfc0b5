"""Training choices for the Gaussian study's default, measured against its ideal observer.

Each probe changes the default study's dataset and/or base recipe (config.yaml, studies:
gaussian) and trains one run with the package's own loop on one CPU thread. Per probe: test
accuracy, its share of the ideal observer's, kappa with the ideal observer, the worst and
mean accuracy on the classes the ideal observer gets >= 95% right ("easy" classes), and
seconds (with the machine's load average, as the CPU may be shared). The goal for
the default: every run >= 90% on each easy class, accuracy >= 85% of the ideal's, kappa
with the ideal >= 0.5.

Probes may use two benchmark-only architectures (pixelnet: three 1x1 conv-BN-ReLU layers,
i.e. per-pixel features, a mean and a linear head; plain: five 3x3 conv-ReLU layers with
biases and no normalisation) and two benchmark-only changes to the last epochs
("patch"): bn_frozen_last_N trains the whole model with BatchNorm in evaluation mode,
head_only_last_N trains only the linear head on the frozen, evaluation-mode features.
A probe with "linear_probe" also fits a logistic regression (scikit-learn, standardised
features, C=100) to the trained model's pooled features of the training images, the
head's input in evaluation mode: how far a well-fitted head on the same features gets.

Run: PYTHONPATH=workflow python benchmarks/gaussian_default_probes.py [probe ...]
     [--out probes.jsonl] [--list]   (no probe names: all of them)
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch
import yaml
from torch import nn

from ddd import plan
from ddd.analysis import ideal_observer
from ddd.analysis.consistency import error_consistency
from ddd.datasets.prepare import prepare
from ddd.study import Recipe
from ddd.train import loop, models, splits
from ddd.train.batches import Batches, channel_stats
from ddd.train.loop import train

ROOT = Path(__file__).resolve().parents[1]
EASY = 0.95  # classes the ideal observer gets at least this right

BNHEAD = {"architecture": "tiny_resnet_bnhead"}
# the recommended default: bnhead, batch 512, 8 epochs, then 4 epochs of the head alone
RECOMMENDED = {**BNHEAD, "batch_size": 512, "lr": 0.2, "epochs": 12, "lr_milestones": [6],
               "head_epochs": 4}
LINEAR = {"lr_schedule": "linear", "lr_milestones": []}
# name: {"dataset": changes to the dataset spec, "recipe": changes to the base recipe,
#        "patch": a benchmark-only change to the last epochs, "precision": train.precision
#        (default: the default's)}
PROBES: dict[str, dict[str, Any]] = {
    "default": {},
    "seed_1": {"recipe": {"init_seed": 1, "data_seed": 1}},
    "no_weight_decay": {"recipe": {"weight_decay": 0.0}},
    "pixelnet": {"recipe": {"architecture": "pixelnet"}},
    "plain": {"recipe": {"architecture": "plain"}},
    "default_linear_probe": {"linear_probe": True},
    "bnhead": {"recipe": BNHEAD},
    "bnhead_seed_1": {"recipe": {**BNHEAD, "init_seed": 1, "data_seed": 1}},
    "bnhead_16_epochs": {"recipe": {**BNHEAD, "epochs": 16, "lr_milestones": [8, 12]}},
    "bnhead_lr_0.1": {"recipe": {**BNHEAD, "lr": 0.1}},
    "bnhead_batch_512": {"recipe": {**BNHEAD, "batch_size": 512, "lr": 0.2}},
    "bnhead_batch_512_seed_1": {"recipe": {**BNHEAD, "batch_size": 512, "lr": 0.2,
                                           "init_seed": 1, "data_seed": 1}},
    "batch_512": {"recipe": {"batch_size": 512, "lr": 0.2}},
    "bnhead_batch_512_12_epochs": {"recipe": {**BNHEAD, "batch_size": 512, "lr": 0.2,
                                              "epochs": 12, "lr_milestones": [6, 9]}},
    "bnhead_batch_512_12_epochs_seed_1": {"recipe": {
        **BNHEAD, "batch_size": 512, "lr": 0.2, "epochs": 12, "lr_milestones": [6, 9],
        "init_seed": 1, "data_seed": 1}},
    "bnhead_batch_512_16_epochs": {"recipe": {**BNHEAD, "batch_size": 512, "lr": 0.2,
                                              "epochs": 16, "lr_milestones": [8, 12]}},
    "bnhead_batch_512_head_only_last_4": {
        "recipe": {**BNHEAD, "batch_size": 512, "lr": 0.2, "epochs": 12, "lr_milestones": [6]},
        "patch": "head_only_last_4"},
    "bnhead_batch_512_head_only_last_6": {
        "recipe": {**BNHEAD, "batch_size": 512, "lr": 0.2, "epochs": 12, "lr_milestones": [6]},
        "patch": "head_only_last_6"},
    "bnhead_batch_512_14_epochs_head_only_last_6": {
        "recipe": {**BNHEAD, "batch_size": 512, "lr": 0.2, "epochs": 14, "lr_milestones": [6]},
        "patch": "head_only_last_6"},
    "recommended": {"recipe": RECOMMENDED},
    "recommended_seed_1": {"recipe": {**RECOMMENDED, "init_seed": 1, "data_seed": 1}},
    "recommended_seed_2": {"recipe": {**RECOMMENDED, "init_seed": 2, "data_seed": 2}},
    "recommended_densenet": {"recipe": {**RECOMMENDED,
                                        "architecture": "tiny_densenet_bnhead"}},
    "recommended_train_200": {"recipe": RECOMMENDED, "dataset": {"train_per_class": 200}},
    "recommended_head_lr_0.2": {"recipe": {**RECOMMENDED, "lr_milestones": [8]}},
    "bnhead_head_only_last_4": {
        "recipe": {**BNHEAD, "epochs": 12, "lr_milestones": [4]}, "patch": "head_only_last_4"},
    "densenet_bnhead": {"recipe": {"architecture": "tiny_densenet_bnhead"}},
    "bn_frozen_last_3": {"patch": "bn_frozen_last_3"},
    "bn_frozen_last_4": {"recipe": {"lr_milestones": [6, 7]}, "patch": "bn_frozen_last_4"},
    "bnhead_bn_frozen_last_4": {"recipe": {**BNHEAD, "lr_milestones": [6, 7]},
                                "patch": "bn_frozen_last_4"},
    "head_only_last_3": {"recipe": {"lr_milestones": []}, "patch": "head_only_last_3"},
    "head_only_last_3_m4": {"recipe": {"lr_milestones": [4]}, "patch": "head_only_last_3"},
    # the CPU fast path (docs/cpu-fast-path.md): bf16, the linear schedule, more epochs
    "recommended_bf16": {"recipe": RECOMMENDED, "precision": "bf16"},
    "recommended_linear": {"recipe": {**RECOMMENDED, **LINEAR}},
    "recommended_linear_24_epochs": {"recipe": {**RECOMMENDED, **LINEAR, "epochs": 24,
                                                "head_epochs": 8}},
    "recommended_linear_24_epochs_bf16": {"recipe": {**RECOMMENDED, **LINEAR, "epochs": 24,
                                                     "head_epochs": 8}, "precision": "bf16"},
    "recommended_24_epochs": {"recipe": {**RECOMMENDED, "epochs": 24, "lr_milestones": [12],
                                         "head_epochs": 8}},
}


class PixelNet(nn.Module):
    """Per-pixel features: three 1x1 conv-BN-ReLU layers, a global mean, a linear head."""

    def __init__(self, num_classes: int, width: int = 64) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        for c_in in (3, width, width):
            layers += [nn.Conv2d(c_in, width, 1, bias=False), nn.BatchNorm2d(width), nn.ReLU()]
        self.f = nn.Sequential(*layers)
        self.head = nn.Linear(width, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.f(x).mean(dim=(2, 3)))


class Plain(nn.Module):
    """Five 3x3 conv-ReLU layers with biases, no normalisation, a mean and a linear head."""

    def __init__(self, num_classes: int, widths: tuple[int, int, int] = (16, 32, 64)) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        c_in = 3
        for c_out, stride in ((widths[0], 1), (widths[1], 2), (widths[1], 1), (widths[2], 2),
                              (widths[2], 1)):
            conv = nn.Conv2d(c_in, c_out, 3, stride, 1)
            nn.init.kaiming_normal_(conv.weight, nonlinearity="relu")
            nn.init.zeros_(conv.bias)
            layers += [conv, nn.ReLU()]
            c_in = c_out
        self.features = nn.Sequential(*layers)
        self.head = nn.Linear(c_in, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x).mean(dim=(2, 3)))


models.ARCHITECTURES["pixelnet"] = lambda num_classes, image_size: PixelNet(num_classes)
models.ARCHITECTURES["plain"] = lambda num_classes, image_size: Plain(num_classes)
TRAIN_EPOCH = loop.train_epoch


def patched_epoch(patch: str | None):
    """training.train_epoch, changed in the last N epochs by `patch` (see the docstring)."""
    if patch is None:
        return TRAIN_EPOCH
    kind, last = patch.rsplit("_last_", 1)

    def train_epoch(net: nn.Module, optimizer, data, recipe: Recipe, epoch: int, *args):
        if epoch <= recipe.total_epochs - int(last):
            return TRAIN_EPOCH(net, optimizer, data, recipe, epoch, *args)
        frozen = [m for name, m in net.named_modules() if name and (
            isinstance(m, nn.modules.batchnorm._BatchNorm) if kind == "bn_frozen"
            else not name.startswith("head"))]
        if kind == "head_only":
            for name, p in net.named_parameters():
                p.requires_grad_(name.startswith("head"))
        plain_train = net.train

        def train_mode(mode: bool = True) -> nn.Module:
            plain_train(mode)
            for m in frozen:
                m.eval()
            return net

        net.train = train_mode
        try:
            return TRAIN_EPOCH(net, optimizer, data, recipe, epoch, *args)
        finally:
            del net.train

    return train_epoch


def load_default() -> tuple[dict[str, Any], dict[str, Any]]:
    study = yaml.safe_load((ROOT / "config.yaml").read_text())["studies"]["gaussian"]
    return dict(study["dataset"]), dict(study["recipe"])


def default_precision() -> str:
    """The default's train.precision (config.yaml), which the probes train under."""
    train_settings = yaml.safe_load((ROOT / "config.yaml").read_text()).get("train", {})
    return train_settings.get("precision", "auto")


def easy_class_stats(right: np.ndarray, labels: np.ndarray, easy: np.ndarray
                     ) -> tuple[float, float]:
    per_class = np.array([right[labels == c].mean() for c in easy])
    return float(per_class.min()), float(per_class.mean())


@torch.no_grad()
def pooled_features(model: nn.Module, data: Batches, mean: torch.Tensor, std: torch.Tensor
                    ) -> np.ndarray:
    """The head's input for every image, in evaluation mode."""
    seen: list[torch.Tensor] = []
    hook = model.head.register_forward_pre_hook(lambda module, args: seen.append(args[0]))
    model.eval()
    for start in range(0, len(data), 1000):
        model((data.images[start:start + 1000].float() - mean) / std)
    hook.remove()
    return torch.cat(seen).numpy()


def linear_probe(model: nn.Module, train_data: Batches, test_data: Batches) -> np.ndarray:
    """Test predictions of a logistic regression on the model's pooled features."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    mean, std = channel_stats(train_data)
    train_x = pooled_features(model, train_data, mean, std)
    scaler = StandardScaler().fit(train_x)
    fitted = LogisticRegression(C=100, max_iter=3000).fit(scaler.transform(train_x),
                                                          train_data.labels.numpy())
    return fitted.predict(scaler.transform(pooled_features(model, test_data, mean, std)))


def probe(name: str, change: dict[str, Any], workdir: Path) -> dict[str, Any]:
    dataset, recipe_values = load_default()
    dataset.update(change.get("dataset", {}))
    recipe_values.update(change.get("recipe", {}))
    key = "_".join(f"{k}{dataset[k]}" for k in ("image_size", "train_per_class",
                                                 "test_per_class", "classes"))
    data, manifest = workdir / f"{key}.npz", workdir / f"{key}.json"
    if not data.exists():
        prepare(dataset, data, manifest)
    ideal, labels = ideal_observer.predict_split(data, manifest)
    ideal_right = ideal == labels
    classes = splits.num_classes(splits.read_manifest(manifest))
    ideal_per_class = np.array([ideal_right[labels == c].mean() for c in range(classes)])
    easy = np.flatnonzero(ideal_per_class >= EASY)
    recipe = plan.recipe(recipe_values)
    device = torch.device("cpu")
    train_data = splits.open_split(data, manifest, "train", device)
    test_data = splits.open_split(data, manifest, "test", device)
    loop.train_epoch = patched_epoch(change.get("patch"))
    load = os.getloadavg()[0]
    began, cpu_began = time.perf_counter(), time.process_time()
    model, result = train(recipe, train_data, test_data, classes,
                          checkpoint=workdir / f"{name}.ckpt", checkpoint_key=name,
                          precision=change.get("precision", default_precision()))
    seconds, cpu_seconds = time.perf_counter() - began, time.process_time() - cpu_began
    (workdir / f"{name}.ckpt").unlink(missing_ok=True)
    right = result.predictions[-1] == labels
    easy_min, easy_mean = easy_class_stats(right, labels, easy)
    extra = {}
    if change.get("linear_probe"):
        probe_right = linear_probe(model, train_data, test_data) == labels
        probe_min, probe_mean = easy_class_stats(probe_right, labels, easy)
        extra = {"probe_accuracy": float(probe_right.mean()),
                 "probe_kappa_ideal": float(error_consistency(probe_right, ideal_right).kappa),
                 "probe_easy_min": probe_min, "probe_easy_mean": probe_mean}
    return {
        "probe": name, **change,
        "accuracy": float(right.mean()), "ideal_accuracy": float(ideal_right.mean()),
        "share_of_ideal": float(right.mean() / ideal_right.mean()),
        "kappa_ideal": float(error_consistency(right, ideal_right).kappa),
        "easy_classes": len(easy), "easy_min": easy_min, "easy_mean": easy_mean,
        "per_class_first_12": [round(float(right[labels == c].mean()), 2) for c in range(12)],
        "seconds": seconds, "cpu_seconds": cpu_seconds, "load_before": load,
        "load_after": os.getloadavg()[0], **extra,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("probes", nargs="*", help=f"probe names (default: all): {list(PROBES)}")
    parser.add_argument("--out", type=Path, help="append one JSON line per probe here")
    parser.add_argument("--workdir", type=Path, help="keep the datasets here (default: temp)")
    parser.add_argument("--list", action="store_true", help="print the probes and exit")
    args = parser.parse_args()
    if args.list:
        for name, change in PROBES.items():
            print(name, json.dumps(change))
        return
    unknown = sorted(set(args.probes) - PROBES.keys())
    if unknown:
        parser.error(f"unknown probe(s) {unknown}; valid: {list(PROBES)}")
    torch.set_num_threads(1)
    with tempfile.TemporaryDirectory() as tmp:
        workdir = args.workdir or Path(tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        print(f"{'probe':24} {'acc':>6} {'%ideal':>6} {'kappa':>6} {'easy min':>8} "
              f"{'easy mean':>9} {'s':>6} {'cpu s':>6} {'load':>5}", flush=True)
        for name in args.probes or PROBES:
            row = probe(name, PROBES[name], workdir)
            print(f"{name:24} {row['accuracy']:6.3f} {100 * row['share_of_ideal']:6.1f} "
                  f"{row['kappa_ideal']:6.3f} {row['easy_min']:8.2f} {row['easy_mean']:9.2f} "
                  f"{row['seconds']:6.1f} {row['cpu_seconds']:6.1f} {row['load_before']:5.1f}",
                  flush=True)
            if "probe_accuracy" in row:
                print(f"{'  linear probe':24} {row['probe_accuracy']:6.3f} "
                      f"{100 * row['probe_accuracy'] / row['ideal_accuracy']:6.1f} "
                      f"{row['probe_kappa_ideal']:6.3f} {row['probe_easy_min']:8.2f} "
                      f"{row['probe_easy_mean']:9.2f}", flush=True)
            if args.out:
                with args.out.open("a") as handle:
                    handle.write(json.dumps(row) + "\n")


if __name__ == "__main__":
    main()
