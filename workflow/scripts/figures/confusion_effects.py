"""Class confusion: change of every class's accuracy per confused pair, in std devs."""


import pandas as pd

from ddd import classes
from ddd.logs import to_file
from ddd.plots import base, confusion

smk = snakemake

with to_file(smk.log[0]):
    names = classes.dataset_class_names(smk.input.manifest)
    fig = confusion.effects_heatmap(
        pd.read_parquet(smk.input.effects), dict(enumerate(names)), smk.params.both_ways,
        smk.params.correction,
        f"{smk.wildcards.study}: accuracy on T, confused vs control (Welch's t-test)")
    base.save(fig, [smk.output.png, smk.output.pdf], smk.params.dpi)
