"""Evaluate one pretrained model on the study's evaluation images: a one-epoch decision
table, like a trained run's."""

import torch

from ddd import decisions
from ddd.io.logs import to_file
from ddd.train import pretrained
from ddd.train.loop import pick_device

smk = snakemake

with to_file(smk.log[0]) as log:
    torch.set_num_threads(smk.threads)
    fields = {**smk.params.run, "run": smk.wildcards.run}
    table, metadata = pretrained.evaluate(
        smk.params.model, smk.input.data, smk.input.manifest, fields,
        pick_device(smk.params.device), smk.params.eval_batch_size, smk.params.workers,
        smk.params.confidence)
    decisions.write(smk.output.decisions, table, metadata)
    log.info("top-1 accuracy %.4f, %.1f s", metadata["history"][0]["test_accuracy"],
             metadata["seconds"])
