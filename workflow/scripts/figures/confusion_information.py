"""Class confusion: bits of one-vs-rest information on every class gained or lost."""


import pandas as pd

from ddd import classes
from ddd.logs import to_file
from ddd.plots import base, confusion

smk = snakemake

with to_file(smk.log[0]):
    names = classes.dataset_class_names(smk.input.manifest)
    fig = confusion.information_heatmap(
        pd.read_parquet(smk.input.effects), dict(enumerate(names)), smk.params.both_ways,
        f"{smk.wildcards.study}: information on T, confused - control")
    base.save(fig, [smk.output.png, smk.output.pdf], smk.params.dpi)
