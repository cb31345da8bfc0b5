"""The histogram of correct runs per image against its references, and the shares."""

import pandas as pd

from ddd import analysis, correctness
from ddd.atomic import atomic_path
from ddd.flags import read_flags
from ddd.logs import to_file

smk = snakemake

with to_file(smk.log[0]) as log:
    runs = pd.read_parquet(smk.input.runs)
    correct = pd.read_parquet(smk.input.correct)
    chosen = list(smk.params.histogram_runs)
    flags = None
    if hasattr(smk.input, "flags"):  # the study configures image_flags
        flags = read_flags(smk.input.flags, smk.params.flag_column, correct.index.to_numpy())
        log.info("%d of %d images flagged (%s)", flags.sum(), flags.size,
                 smk.params.flag_column)
    histogram, shares = analysis.difficulty_tables(correctness.matrix(correct, chosen),
                                                   smk.params.tolerance, flags=flags)
    for name, frame in {"histogram": histogram, "shares": shares}.items():
        with atomic_path(smk.output[name]) as tmp:
            frame.to_parquet(tmp, index=False)
    log.info("histogram over %d runs: %s", len(chosen), ", ".join(chosen))
