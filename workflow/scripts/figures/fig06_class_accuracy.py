"""Fig 6/15: class-wise accuracy of every run, sorted."""

import pandas as pd

from ddd.logs import to_file
from ddd.plots import base, classes

smk = snakemake

with to_file(smk.log[0]):
    fig = classes.class_accuracy(pd.read_parquet(smk.input.table), smk.params.base_run,
                                 f"{smk.wildcards.study}: class-wise accuracy")
    base.save(fig, [smk.output.png, smk.output.pdf], smk.params.dpi)
