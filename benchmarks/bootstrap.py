"""Bootstrap intervals for every kappa: runs x images x resamples at paper scale.

The paper's ImageNet study has about 30 runs on 50,000 validation images; the kappa rule
resamples the images 1,000 times (config analysis.bootstrap) for every pair.

Run: .venv/bin/python benchmarks/bootstrap.py [--runs 30] [--images 50000] [--resamples 1000]
"""

from __future__ import annotations

import argparse
import platform
import time

import numpy as np

from ddd.analysis.statistics import bootstrap_interval, bootstrap_kappa


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--images", type=int, default=50_000)
    parser.add_argument("--resamples", type=int, default=1000)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    difficulty = rng.beta(0.3, 0.3, args.images)
    correct = rng.random((args.runs, args.images)) < difficulty
    began = time.perf_counter()
    samples = bootstrap_kappa(correct, args.resamples, seed=0)
    low, high = bootstrap_interval(samples)
    seconds = time.perf_counter() - began
    print(f"{platform.machine()}, numpy {np.__version__}: {args.runs} runs x {args.images} "
          f"images x {args.resamples} resamples ({samples.shape[1]} pairs): {seconds:.2f} s; "
          f"median interval width {np.median(high - low):.4f}")


if __name__ == "__main__":
    main()
