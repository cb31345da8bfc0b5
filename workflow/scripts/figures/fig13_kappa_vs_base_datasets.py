"""Fig 13: kappa vs base per condition for every study side by side."""

import pandas as pd

from ddd.logs import to_file
from ddd.plots import base, kappa

smk = snakemake

with to_file(smk.log[0]):
    tables = {study: pd.read_parquet(path)
              for study, path in zip(smk.params.studies, smk.input.tables, strict=True)}
    fig = kappa.kappa_vs_base_datasets(tables, "error consistency vs base, by study")
    base.save(fig, [smk.output.png, smk.output.pdf], smk.params.dpi)
