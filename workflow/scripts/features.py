"""A trained run's final-epoch logits on every evaluation image and a layer's activations
on the fixed RSA image subset, checked against its decision table."""

import torch

from ddd import features
from ddd.io.logs import to_file
from ddd.study import Recipe
from ddd.train import capture
from ddd.train.loop import configure_determinism, pick_device

smk = snakemake

with to_file(smk.log[0]) as log:
    torch.set_num_threads(smk.threads)
    configure_determinism(True)
    log.info("run %s", smk.wildcards.run)
    found = capture.run_features(
        Recipe(**smk.params.recipe), smk.input.data, smk.input.manifest,
        smk.input.model, smk.input.decisions, smk.params.layer, smk.params.images,
        smk.params.seed, pick_device(smk.params.device), smk.params.eval_batch_size,
        smk.params.workers, smk.input.get("store"))
    features.save(smk.output[0], found)
