"""Fig 7: accuracy of every condition."""


import pandas as pd

from ddd.datasets.arrays import read_manifest
from ddd.logs import to_file
from ddd.plots import base, classes

smk = snakemake

with to_file(smk.log[0]):
    manifest = read_manifest(smk.input.manifest)
    fig = classes.accuracy_per_condition(pd.read_parquet(smk.input.runs),
                                         1 / manifest["splits"]["test"]["classes"],
                                         f"{smk.wildcards.study}: accuracy per condition")
    base.save(fig, [smk.output.png, smk.output.pdf], smk.params.dpi)
