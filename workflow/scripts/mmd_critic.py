"""Prototypes and criticisms of every class for every run (MMD-critic), their enrichment
among difficulty categories (Fisher's exact test) and the trivial-vs-impossible kernel
two-sample test."""

import pandas as pd

from ddd.analysis import prototypes
from ddd.io.atomic import atomic_path
from ddd.io.logs import to_file

smk = snakemake

with to_file(smk.log[0]) as log:
    settings = prototypes.Settings(**smk.params.settings)
    tables = prototypes.study_tables({run: smk.input[run] for run in smk.params.runs},
                                     pd.read_parquet(smk.input.images), settings)
    for name in ("selection", "two_sample"):
        with atomic_path(smk.output[name]) as tmp:
            tables[name].to_parquet(tmp, index=False)
    with atomic_path(smk.output.enrichment) as tmp:
        tables["enrichment"].to_csv(tmp, index=False, float_format="%.4g")
    log.info("%d selections over %d runs\n%s\n%s", len(tables["selection"]),
             len(smk.params.runs), tables["enrichment"].to_string(),
             tables["two_sample"].to_string())
