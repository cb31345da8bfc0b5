"""Peak memory and time of RSA: RDMs of n images for R runs, compared pairwise.

Each case runs in a fresh process: per run an RDM of n images x d activation values
(float16, as stored) is computed and standardised (Spearman), then all R runs' vectors are
correlated. Reported: the process's peak resident memory (ru_maxrss) above its level after
the imports, the tracemalloc peak of numpy's arrays, and the wall time.

    PYTHONPATH=workflow python benchmarks/rsa_memory.py            # default cases
    PYTHONPATH=workflow python benchmarks/rsa_memory.py 10000 4    # one case: n, R
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time
import tracemalloc

CASES = [(2000, 2), (2000, 24), (10000, 2), (10000, 4)]
FEATURES = 100  # the default layer: logits of 100 classes


def measure(images: int, runs: int) -> dict[str, float]:
    import numpy as np

    from ddd.analysis import rsa

    rng = np.random.default_rng(0)
    base = rng.normal(size=(images, FEATURES))
    start_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    tracemalloc.start()
    began = time.perf_counter()  # activations (as loaded from the features files) included
    activations = [(base + rng.normal(size=base.shape)).astype(np.float16)
                   for _ in range(runs)]
    similarity = rsa.run_similarities(activations)
    seconds = time.perf_counter() - began
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert np.allclose(np.diag(similarity), 1.0, atol=1e-4)
    return {"images": images, "runs": runs, "seconds": round(seconds, 2),
            "tracemalloc_peak_mib": round(peak / 2**20, 1),
            "rss_peak_above_start_mib": round(
                (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - start_rss) / 1024, 1)}


def main() -> None:
    if len(sys.argv) == 3:
        print(json.dumps(measure(int(sys.argv[1]), int(sys.argv[2]))))
        return
    print(f"{'images':>7} {'runs':>5} {'seconds':>8} {'numpy peak MiB':>15} "
          f"{'RSS peak MiB':>13}")
    for images, runs in CASES:
        out = subprocess.run([sys.executable, __file__, str(images), str(runs)],
                             capture_output=True, text=True, check=True)
        row = json.loads(out.stdout)
        print(f"{images:>7} {runs:>5} {row['seconds']:>8} {row['tracemalloc_peak_mib']:>15} "
              f"{row['rss_peak_above_start_mib']:>13}")


if __name__ == "__main__":
    main()
