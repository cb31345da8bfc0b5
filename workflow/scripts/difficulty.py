"""Per-image difficulty, the histogram against the binomial, and the category shares."""

import pandas as pd

from ddd import analysis, correctness
from ddd.atomic import atomic_path
from ddd.logs import to_file

smk = snakemake

with to_file(smk.log[0]) as log:
    runs = pd.read_parquet(smk.input.runs)
    correct = pd.read_parquet(smk.input.correct)
    chosen = analysis.histogram_runs(runs, smk.params.histogram_runs)
    images, histogram, shares = analysis.difficulty_tables(
        correctness.matrix(correct, chosen), correct.index.to_numpy(),
        correct["label"].to_numpy(), smk.params.tolerance)
    for name, frame in {"images": images, "histogram": histogram, "shares": shares}.items():
        with atomic_path(smk.output[name]) as tmp:
            frame.to_parquet(tmp, index=False)
    log.info("histogram over %d runs: %s", len(chosen), ", ".join(chosen))
