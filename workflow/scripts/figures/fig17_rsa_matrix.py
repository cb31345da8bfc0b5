"""Fig 17 (right): mean RSA between every two conditions."""

import pandas as pd

from ddd.logs import to_file
from ddd.plots import base, rsa

smk = snakemake

with to_file(smk.log[0]):
    table = pd.read_parquet(smk.input.table)
    title = (f"{smk.wildcards.study}: RSA between conditions, layer "
             f"{rsa.layer_name(smk.params.layer)}, {table['images'].iloc[0]} images")
    fig = rsa.rsa_matrix(table, title, smk.params.comparison, smk.params.annotate)
    base.save(fig, [smk.output.png, smk.output.pdf], smk.params.dpi)
