"""Train one class-confusion run (a pair's repeat, or a control) on the study's dataset
restricted to the confusion classes, and write its decision table (original image ids and
class labels)."""

import time
from pathlib import Path

import numpy as np
import torch

from ddd import confusion, decisions
from ddd.batches import Batches
from ddd.datasets import arrays
from ddd.datasets.arrays import read_manifest
from ddd.logs import to_file
from ddd.study import Recipe, config_hash
from ddd.training import pick_device, run_metadata, train

smk = snakemake
params = smk.params

with to_file(smk.log[0]) as log:
    torch.set_num_threads(smk.threads)
    recipe = Recipe(**params.recipe)
    classes = list(params.classes)
    pair = confusion.parse_pair(smk.wildcards.pair)
    repeat = int(smk.wildcards.repeat)
    manifest = read_manifest(smk.input.manifest)
    device = pick_device(params.device)
    train_split = arrays.load(smk.input.data, "train", verify=True,
                              manifest_path=smk.input.manifest)
    test_split = arrays.load(smk.input.data, "test")
    keep = confusion.subset_indices(train_split.labels, classes, params.train_per_class)
    labels = train_split.labels[keep]
    if pair is not None:
        labels = confusion.relabel(labels, *pair, seed=repeat, both_ways=params.both_ways)
    relabelled = int((labels != train_split.labels[keep]).sum())
    test_ids = confusion.subset_indices(test_split.labels, classes)

    def to_device(images: np.ndarray, labels: np.ndarray) -> Batches:
        positions = confusion.to_positions(labels, classes)
        return Batches(torch.from_numpy(images).to(device), torch.from_numpy(positions).to(device))

    key = config_hash(recipe.as_dict(), manifest["sha256"], classes, params.train_per_class,
                      smk.wildcards.pair, repeat, params.both_ways)
    log.info("confusion %s, repeat %d: %s on %s, %d training images (%d relabelled), "
             "classes %s", smk.wildcards.pair, repeat, recipe.architecture, device, len(keep),
             relabelled, classes)
    began = time.perf_counter()
    _, result = train(
        recipe,
        to_device(train_split.images[keep], labels),
        to_device(test_split.images[test_ids], test_split.labels[test_ids]),
        num_classes=len(classes),
        checkpoint=params.checkpoint,
        checkpoint_key=key,
        eval_batch_size=params.eval_batch_size,
    )
    predictions = np.asarray(classes, dtype=np.int16)[result.predictions]
    metadata = {
        "study": smk.wildcards.study,
        "run": f"confusion_{smk.wildcards.pair}-{repeat}",
        "condition": f"confusion_{smk.wildcards.pair}",
        "instance": repeat,
        "pair": smk.wildcards.pair,
        "a": pair[0] if pair else None,
        "b": pair[1] if pair else None,
        "both_ways": params.both_ways,
        "repeat": repeat,
        "classes": classes,
        "relabelled": relabelled,
        "dataset": params.dataset,
        **run_metadata(recipe, result, key, manifest["sha256"], len(keep), device,
                       time.perf_counter() - began),
    }
    table = decisions.from_predictions(predictions, test_split.labels[test_ids],
                                       image_ids=test_ids)
    decisions.write(smk.output.decisions, table, metadata)
    Path(params.checkpoint).unlink(missing_ok=True)
    log.info("final test accuracy %.4f after %d epochs, %.1f s",
             result.history[-1]["test_accuracy"], recipe.total_epochs, metadata["seconds"])
