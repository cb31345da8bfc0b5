"""Kappa for every pair of 100 runs x 50,000 images: one matrix product vs a pairwise loop.

Both paths start from per-run decision tables (image_id, correct) and check that image ids
line up. The loop takes two tables at a time and computes kappa for that pair; the matrix
path stacks the columns once and computes every pair with ddd.analysis.consistency.kappa_matrix.

Run: .venv/bin/python benchmarks/kappa_matrix.py [--runs 100] [--images 50000]
"""

from __future__ import annotations

import argparse
import platform
import time

import numpy as np
import pandas as pd

from ddd.analysis.consistency import error_consistency, kappa_matrix


def synthetic_tables(runs: int, images: int, seed: int = 0) -> list[pd.DataFrame]:
    """Runs that share per-image difficulty (dichotomous-ish), as decision tables."""
    rng = np.random.default_rng(seed)
    difficulty = rng.beta(0.3, 0.3, images)
    ids = np.arange(images, dtype=np.int32)
    return [
        pd.DataFrame({"image_id": ids, "correct": rng.random(images) < difficulty})
        for _ in range(runs)
    ]


def pairwise_loop(tables: list[pd.DataFrame]) -> np.ndarray:
    n = len(tables)
    kappa = np.eye(n)
    for i in range(n):
        for j in range(i + 1, n):
            a, b = tables[i], tables[j]
            if not np.array_equal(a["image_id"].to_numpy(), b["image_id"].to_numpy()):
                raise ValueError(f"runs {i} and {j} cover different images")
            kappa[i, j] = kappa[j, i] = error_consistency(
                a["correct"].to_numpy(), b["correct"].to_numpy()
            ).kappa
    return kappa


def matrix(tables: list[pd.DataFrame]) -> np.ndarray:
    ids = tables[0]["image_id"].to_numpy()
    for k, table in enumerate(tables[1:], start=1):
        if not np.array_equal(table["image_id"].to_numpy(), ids):
            raise ValueError(f"run {k} covers different images")
    correct = np.stack([table["correct"].to_numpy() for table in tables])
    return kappa_matrix(correct).kappa


def best_of(fn, tables, repeats: int) -> tuple[float, np.ndarray]:
    times, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn(tables)
        times.append(time.perf_counter() - start)
    return min(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--images", type=int, default=50_000)
    args = parser.parse_args()
    tables = synthetic_tables(args.runs, args.images)
    pairs = args.runs * (args.runs - 1) // 2
    t_matrix, k_matrix = best_of(matrix, tables, repeats=5)
    t_loop, k_loop = best_of(pairwise_loop, tables, repeats=1)
    assert np.allclose(k_matrix, k_loop, equal_nan=True), "matrix and loop disagree"
    print(f"machine: {platform.machine()}, {platform.processor() or 'cpu'}, numpy {np.__version__}")
    print(f"{args.runs} runs x {args.images} images ({pairs} pairs)")
    print(f"matrix (best of 5): {t_matrix:8.3f} s")
    print(f"pairwise loop:      {t_loop:8.3f} s")
    print(f"speed-up:           {t_loop / t_matrix:8.1f}x")


if __name__ == "__main__":
    main()
