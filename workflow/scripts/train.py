"""Train one run and write its decision table (every test image, every epoch)."""

import time
from pathlib import Path

import torch

from ddd import decisions
from ddd.atomic import atomic_path
from ddd.datasets import splits
from ddd.logs import to_file
from ddd.study import Recipe, config_hash
from ddd.training import pick_device, run_metadata, train, train_indices

smk = snakemake

with to_file(smk.log[0]) as log:
    torch.set_num_threads(smk.threads)
    recipe = Recipe(**smk.params.recipe)
    data, manifest_path = smk.input.data, smk.input.manifest
    manifest = splits.read_manifest(manifest_path)
    device = pick_device(smk.params.device)
    keep = train_indices(splits.labels(data, "train"), recipe)
    train_data = splits.open_split(data, manifest_path, "train", device, train=True, keep=keep,
                                   workers=smk.params.workers, verify=True)
    test_data = splits.open_split(data, manifest_path, "test", device,
                                  workers=smk.params.workers)
    key = config_hash(recipe.as_dict(), manifest["sha256"])
    log.info("run %s: %s on %s, %d training images, config hash %s", smk.wildcards.run,
             recipe.architecture, device, len(keep), key)
    began = time.perf_counter()
    model, result = train(
        recipe,
        train_data,
        test_data,
        num_classes=splits.num_classes(manifest),
        checkpoint=smk.params.checkpoint,
        checkpoint_key=key,
        eval_batch_size=smk.params.eval_batch_size,
        image_size=splits.image_size(manifest),
    )
    metadata = {
        **smk.params.run,
        "run": smk.wildcards.run,
        "dataset": smk.params.dataset,
        **run_metadata(recipe, result, key, manifest["sha256"], len(keep), device,
                       time.perf_counter() - began),
    }
    table = decisions.from_predictions(result.predictions, splits.labels(data, "test"))
    decisions.write(smk.output.decisions, table, metadata)
    with atomic_path(smk.output.model) as tmp:
        torch.save(model.state_dict(), tmp)
    Path(smk.params.checkpoint).unlink(missing_ok=True)
    log.info("final test accuracy %.4f after %d epochs, %.1f s",
             result.history[-1]["test_accuracy"], recipe.total_epochs, metadata["seconds"])
