"""Error consistency for every pair of runs, on all images and on in-between images, with
bootstrap intervals, kappa bounds, p-values and the kappa image difficulty alone predicts."""

import pandas as pd

from ddd.analysis import tabulate
from ddd.io.atomic import atomic_path
from ddd.io.logs import to_file

smk = snakemake

with to_file(smk.log[0]) as log:
    images = pd.read_parquet(smk.input.images)
    log.info("%d of %d images are in-between", (images["category"] == "in_between").sum(),
             len(images))
    tables = tabulate.kappa_tables(
        pd.read_parquet(smk.input.correct), pd.read_parquet(smk.input.runs), images,
        list(smk.params.histogram_runs), smk.params.base_condition,
        list(smk.params.within_conditions), smk.params.bootstrap)
    log.info("%d pairs per subset, %d bootstrap resamples", len(tables["pairs"])
             // tables["pairs"]["subset"].nunique(), smk.params.bootstrap["resamples"])
    for name, frame in tables.items():
        with atomic_path(smk.output[name]) as tmp:
            frame.to_parquet(tmp, index=False)
