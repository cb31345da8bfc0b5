"""Draw fig02_kappa_vs_base from its analysis table."""

import pandas as pd

from ddd import plots
from ddd.logs import to_file

smk = snakemake

with to_file(smk.log[0]):
    table = pd.read_parquet(smk.input[0])
    fig = plots.kappa_vs_base(
        table, f"{smk.wildcards.study}: error consistency vs base", tuple(smk.params.ylim)
    )
    plots.save(fig, smk.output[0], smk.params.dpi)
