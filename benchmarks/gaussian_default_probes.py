"""Training choices for the Gaussian study's default, measured against its ideal observer.

Each probe changes the default study's dataset and/or base recipe (config.yaml, studies:
gaussian) and trains one run with the package's own loop on one CPU thread. Per probe: test
accuracy, its share of the ideal observer's, kappa with the ideal observer, the worst and
mean accuracy on the classes the ideal observer gets >= 95% right ("easy" classes), and
seconds (with the machine's load average, as the CPU may be shared). Issue 14's goal for
the default: every run >= 90% on each easy class, accuracy >= 85% of the ideal's, kappa
with the ideal >= 0.5.

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

from ddd import ideal_observer
from ddd.consistency import error_consistency
from ddd.datasets import splits
from ddd.datasets.prepare import prepare
from ddd.study import Recipe
from ddd.training import train

ROOT = Path(__file__).resolve().parents[1]
EASY = 0.95  # classes the ideal observer gets at least this right

# name: {"dataset": changes to the dataset spec, "recipe": changes to the base recipe}
PROBES: dict[str, dict[str, dict[str, Any]]] = {
    "default": {},
    "no_weight_decay": {"recipe": {"weight_decay": 0.0}},
    "epochs_20": {"recipe": {"epochs": 20, "lr_milestones": [10, 15]}},
    "tiny_densenet": {"recipe": {"architecture": "tiny_densenet"}},
    "train_400": {"dataset": {"train_per_class": 400}},
    "size_32": {"dataset": {"image_size": 32}},
}


def load_default() -> tuple[dict[str, Any], dict[str, Any]]:
    study = yaml.safe_load((ROOT / "config.yaml").read_text())["studies"]["gaussian"]
    return dict(study["dataset"]), dict(study["recipe"])


def easy_class_stats(right: np.ndarray, labels: np.ndarray, easy: np.ndarray
                     ) -> tuple[float, float]:
    per_class = np.array([right[labels == c].mean() for c in easy])
    return float(per_class.min()), float(per_class.mean())


def probe(name: str, change: dict[str, dict[str, Any]], workdir: Path) -> dict[str, Any]:
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
    recipe = Recipe.from_mapping(recipe_values)
    device = torch.device("cpu")
    train_data = splits.open_split(data, manifest, "train", device)
    test_data = splits.open_split(data, manifest, "test", device)
    load = os.getloadavg()[0]
    began, cpu_began = time.perf_counter(), time.process_time()
    _, result = train(recipe, train_data, test_data, classes,
                      checkpoint=workdir / f"{name}.ckpt", checkpoint_key=name)
    seconds, cpu_seconds = time.perf_counter() - began, time.process_time() - cpu_began
    (workdir / f"{name}.ckpt").unlink(missing_ok=True)
    right = result.predictions[-1] == labels
    easy_min, easy_mean = easy_class_stats(right, labels, easy)
    return {
        "probe": name, "dataset": change.get("dataset", {}), "recipe": change.get("recipe", {}),
        "accuracy": float(right.mean()), "ideal_accuracy": float(ideal_right.mean()),
        "share_of_ideal": float(right.mean() / ideal_right.mean()),
        "kappa_ideal": float(error_consistency(right, ideal_right).kappa),
        "easy_classes": len(easy), "easy_min": easy_min, "easy_mean": easy_mean,
        "per_class_first_12": [round(float(right[labels == c].mean()), 2) for c in range(12)],
        "seconds": seconds, "cpu_seconds": cpu_seconds, "load_before": load,
        "load_after": os.getloadavg()[0],
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
              f"{'easy mean':>9} {'s':>6} {'load':>5}", flush=True)
        for name in args.probes or PROBES:
            row = probe(name, PROBES[name], workdir)
            print(f"{name:24} {row['accuracy']:6.3f} {100 * row['share_of_ideal']:6.1f} "
                  f"{row['kappa_ideal']:6.3f} {row['easy_min']:8.2f} {row['easy_mean']:9.2f} "
                  f"{row['seconds']:6.1f} {row['load_before']:5.1f}", flush=True)
            if args.out:
                with args.out.open("a") as handle:
                    handle.write(json.dumps(row) + "\n")


if __name__ == "__main__":
    main()
