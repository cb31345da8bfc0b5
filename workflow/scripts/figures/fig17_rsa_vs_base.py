"""Fig 17 (left): RSA of each condition's runs with the base run."""

import pandas as pd

from ddd.logs import to_file
from ddd.plots import base, rsa

smk = snakemake

with to_file(smk.log[0]):
    table = pd.read_parquet(smk.input.table)
    title = (f"{smk.wildcards.study}: RSA vs base, layer {rsa.layer_name(smk.params.layer)}, "
             f"{table['images'].max() if len(table) else 0} images")
    fig = rsa.rsa_vs_base(table, title, f"{smk.params.comparison} of RDMs")
    base.save(fig, [smk.output.png, smk.output.pdf], smk.params.dpi)
