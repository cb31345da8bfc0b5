"""Draw fig10_kappa_matrix from its analysis table."""

import pandas as pd

from ddd import plots
from ddd.logs import to_file

smk = snakemake

with to_file(smk.log[0]):
    table = pd.read_parquet(smk.input[0])
    fig = plots.kappa_matrix(
        table, f"{smk.wildcards.study}: kappa between conditions", smk.params.annotate
    )
    plots.save(fig, smk.output[0], smk.params.dpi)
