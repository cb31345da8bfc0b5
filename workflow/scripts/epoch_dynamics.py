"""Learning over epochs of the histogram runs: decision changes per epoch, the share of runs
right per image and epoch, and the per-image difficulty atlas."""

import pandas as pd

from ddd.analysis import dynamics
from ddd.io.atomic import atomic_path
from ddd.io.logs import to_file

smk = snakemake

with to_file(smk.log[0]) as log:
    paths = {run: smk.input[run] for run in smk.params.runs}
    tables = dynamics.epoch_tables(paths, pd.read_parquet(smk.input.images))
    for name, frame in tables.items():
        with atomic_path(smk.output[name]) as tmp:
            frame.to_parquet(tmp, index=name == "share_right")
    log.info("%d runs, %d epochs in common; atlas: %s", len(paths),
             tables["share_right"].shape[1], tables["atlas"]["category"].value_counts().to_dict())
