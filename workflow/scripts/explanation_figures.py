"""The explanation grid (every explained run's maps of the explained images) and the pairs'
map similarity against their kappa."""

import numpy as np
import pandas as pd

from ddd.analysis import explanations
from ddd.datasets import arrays, shortcut
from ddd.experiment.stimuli import test_images
from ddd.io.logs import to_file
from ddd.plots import base
from ddd.plots import explanations as drawing

smk = snakemake

with to_file(smk.log[0]):
    runs, study = list(smk.params.runs), smk.wildcards.study
    loaded = [explanations.load(smk.input[run]) for run in runs]
    image_ids = loaded[0][0]
    maps = {m: np.stack([found[m] for _, found in loaded]) for m in explanations.METHODS}
    images = pd.read_parquet(smk.input.images).set_index("image_id").loc[image_ids]
    conflicts = shortcut.conflict_ids(arrays.read_manifest(smk.input.manifest))
    chosen = pd.DataFrame({"image_id": image_ids, "category": images["category"].to_numpy(),
                           "conflict": np.isin(image_ids, conflicts)})
    base.save(drawing.grid(test_images(smk.input.data, smk.input.manifest), chosen, runs,
                           maps, f"{study}: attribution maps for the predicted class"),
              [smk.output.grid, smk.output.grid_pdf], smk.params.dpi)
    base.save(drawing.similarity_vs_kappa(pd.read_parquet(smk.input.pairs),
                                          f"{study}: do runs that err alike look alike?"),
              [smk.output.scatter, smk.output.scatter_pdf], smk.params.dpi)
