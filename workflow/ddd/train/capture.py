"""Evaluate a trained run's saved model again to capture its logits on every evaluation
image and a named layer's activations on chosen images.

The saved model (results/{study}/models/{run}.pt) is the state dict after the final
evaluation, BatchNorm recalibration included, so evaluating it the way training did (the
same normalisation, batch size, precision and memory format, which its decision table
records) gives the final-epoch decisions.
"""

from __future__ import annotations

import logging
import os
import pickle
from collections.abc import Mapping
from typing import Any

import numpy as np
import torch
from torch import nn

from ddd import decisions, features
from ddd.analysis import rsa
from ddd.datasets import arrays
from ddd.errors import rebuild
from ddd.study import Recipe
from ddd.train import splits
from ddd.train.batches import Data, channel_stats, eval_batches
from ddd.train.loop import train_indices
from ddd.train.models import build_model
from ddd.train.precision import FP32, Numerics, cuda_amp

log = logging.getLogger(__name__)
OUTPUT = "output"  # layer name for the model's output: the classifier's logits (Fig 17)


def evaluation_data(data_path: str | os.PathLike, manifest_path: str | os.PathLike,
                    recipe: Recipe, device: torch.device, workers: int = 0,
                    store_path: str | os.PathLike | None = None
                    ) -> tuple[Data, torch.Tensor, torch.Tensor]:
    """The evaluation split on `device` and the normalisation the run was trained with
    (channel statistics of its training images; ImageNet's constants for file data); the
    dataset file is checked against its manifest first. `store_path`: the image store a
    file dataset's images are read from."""
    arrays.verify_checksum(data_path, manifest_path)
    keep = train_indices(splits.labels(data_path, "train"), recipe)
    train = splits.open_split(data_path, manifest_path, "train", device, keep=keep,
                              workers=workers, store_path=store_path, cue=recipe.shortcut)
    mean, std = channel_stats(train)
    return splits.open_split(data_path, manifest_path, "test", device, workers=workers,
                             store_path=store_path), mean, std


def load_model(path: str | os.PathLike, architecture: str, num_classes: int, image_size: int,
               device: torch.device,
               memory_format: torch.memory_format = torch.channels_last) -> nn.Module:
    """A run's final model from its state dict, in evaluation mode."""
    model = build_model(architecture, num_classes, image_size)
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
        model.load_state_dict(state)
    except (RuntimeError, OSError, KeyError, EOFError, pickle.UnpicklingError) as err:
        raise ValueError(f"{path}: cannot load it as a {architecture} with {num_classes} "
                         f"classes ({err}); rebuild it: {rebuild(path)}") from err
    # torch's stubs lack Module.to(device, memory_format=...), which torch accepts
    return model.to(device, memory_format=memory_format).eval()  # type: ignore[call-overload]


def layer_for(spec: str | Mapping[str, str], architecture: str) -> str:
    """The layer to capture: one name for every run, or one per architecture."""
    if isinstance(spec, str):
        return spec
    if architecture not in spec:
        raise ValueError(f"analysis.rsa.layer names no layer for architecture "
                         f"{architecture!r}; it names {sorted(spec)}")
    return spec[architecture]


def find_layer(model: nn.Module, name: str, architecture: str) -> nn.Module | None:
    """The named module (None for the model's output), or an error listing valid names."""
    if name == OUTPUT:
        return None
    modules = dict(model.named_modules())
    modules.pop("", None)
    if name not in modules:
        raise ValueError(f"analysis.rsa.layer: {architecture} has no module {name!r}; valid: "
                         f"{OUTPUT!r} (the logits) or one of {sorted(modules)}")
    return modules[name]


