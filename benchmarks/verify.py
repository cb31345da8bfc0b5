"""`ddd verify` at the ImageNet study's scale: the time to reread a results folder of runs'
decision tables of 50,000 images x 91 epochs (benchmarks/decision_storage.py's synthetic
runs) with their dataset file, each table's every page CRC, metadata, contract and
provenance checked. Target: fast enough to run after every study.

Run: PYTHONPATH=workflow .venv/bin/python benchmarks/verify.py [--runs 40] [--folder DIR]
     [--images 50000 --epochs 91 --classes 1000]  (the default config's study: 5000 13 100)
"""

from __future__ import annotations

import argparse
import platform
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from ddd import decisions, verify
from ddd.datasets import arrays

sys.path.insert(0, str(Path(__file__).parent))
from decision_storage import synthetic_run  # noqa: E402

IMAGES, EPOCHS, CLASSES = 50_000, 91, 1000


def build(root: Path, runs: int, images: int = IMAGES, epochs: int = EPOCHS,
          classes: int = CLASSES) -> None:
    """A results folder of one study, imagenet, with `runs` runs' decision tables."""
    data = root / "results/imagenet/data"
    arrays.write_dataset(data / "dataset.npz", data / "manifest.json",
                         {"test_labels": np.zeros(images, np.int16)}, {"storage": "files"})
    sha = arrays.read_manifest(data / "manifest.json")["sha256"]
    for i in range(runs):
        predictions, labels = synthetic_run(images, epochs, classes, seed=i)
        run = f"seed-{i + 1}"
        decisions.write(root / f"results/imagenet/decisions/{run}.parquet",
                        decisions.from_predictions(predictions, labels),
                        {"run": run, "study": "imagenet", "dataset_sha256": sha,
                         "dataset": "imagenet", "condition": "seed", "instance": i + 1,
                         "architecture": "resnet18"})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--folder", help="keep the folder here (default: a temporary one)")
    parser.add_argument("--images", type=int, default=IMAGES)
    parser.add_argument("--epochs", type=int, default=EPOCHS)
    parser.add_argument("--classes", type=int, default=CLASSES)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(args.folder or tmp)
        began = time.perf_counter()
        build(root, args.runs, args.images, args.epochs, args.classes)
        print(f"built {args.runs} runs in {time.perf_counter() - began:.1f} s")
        tables = sorted((root / "results/imagenet/decisions").glob("*.parquet"))
        size = sum(p.stat().st_size for p in tables)
        report = verify.verify(root / "results")
        print(report.summary())
        cpu = platform.processor() or platform.machine()
        print(f"{len(tables)} tables of {args.images} images x {args.epochs} epochs, "
              f"{size / 1e6:.1f} MB;"
              f" {report.seconds / len(tables):.3f} s per table ({cpu}, pyarrow "
              f"{decisions.pa.__version__})")


if __name__ == "__main__":
    main()
