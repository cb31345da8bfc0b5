"""How far from the reference: relative accuracy and kappa per run, accuracy per class."""

import pandas as pd

from ddd.logs import to_file
from ddd.plots import base, references

smk = snakemake

with to_file(smk.log[0]):
    reference = smk.wildcards.reference
    fig = references.vs_reference(pd.read_parquet(smk.input.runs),
                                  pd.read_parquet(smk.input.classes), reference,
                                  f"{smk.wildcards.study}: the runs against {reference}")
    base.save(fig, [smk.output.png, smk.output.pdf], smk.params.dpi)