@torch.inference_mode()
def capture(model: nn.Module, data: Data, mean: torch.Tensor, std: torch.Tensor,
            batch_size: int, layer: nn.Module | None, rows: np.ndarray,
            numerics: Numerics = FP32
            ) -> tuple[np.ndarray, np.ndarray]:
    """Logits (float32) of every image and the layer's activations, flattened, of the
    images at `rows` (sorted indices), in one pass in evaluation order, under `numerics`
    (default fp32, channels_last)."""
    rows = np.asarray(rows)
    logits, activations = [], []
    wanted: list[np.ndarray] = []

    def hook(_module: nn.Module, _inputs: tuple, output: torch.Tensor) -> None:
        # Copy now: a later in-place op (ReLU) may overwrite the output tensor.
        picked = output[torch.as_tensor(wanted[-1], device=output.device)]
        activations.append(picked.float().flatten(1).cpu().clone())

    handle = layer.register_forward_hook(hook) if layer is not None else None
    try:
        with numerics.autocast(data.device):
            for start, (x, _) in zip(range(0, len(data), batch_size),
                                     eval_batches(data, batch_size, mean, std,
                                                  numerics.memory_format), strict=True):
                in_batch = rows[(rows >= start) & (rows < start + len(x))] - start
                wanted.append(in_batch)
                out = model(x).float()
                logits.append(out.cpu())
                if layer is None:
                    activations.append(out[torch.as_tensor(in_batch, device=out.device)].cpu())
    finally:
        if handle is not None:
            handle.remove()
    return torch.cat(logits).numpy(), torch.cat(activations).numpy()


def _reproducible(recipe: Recipe, trained: Mapping[str, Any], device: torch.device,
                  eval_batch_size: int) -> bool:
    """Whether evaluating the final model must give its decision table's final epoch
    exactly: a deterministic run trained on the CPU, evaluated there in batches of the
    same size (bit-identical arithmetic)."""
    return (recipe.deterministic and device.type == "cpu" and trained.get("device") == "cpu"
            and trained.get("eval_batch_size") == eval_batch_size)


def run_features(recipe: Recipe, data_path: str | os.PathLike,
                 manifest_path: str | os.PathLike, model_path: str | os.PathLike,
                 decisions_path: str | os.PathLike, layer_spec: str | Mapping[str, str],
                 images: int, seed: int, device: torch.device, eval_batch_size: int,
                 workers: int = 0, store_path: str | os.PathLike | None = None
                 ) -> features.Features:
    """A trained run's final logits on every evaluation image and the layer's activations on
    the seeded RSA subset of `images`, checked against its decision table's final epoch."""
    manifest = splits.read_manifest(manifest_path)
    trained = decisions.read_metadata(decisions_path)
    numerics = Numerics.recorded(trained, cuda_amp(device, recipe.amp))
    data, mean, std = evaluation_data(data_path, manifest_path, recipe, device, workers,
                                      store_path)
    num_classes = splits.num_classes(manifest)
    assert num_classes is not None, "a trained run's dataset has a training split"
    model = load_model(model_path, recipe.architecture, num_classes,
                       splits.image_size(manifest), device, numerics.memory_format)
    layer = layer_for(layer_spec, recipe.architecture)
    labels = splits.labels(data_path, "test")
    rows = rsa.stratified_subset(labels, images, seed)
    logits, activations = capture(model, data, mean, std, eval_batch_size,
                                  find_layer(model, layer, recipe.architecture), rows,
                                  numerics)
    final = decisions.read(decisions_path, epoch=-1)
    if not (np.array_equal(final["image_id"].to_numpy(), np.arange(len(labels)))
            and np.array_equal(final["label"].to_numpy(), labels)):
        raise ValueError(f"{decisions_path} does not hold the evaluation images of "
                         f"{data_path} (image ids or labels differ): it was changed or made "
                         f"on another dataset. Rebuild it: {rebuild(decisions_path)}")
    differ = int(np.sum(logits.argmax(1) != final["prediction"].to_numpy()))
    stored = logits.astype(np.float16)
    ties = int(np.sum(stored.max(1) == np.sort(stored, axis=1)[:, -2]))
    log.info("%d images; argmax of the logits differs from the decision table's final "
             "epoch on %d images; %d images have tied top logits in float16", len(labels),
             differ, ties)
    if differ:
        if _reproducible(recipe, trained, device, eval_batch_size):
            raise ValueError(
                f"the model {model_path} decides {differ} of {len(labels)} images otherwise "
                f"than its decision table {decisions_path}, on a deterministic CPU run "
                f"evaluated as in training: the two files are not of the same training. "
                f"Rebuild both: {rebuild(decisions_path)}")
        log.warning("the model's decisions are not reproduced exactly (GPU non-determinism "
                    "or another device or batch size than in training)")
    log.info("layer %r: %d images x %d values", layer, *activations.shape)
    image_ids = final["image_id"].to_numpy()
    return features.Features(image_ids, labels, logits, image_ids[rows], activations, layer)
