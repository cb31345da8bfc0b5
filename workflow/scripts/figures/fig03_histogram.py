"""Fig 3/14: how many runs classify each image correctly, against three references."""

import pandas as pd

from ddd.logs import to_file
from ddd.plots import base, difficulty

smk = snakemake

with to_file(smk.log[0]):
    fig = difficulty.difficulty_histogram(pd.read_parquet(smk.input.table),
                                          f"{smk.wildcards.study}: {smk.params.title}",
                                          flag_label=smk.params.flag_label)
    base.save(fig, [smk.output.png, smk.output.pdf], smk.params.dpi)
