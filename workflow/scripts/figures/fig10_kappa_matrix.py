"""Fig 10: mean kappa between every two conditions."""

import pandas as pd

from ddd.logs import to_file
from ddd.plots import base, kappa

smk = snakemake

with to_file(smk.log[0]):
    fig = kappa.kappa_matrix(pd.read_parquet(smk.input.table),
                             f"{smk.wildcards.study}: error consistency between conditions",
                             smk.params.annotate)
    base.save(fig, [smk.output.png, smk.output.pdf], smk.params.dpi)
