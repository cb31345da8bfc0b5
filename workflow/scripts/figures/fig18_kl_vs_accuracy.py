"""Fig 18 (Gaussian set): KL between neighbouring classes against class accuracy."""


import numpy as np
import pandas as pd

from ddd.datasets import gaussian
from ddd.datasets.arrays import read_manifest
from ddd.logs import to_file
from ddd.plots import base, classes

smk = snakemake

with to_file(smk.log[0]):
    manifest = read_manifest(smk.input.manifest)
    kl = gaussian.kl_adjacent(np.asarray(manifest["sigmas"]))
    accuracy = pd.read_parquet(smk.input.table).groupby("class")["accuracy"].mean()
    fig = classes.kl_vs_accuracy(kl, accuracy.to_numpy()[: len(kl)], smk.params.skip_classes,
                                 f"{smk.wildcards.study}: KL divergence vs accuracy")
    base.save(fig, [smk.output.png, smk.output.pdf], smk.params.dpi)
