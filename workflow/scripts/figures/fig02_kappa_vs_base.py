"""Fig 2: kappa of each condition vs base, with intervals, kappa range and DDD reference."""

import pandas as pd

from ddd.logs import to_file
from ddd.plots import base, kappa

smk = snakemake

with to_file(smk.log[0]):
    reference = pd.read_parquet(smk.input.reference).set_index("subset")["kappa_difficulty"]
    fig = kappa.kappa_vs_base(pd.read_parquet(smk.input.table),
                              f"{smk.wildcards.study}: error consistency vs base",
                              tuple(smk.params.ylim), difficulty_kappa=reference.get("all"))
    base.save(fig, [smk.output.png, smk.output.pdf], smk.params.dpi)
