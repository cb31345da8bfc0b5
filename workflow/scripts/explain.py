"""A run's attribution maps (Integrated Gradients, Grad-CAM) of the explained images, for
the true and for the predicted class."""

import pandas as pd
import torch

from ddd.analysis import explanations
from ddd.datasets import arrays, shortcut
from ddd.io.logs import to_file
from ddd.study import Recipe
from ddd.train import explain
from ddd.train.loop import configure_determinism, pick_device

smk = snakemake

with to_file(smk.log[0]) as log:
    torch.set_num_threads(smk.threads)
    configure_determinism(True)
    chosen = explanations.sample(
        pd.read_parquet(smk.input.images), smk.params.per_category, smk.params.seed,
        shortcut.conflict_ids(arrays.read_manifest(smk.input.manifest)), smk.params.conflicts)
    maps = explain.run_maps(Recipe(**smk.params.recipe), smk.input.data, smk.input.manifest,
                            smk.input.model, smk.input.decisions, chosen, smk.params.steps,
                            pick_device(smk.params.device))
    explanations.save(smk.output[0], chosen["image_id"].to_numpy(), maps)
    log.info("run %s: %d images, methods %s", smk.wildcards.run, len(chosen), list(maps))
