"""Train one class-confusion run (a pair's repeat, or a control) on the study's dataset
restricted to the confusion classes, and write its decision table (original image ids and
class labels)."""

from pathlib import Path

import torch

from ddd import decisions
from ddd.io.logs import to_file
from ddd.study import Recipe
from ddd.train.jobs import train_confusion_run
from ddd.train.loop import pick_device

smk = snakemake
params = smk.params

with to_file(smk.log[0]) as log:
    torch.set_num_threads(smk.threads)
    recipe = Recipe(**params.recipe)
    table, metadata = train_confusion_run(
        recipe, smk.input.data, smk.input.manifest, study=smk.wildcards.study,
        dataset=params.dataset, classes=list(params.classes), pair=smk.wildcards.pair,
        repeat=int(smk.wildcards.repeat), train_per_class=params.train_per_class,
        both_ways=params.both_ways, device=pick_device(params.device),
        checkpoint=params.checkpoint, eval_batch_size=params.eval_batch_size,
        precision=params.precision, channels_last=params.channels_last)
    decisions.write(smk.output.decisions, table, metadata)
    Path(params.checkpoint).unlink(missing_ok=True)
    log.info("final test accuracy %.4f after %d epochs, %.1f s",
             metadata["history"][-1]["test_accuracy"], recipe.total_epochs, metadata["seconds"])
