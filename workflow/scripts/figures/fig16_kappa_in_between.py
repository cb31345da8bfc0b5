"""Fig 16: kappa between conditions on all images and on in-between images only."""

import pandas as pd

from ddd.logs import to_file
from ddd.plots import base, kappa

smk = snakemake

with to_file(smk.log[0]):
    fig = kappa.kappa_all_vs_in_between(
        pd.read_parquet(smk.input.table),
        f"{smk.wildcards.study}: all vs in-between images", smk.params.annotate)
    base.save(fig, [smk.output.png, smk.output.pdf], smk.params.dpi)
