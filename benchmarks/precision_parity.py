"""Does bfloat16 training change the results? bf16 against fp32 runs of a study's base
recipe, seed for seed, on its dataset (default: Fashion-MNIST, config/fashion_mnist.yaml).

For each seed s (init_seed = data_seed = s) one run under train.precision fp32 and one
under bf16 (both channels_last, one thread, the package's own training job). Printed: each
run's final test accuracy and seconds, the mean accuracy of each precision and their
difference, and the error consistency (kappa) of the final decisions of the fp32 and bf16
runs of the same seed, beside the kappa between fp32 runs of different seeds: how much
disagreement the precision alone brings, against that of another seed.

Each finished run's final correctness is kept in --workdir, so runs can be split over
processes (--precisions fp32, --precisions bf16) and a last call reports them all.

Run: PYTHONPATH=workflow python benchmarks/precision_parity.py [--seeds 0 1 2]
     [--train-limit N] [--epochs E --milestones M ...] [--workdir DIR] [--report-only]
"""

from __future__ import annotations

import argparse
import copy
import itertools
import json
import os
import time
from pathlib import Path

import numpy as np
import torch
import yaml

from ddd import plan
from ddd.analysis.consistency import error_consistency
from ddd.datasets.prepare import prepare
from ddd.study import config_hash
from ddd.train import splits
from ddd.train.jobs import train_run

ROOT = Path(__file__).resolve().parents[1]
CPU = torch.device("cpu")


def study_and_recipe(args: argparse.Namespace) -> tuple[dict, dict]:
    """The study's dataset spec and base recipe, with the command line's changes."""
    config = yaml.safe_load((ROOT / args.config).read_text())
    study_name = args.study or next(iter(config["studies"]))
    config["studies"] = {study_name: config["studies"][study_name]}
    study = plan.load(copy.deepcopy(config)).studies[study_name]
    dataset = dict(study.dataset)
    dataset.pop("store", None)
    if args.train_limit is not None:
        dataset["train_limit"] = args.train_limit or None
    base = study.run(study.base_run).recipe.as_dict()
    if args.epochs is not None:
        base.update(epochs=args.epochs, lr_milestones=args.milestones, extra_epochs=0)
    return dataset, base


def run_once(recipe: dict, seed: int, precision: str, data: Path, manifest: Path,
             folder: Path) -> dict:
    """Train (or read the kept result of) one run: its final correctness and numbers."""
    key = config_hash(recipe, seed, precision, json.loads(manifest.read_text())["sha256"])
    kept = folder / f"run-{key}.npz"
    if kept.exists():
        found = np.load(kept)
        return {"correct": found["correct"], **json.loads(str(found["info"]))}
    run = plan.recipe({**recipe, "init_seed": seed, "data_seed": seed})
    fields = {"run": f"{precision}-{seed}", "condition": precision, "instance": seed,
              "dataset": "parity"}
    load = os.getloadavg()[0]
    began = time.perf_counter()
    _, table, meta = train_run(run, data, manifest, fields, CPU, folder / f"{key}.ckpt",
                               1000, precision=precision, channels_last=True)
    seconds = time.perf_counter() - began
    (folder / f"{key}.ckpt").unlink(missing_ok=True)
    final = table.to_pandas()
    final = final[final["epoch"] == final["epoch"].max()].sort_values("image_id")
    correct = (final["prediction"] == final["label"]).to_numpy()
    info = {"seed": seed, "precision": meta["precision"], "accuracy": float(correct.mean()),
            "seconds": seconds, "load": load, "epochs": run.total_epochs}
    np.savez(kept, correct=correct, info=json.dumps(info))
    print(f"  seed {seed} {precision}: accuracy {info['accuracy']:.4f}, {seconds:.0f} s "
          f"(load average {load:.1f})", flush=True)
    return {"correct": correct, **info}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default="config/fashion_mnist.yaml")
    parser.add_argument("--study", default=None, help="default: the config's first")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--precisions", nargs="+", default=["fp32", "bf16"],
                        choices=["fp32", "bf16"])
    parser.add_argument("--train-limit", type=int, default=0,
                        help="first N training images (default 0: all)")
    parser.add_argument("--epochs", type=int, default=None, help="default: the recipe's")
    parser.add_argument("--milestones", type=int, nargs="*", default=[])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--workdir", default="results/precision_parity")
    parser.add_argument("--report-only", action="store_true",
                        help="report the kept runs, train none")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    folder = Path(args.workdir)
    folder.mkdir(parents=True, exist_ok=True)
    dataset, recipe = study_and_recipe(args)
    data, manifest = folder / "dataset.npz", folder / "manifest.json"
    spec_file = folder / "dataset_spec.json"
    if not data.exists() or json.loads(spec_file.read_text()) != dataset:
        prepare(dataset, data, manifest)
        spec_file.write_text(json.dumps(dataset))
    shapes = {name: split["images"] for name, split in
              splits.read_manifest(manifest)["splits"].items()}
    print(f"{dataset['kind']}: {shapes}; recipe "
          f"{recipe['architecture']}, {recipe['epochs']} epochs, milestones "
          f"{recipe['lr_milestones']}, batch {recipe['batch_size']}")
    runs = {}
    for seed, precision in itertools.product(args.seeds, ("fp32", "bf16")):
        if precision in args.precisions or args.report_only:
            key = config_hash(recipe, seed, precision,
                              json.loads(manifest.read_text())["sha256"])
            if args.report_only and not (folder / f"run-{key}.npz").exists():
                continue
            runs[seed, precision] = run_once(recipe, seed, precision, data, manifest, folder)
    report(runs, args.seeds)


def report(runs: dict, seeds: list[int]) -> None:
    """Accuracies, their means and the kappas of precision and of seed."""
    for precision in ("fp32", "bf16"):
        found = [runs[s, precision] for s in seeds if (s, precision) in runs]
        if found:
            accuracies = ", ".join(f"{r['accuracy']:.4f}" for r in found)
            seconds = ", ".join(f"{r['seconds']:.0f}" for r in found)
            print(f"{precision}: accuracy {accuracies}; mean "
                  f"{np.mean([r['accuracy'] for r in found]):.4f}; seconds {seconds}")
    both = [s for s in seeds if (s, "fp32") in runs and (s, "bf16") in runs]
    if both:
        gap = np.mean([runs[s, "bf16"]["accuracy"] - runs[s, "fp32"]["accuracy"] for s in both])
        print(f"mean accuracy bf16 - fp32 over seeds {both}: {100 * gap:+.2f} points")
        for s in both:
            k = error_consistency(runs[s, "fp32"]["correct"], runs[s, "bf16"]["correct"])
            print(f"seed {s}: kappa(fp32, bf16) {k.kappa:.3f}")
    for precision in ("fp32", "bf16"):
        for a, b in itertools.combinations([s for s in seeds if (s, precision) in runs], 2):
            k = error_consistency(runs[a, precision]["correct"], runs[b, precision]["correct"])
            print(f"{precision}: kappa(seed {a}, seed {b}) {k.kappa:.3f}")


if __name__ == "__main__":
    main()
