"""Training jobs end to end: a study's run or a class-confusion run, from the prepared
dataset files to its decision table and metadata (the `train` and `confusion_train` rules'
scripts only open and write files around these)."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Mapping
from typing import Any

import numpy as np
import pyarrow as pa
import torch
from torch import nn

from ddd import decisions
from ddd.confusion import design
from ddd.datasets import arrays, store
from ddd.study import Recipe, config_hash
from ddd.train import splits
from ddd.train.batches import Batches
from ddd.train.loop import run_metadata, train, train_indices

log = logging.getLogger(__name__)


def train_run(recipe: Recipe, data: str | os.PathLike, manifest_path: str | os.PathLike,
              fields: Mapping[str, Any], device: torch.device, checkpoint: str | os.PathLike,
              eval_batch_size: int, workers: int = 0,
              store_path: str | os.PathLike | None = None, precision: str = "auto",
              channels_last: bool = True, confidence: bool = False
              ) -> tuple[nn.Module, pa.Table, dict[str, Any]]:
    """Train one run of a study: the final model, its decision table and its metadata
    (`fields`, which name the run, first, then the training's); `store_path`: the image
    store a file dataset's images are read from; `precision`, `channels_last`: the train
    settings (ddd.train.precision); `confidence`: the table has p_true and margin too."""
    manifest = splits.read_manifest(manifest_path)
    arrays.verify_checksum(data, manifest_path)  # before anything reads the file
    keep = train_indices(splits.labels(data, "train"), recipe)
    train_data = splits.open_split(data, manifest_path, "train", device, train=True, keep=keep,
                                   workers=workers, store_path=store_path, cue=recipe.shortcut)
    test_data = splits.open_split(data, manifest_path, "test", device, workers=workers,
                                  store_path=store_path)
    # The store's images differ from the files' (JPEG re-encoding): a checkpoint of one
    # must not resume the other.
    key = config_hash(recipe.as_dict(), manifest["sha256"],
                      *(["image store"] if store_path is not None else []),
                      *(["confidence"] if confidence else []))
    log.info("run %s: %s on %s, %d training images, config hash %s", fields.get("run"),
             recipe.architecture, device, len(keep), key)
    num_classes = splits.num_classes(manifest)
    assert num_classes is not None, "a training dataset has a training split"
    began = time.perf_counter()
    model, result = train(recipe, train_data, test_data, num_classes=num_classes,
                          checkpoint=checkpoint, checkpoint_key=key,
                          eval_batch_size=eval_batch_size, image_size=splits.image_size(manifest),
                          precision=precision, channels_last=channels_last,
                          confidence=confidence)
    metadata = {**fields, **run_metadata(recipe, result, key, manifest["sha256"], len(keep),
                                         device, time.perf_counter() - began),
                "eval_batch_size": eval_batch_size}  # features jobs reproduce decisions with it
    if store_path is not None:
        metadata["image_store"] = store.describe(store_path)
    table = decisions.from_predictions(result.predictions, splits.labels(data, "test"),
                                       p_true=result.p_true, margin=result.margin)
    return model, table, metadata


def train_confusion_run(recipe: Recipe, data: str | os.PathLike,
                        manifest_path: str | os.PathLike, *, study: str, dataset: str,
                        classes: list[int], pair: str, repeat: int,
                        train_per_class: int | None, both_ways: bool, device: torch.device,
                        checkpoint: str | os.PathLike, eval_batch_size: int,
                        precision: str = "auto", channels_last: bool = True
                        ) -> tuple[pa.Table, dict[str, Any]]:
    """Train one class-confusion run (`pair` "a-b" or a control, its `repeat` seeding the
    relabelling) on the `classes` of an in-memory dataset: its decision table (original
    image ids and class labels) and metadata."""
    classes = list(classes)
    pair_classes = design.parse_pair(pair)
    manifest = arrays.read_manifest(manifest_path)
    train_split = arrays.load(data, "train", verify=True, manifest_path=manifest_path)
    test_split = arrays.load(data, "test")
    keep = design.subset_indices(train_split.labels, classes, train_per_class)
    labels = train_split.labels[keep]
    if pair_classes is not None:
        labels = design.relabel(labels, *pair_classes, seed=repeat, both_ways=both_ways)
    relabelled = int((labels != train_split.labels[keep]).sum())
    test_ids = design.subset_indices(test_split.labels, classes)

    def to_device(images: np.ndarray, labels: np.ndarray) -> Batches:
        positions = design.to_positions(labels, classes)
        return Batches(torch.from_numpy(images).to(device), torch.from_numpy(positions).to(device))

    key = config_hash(recipe.as_dict(), manifest["sha256"], classes, train_per_class, pair,
                      repeat, both_ways)
    log.info("confusion %s, repeat %d: %s on %s, %d training images (%d relabelled), "
             "classes %s", pair, repeat, recipe.architecture, device, len(keep), relabelled,
             classes)
    began = time.perf_counter()
    _, result = train(recipe, to_device(train_split.images[keep], labels),
                      to_device(test_split.images[test_ids], test_split.labels[test_ids]),
                      num_classes=len(classes), checkpoint=checkpoint, checkpoint_key=key,
                      eval_batch_size=eval_batch_size, precision=precision,
                      channels_last=channels_last)
    metadata = {
        "study": study,
        "run": f"confusion_{pair}-{repeat}",
        "condition": f"confusion_{pair}",
        "instance": repeat,
        "pair": pair,
        "a": pair_classes[0] if pair_classes else None,
        "b": pair_classes[1] if pair_classes else None,
        "both_ways": both_ways,
        "repeat": repeat,
        "classes": classes,
        "relabelled": relabelled,
        "dataset": dataset,
        **run_metadata(recipe, result, key, manifest["sha256"], len(keep), device,
                       time.perf_counter() - began),
    }
    predictions = np.asarray(classes, dtype=np.int16)[result.predictions]
    table = decisions.from_predictions(predictions, test_split.labels[test_ids],
                                       image_ids=test_ids)
    return table, metadata
