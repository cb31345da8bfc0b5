"""Draw fig16_kappa_in_between from its analysis table."""

import pandas as pd

from ddd import plots
from ddd.logs import to_file

smk = snakemake

with to_file(smk.log[0]):
    table = pd.read_parquet(smk.input[0])
    fig = plots.kappa_all_vs_in_between(
        table, f"{smk.wildcards.study}: kappa on all vs in-between images", smk.params.annotate
    )
    plots.save(fig, smk.output[0], smk.params.dpi)
