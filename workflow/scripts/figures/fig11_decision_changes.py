"""Fig 11: share of decisions that change from one epoch to the next."""

import pandas as pd

from ddd.logs import to_file
from ddd.plots import base, epochs

smk = snakemake

with to_file(smk.log[0]):
    fig = epochs.decision_changes(pd.read_parquet(smk.input.table),
                                  f"{smk.wildcards.study}: decisions changing between epochs")
    base.save(fig, [smk.output.png, smk.output.pdf], smk.params.dpi)
