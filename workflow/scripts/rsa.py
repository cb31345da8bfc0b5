"""RSA between every pair of runs: RDMs of a layer's activations on the same image subset,
compared by Spearman (or Pearson) correlation of their upper triangles."""

import resource

import pandas as pd

from ddd.analysis import rsa
from ddd.io.atomic import atomic_path
from ddd.io.logs import to_file

smk = snakemake

with to_file(smk.log[0]) as log:
    runs = pd.DataFrame(smk.params.runs)
    tables = rsa.study_tables({run: smk.input[run] for run in runs["run"]}, runs,
                              smk.params.comparison, smk.params.base_condition,
                              list(smk.params.within_conditions))
    for name, frame in tables.items():
        with atomic_path(smk.output[name]) as tmp:
            frame.to_parquet(tmp, index=False)
    log.info("peak memory %.0f MiB", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
