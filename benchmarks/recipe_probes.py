"""Probe training recipes of a study: one run of its base recipe per probe, each probe a
set of recipe changes, trained with the package's own job on the study's whole dataset.

A probe is written `name:key=value,key=value` (values in YAML: `lr=0.2`, `flip=false`,
`lr_milestones=[1]`); `precision=fp32` or `precision=bf16` sets train.precision (default
auto). Printed per probe: its final test accuracy, its accuracy after each epoch and its
seconds, with the load average when it started (the CPU may be shared). Probes run one
after another on one thread each; run two processes (--workdir shared) for two cores.

Run: PYTHONPATH=workflow python benchmarks/recipe_probes.py
     base-lr02:lr=0.2 no-flip:lr=0.2,flip=false [--config config/fashion_mnist.yaml]
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import time
from pathlib import Path
from typing import Any

import torch
import yaml

from ddd import plan
from ddd.datasets.prepare import prepare
from ddd.train.jobs import train_run

ROOT = Path(__file__).resolve().parents[1]
CPU = torch.device("cpu")


def parse_probe(text: str) -> tuple[str, dict[str, Any]]:
    """`name:key=value,...` -> (name, changes)."""
    name, _, pairs = text.partition(":")
    changes = {}
    for pair in filter(None, pairs.split(",")):
        key, _, value = pair.partition("=")
        changes[key] = yaml.safe_load(value)
    return name, changes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("probes", nargs="+", help="name:key=value,key=value")
    parser.add_argument("--config", default="config/fashion_mnist.yaml")
    parser.add_argument("--study", default=None, help="default: the config's first")
    parser.add_argument("--workdir", default="results/recipe_probes")
    args = parser.parse_args()
    torch.set_num_threads(1)
    config = yaml.safe_load((ROOT / args.config).read_text())
    name = args.study or next(iter(config["studies"]))
    study = plan.load(copy.deepcopy(config)).studies[name]
    recipe = study.run(study.base_run).recipe
    if recipe is None:
        raise SystemExit(f"{args.config}: study {name}'s base run is not trained here")
    base = recipe.as_dict()
    folder = Path(args.workdir)
    folder.mkdir(parents=True, exist_ok=True)
    dataset = {key: value for key, value in study.dataset.items() if key != "store"}
    data, manifest = folder / f"{name}.npz", folder / f"{name}.json"
    if not data.exists():
        prepare(dataset, data, manifest)
    for probe_name, changes in map(parse_probe, args.probes):
        precision = changes.pop("precision", "auto")
        values = {**base, **changes}
        if values.get("lr_schedule") == "linear":  # a step base's milestones do not apply
            values["lr_milestones"] = changes.get("lr_milestones", [])
        elif "lr_warmup" not in changes:  # nor a linear base's warm-up to a step probe
            values.pop("lr_warmup", None)
        run = plan.recipe(values, where=f"probe {probe_name}")
        load = os.getloadavg()[0]
        began = time.perf_counter()
        _, table, meta = train_run(run, data, manifest,
                                   {"run": probe_name, "condition": "probe", "instance": 1,
                                    "dataset": name},
                                   CPU, folder / f"{probe_name}.ckpt", 1000,
                                   precision=precision, channels_last=True)
        seconds = time.perf_counter() - began
        (folder / f"{probe_name}.ckpt").unlink(missing_ok=True)
        frame = table.to_pandas()
        by_epoch = (frame["prediction"] == frame["label"]).groupby(frame["epoch"]).mean()
        print(json.dumps({"probe": probe_name, "changes": changes,
                          "precision": meta["precision"],
                          "accuracy": round(float(by_epoch.iloc[-1]), 4),
                          "by_epoch": [round(float(a), 4) for a in by_epoch.iloc[1:]],
                          "seconds": round(seconds, 1), "load": round(load, 2)}),
              flush=True)


if __name__ == "__main__":
    main()
