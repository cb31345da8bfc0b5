"""Decision tables at the ImageNet study's scale: bytes on disk and read times.

A synthetic run has 50,000 test images of 1,000 classes (labels in random order, as the
validation files sorted by name have them) and 91 epochs (0 = untrained). Accuracy follows
a learning curve with steps at epochs 30 and 60 to about 70%; each image has a difficulty,
its correctness drifts slowly from epoch to epoch, and a wrong image mostly keeps its wrong
class or picks one fixed confusable class, so most predictions stay the same from one epoch
to the next (59% change in the first epoch, 7% in the last).

Reports bytes per (image, epoch) row, the time to read one epoch and one column of a run,
and the time the analyses take to read the final epoch of 40 runs
(ddd.collect.final_epoch). Targets: at most 2 bytes per row; 40 final epochs in < 2 s.

--confidence adds the p_true and margin columns (ddd.decisions.CONFIDENCE): the margin
is 3 times the distance of each image's latent score from the epoch's threshold, positive
where the prediction is right and negative where it is wrong; p_true
is its logistic times a random share left to the other classes. It reports the bytes of
each column and, for comparison, those of p_true quantised to uint8 and uint16 codes.

Run: PYTHONPATH=workflow .venv/bin/python benchmarks/decision_storage.py [--runs 40]
     [--confidence]
"""

from __future__ import annotations

import argparse
import platform
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pyarrow
import pyarrow.parquet as pq
from scipy.special import expit, ndtri

from ddd import collect, decisions


def learning_curve(epochs: int) -> np.ndarray:
    """Top-1 accuracy per epoch: chance at 0, steps at 30 and 60, about 70% at the end."""
    e = np.arange(epochs)
    curve = 0.70 - 0.45 * np.exp(-e / 6.0) - 0.08 * (e < 30) - 0.04 * (e < 60)
    return np.where(e == 0, 0.001, curve)


