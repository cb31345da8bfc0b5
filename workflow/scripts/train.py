"""Train one run and write its decision table (every test image, every epoch)."""

from pathlib import Path

import torch

from ddd import decisions
from ddd.datasets.arrays import sha256
from ddd.io.atomic import atomic_path
from ddd.io.logs import to_file
from ddd.study import Recipe
from ddd.train.jobs import train_run
from ddd.train.loop import pick_device

smk = snakemake

with to_file(smk.log[0]) as log:
    torch.set_num_threads(smk.threads)
    recipe = Recipe(**smk.params.recipe)
    fields = {**smk.params.run, "run": smk.wildcards.run, "dataset": smk.params.dataset}
    model, table, metadata = train_run(
        recipe, smk.input.data, smk.input.manifest, fields, pick_device(smk.params.device),
        smk.params.checkpoint, smk.params.eval_batch_size, smk.params.workers,
        smk.input.get("store"), smk.params.precision, smk.params.channels_last,
        smk.params.confidence)
    with atomic_path(smk.output.model) as tmp:
        torch.save(model.state_dict(), tmp)
        metadata["model_sha256"] = sha256(tmp)  # ddd verify checks the model against it
    decisions.write(smk.output.decisions, table, metadata)
    Path(smk.params.checkpoint).unlink(missing_ok=True)
    log.info("final test accuracy %.4f after %d epochs, %.1f s",
             metadata["history"][-1]["test_accuracy"], recipe.total_epochs, metadata["seconds"])
