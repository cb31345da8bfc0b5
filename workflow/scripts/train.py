"""Train one run and write its decision table (every test image, every epoch)."""

import json
import time
from pathlib import Path

import numpy as np
import torch

import ddd
from ddd import decisions
from ddd.atomic import atomic_path
from ddd.batches import Batches
from ddd.datasets import arrays
from ddd.logs import to_file
from ddd.study import Recipe, config_hash
from ddd.training import pick_device, subset_indices, train

smk = snakemake

with to_file(smk.log[0]) as log:
    torch.set_num_threads(smk.threads)
    recipe = Recipe.from_mapping(smk.params.recipe)
    manifest = json.loads(Path(smk.input.manifest).read_text())
    device = pick_device(smk.params.device)
    train_split = arrays.load(smk.input.data, "train", verify=True,
                              manifest_path=smk.input.manifest)
    test_split = arrays.load(smk.input.data, "test")
    keep = subset_indices(train_split.labels, recipe.train_subset)

    def to_device(images: np.ndarray, labels: np.ndarray) -> Batches:
        return Batches(torch.from_numpy(images).to(device),
                       torch.from_numpy(labels.astype(np.int64)).to(device))

    key = config_hash(recipe.as_dict(), manifest["sha256"])
    log.info("run %s: %s on %s, %d training images, config hash %s", smk.wildcards.run,
             recipe.architecture, device, len(keep), key)
    began = time.perf_counter()
    model, result = train(
        recipe,
        to_device(train_split.images[keep], train_split.labels[keep]),
        to_device(test_split.images, test_split.labels),
        num_classes=int(manifest["splits"]["train"]["classes"]),
        checkpoint=smk.params.checkpoint,
        checkpoint_key=key,
        eval_batch_size=smk.params.eval_batch_size,
    )
    metadata = {
        **smk.params.run,
        "run": smk.wildcards.run,
        "dataset": smk.params.dataset,
        "architecture": recipe.architecture,
        "init_seed": recipe.init_seed,
        "data_seed": recipe.data_seed,
        "recipe": recipe.as_dict(),
        "config_hash": key,
        "dataset_sha256": manifest["sha256"],
        "train_images": int(len(keep)),
        "device": str(device),
        "history": result.history,
        "seconds": time.perf_counter() - began,
        "versions": {"ddd": ddd.__version__, "torch": torch.__version__,
                     "numpy": np.__version__},
    }
    table = decisions.from_predictions(result.predictions, test_split.labels)
    decisions.write(smk.output.decisions, table, metadata)
    with atomic_path(smk.output.model) as tmp:
        torch.save(model.state_dict(), tmp)
    Path(smk.params.checkpoint).unlink(missing_ok=True)
    log.info("final test accuracy %.4f after %d epochs, %.1f s",
             result.history[-1]["test_accuracy"], recipe.total_epochs, metadata["seconds"])