def synthetic_run(images: int, epochs: int, classes: int, seed: int,
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(epochs, images) predictions, p_true and margin, and the labels of one run; image
    traits fixed, the run's own noise from `seed`."""
    shared = np.random.default_rng(0)
    labels = shared.permutation(np.repeat(np.arange(classes), images // classes))
    difficulty = shared.standard_normal(images)
    confusable = (labels + shared.integers(1, classes, images)) % classes
    rng = np.random.default_rng(seed + 1)
    predictions = np.empty((epochs, images), dtype=np.int16)
    predictions[0] = rng.choice(rng.integers(0, classes, 5), images)  # untrained: few classes
    margin = np.empty((epochs, images), dtype=np.float32)
    margin[0] = np.where(predictions[0] == labels, 0.01, -rng.exponential(0.05, images))
    p_true = np.empty((epochs, images), dtype=np.float32)
    p_true[0] = np.exp(rng.normal(0, 0.05, images)) / classes
    drift = rng.standard_normal(images)
    thresholds = ndtri(learning_curve(epochs))
    for epoch in range(1, epochs):
        drift = 0.9 * drift + np.sqrt(1 - 0.9**2) * rng.standard_normal(images)
        score = thresholds[epoch] - (difficulty + 0.6 * drift) / np.sqrt(1.36)
        right = score > 0
        other = np.where(rng.random(images) < 0.6, confusable,
                         rng.integers(0, classes, images))
        keep = (rng.random(images) < 0.5 + 0.45 * min(epoch / 30, 1)) & (
            predictions[epoch - 1] != labels)
        wrong = np.where(keep, predictions[epoch - 1], other)
        predictions[epoch] = np.where(right, labels, wrong)
        # a random wrong class may be the label: the margin's sign follows the prediction
        margin[epoch] = np.where(predictions[epoch] == labels, 3, -3) * np.abs(score)
        p_true[epoch] = expit(margin[epoch]) * (1 - 0.9 * rng.beta(1, 3, images))
    return predictions, p_true, margin, labels


def column_bytes(path: Path) -> dict[str, int]:
    """Compressed bytes of each column of a Parquet file, over its row groups."""
    meta = pq.ParquetFile(path).metadata
    sizes: dict[str, int] = {}
    for group in range(meta.num_row_groups):
        for i in range(meta.num_columns):
            chunk = meta.row_group(group).column(i)
            sizes[chunk.path_in_schema] = (sizes.get(chunk.path_in_schema, 0)
                                           + chunk.total_compressed_size)
    return sizes


def quantised_bytes(values: np.ndarray, dtype: type, folder: Path, rows_per_group: int
                    ) -> int:
    """Bytes of probabilities stored as integer codes k = round(p * max) of `dtype`, with
    the decision table's compression."""
    codes = np.round(values.ravel() * np.iinfo(dtype).max).astype(dtype)
    path = folder / "codes.parquet"
    pq.write_table(pyarrow.table({"p_true": codes}), path, row_group_size=rows_per_group,
                   compression="zstd", compression_level=9, use_dictionary=False,
                   data_page_size=1 << 30)
    return path.stat().st_size


def best_of(fn: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--images", type=int, default=50_000)
    parser.add_argument("--epochs", type=int, default=91)
    parser.add_argument("--classes", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--confidence", action="store_true",
                        help="write the p_true and margin columns too")
    args = parser.parse_args()
    rows = args.images * args.epochs
    print(f"{args.runs} runs x {args.images} images x {args.epochs} epochs, {args.classes} "
          f"classes{', with p_true and margin' if args.confidence else ''}; pyarrow "
          f"{pyarrow.__version__}, {platform.machine()}, {platform.python_version()}")

    with tempfile.TemporaryDirectory() as tmp:
        paths, sizes = {}, []
        for seed in range(args.runs):
            predictions, p_true, margin, labels = synthetic_run(args.images, args.epochs,
                                                                args.classes, seed)
            table = decisions.from_predictions(
                predictions, labels, **({"p_true": p_true, "margin": margin}
                                        if args.confidence else {}))
            paths[f"run-{seed + 1}"] = path = Path(tmp) / f"run-{seed + 1}.parquet"
            meta = {"run": f"run-{seed + 1}", "dataset": "synthetic", "condition": "run",
                    "instance": seed + 1, "architecture": "none"}
            if seed == 0:
                accuracy = (predictions == labels).mean(axis=1)
                changes = (predictions[1:] != predictions[:-1]).mean(axis=1)
                print(f"run 1: accuracy {accuracy[1]:.1%} after epoch 1, {accuracy[-1]:.1%} "
                      f"final; predictions changing {changes[0]:.0%} after epoch 1, "
                      f"{changes[-1]:.0%} in the last epoch")
                write = best_of(lambda t=table, p=path, m=meta: decisions.write(p, t, m), 1)
                if args.confidence:
                    group = decisions.EPOCHS_PER_ROW_GROUP * args.images
                    alternatives = {f"p_true as {np.dtype(t).name} codes": quantised_bytes(
                        p_true, t, Path(tmp), group) / rows for t in (np.uint8, np.uint16)}
                previous = Path(tmp) / "previous.parquet"
                pq.write_table(table.select(decisions.SCHEMA.names).replace_schema_metadata(
                    {decisions.METADATA_KEY: b'{"run": "previous"}'}), previous,
                    compression="zstd", row_group_size=1 << 20)
            else:
                decisions.write(path, table, meta)
            sizes.append(path.stat().st_size)

        first = paths["run-1"]
        final = best_of(lambda: decisions.read(first, epoch=-1), args.repeats)
        middle = best_of(lambda: decisions.read(first, epoch=args.epochs // 2), args.repeats)
        column = best_of(lambda: pq.read_table(first, columns=["correct"],
                                               page_checksum_verification=True),
                         args.repeats)
        whole = best_of(lambda: decisions.read(first), args.repeats)
        runs = best_of(lambda: collect.final_epoch(paths), 3)
        before_final = best_of(lambda: decisions.read(previous, epoch=-1), args.repeats)
        print(f"bytes per row: {np.mean(sizes) / rows:.3f} (mean of {args.runs} files, "
              f"{np.mean(sizes) / 2**20:.1f} MiB each); write {write:.2f} s")
        print("bytes per row of each column (run 1): " + ", ".join(
            f"{name} {size / rows:.3f}" for name, size in column_bytes(first).items()))
        if args.confidence:
            print("alternative encodings: " + ", ".join(
                f"{name} {size:.3f}" for name, size in alternatives.items()))
        print(f"read one run: final epoch {final * 1e3:.0f} ms, epoch {args.epochs // 2} "
              f"{middle * 1e3:.0f} ms, column `correct` (all epochs) {column * 1e3:.0f} ms, "
              f"whole table {whole * 1e3:.0f} ms (best of {args.repeats})")
        print(f"final epoch of {args.runs} runs (correctness.final_epoch): {runs:.2f} s "
              f"(best of 3, files in the page cache)")
        print(f"previous writer settings (zstd, row groups of 2^20 rows): "
              f"{previous.stat().st_size / rows:.3f} bytes per row, final epoch "
              f"{before_final * 1e3:.0f} ms (read by this version)")


if __name__ == "__main__":
    main()
