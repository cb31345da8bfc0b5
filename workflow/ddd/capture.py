"""Evaluate a trained run's saved model again to capture its logits on every evaluation
image and a named layer's activations on chosen images.

The saved model (results/{study}/models/{run}.pt) is the state dict after the final
evaluation, BatchNorm recalibration included, so evaluating it the way training did (the
same normalisation, batch size and autocast) gives the final-epoch decisions.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

import numpy as np
import torch
from torch import nn

from ddd.batches import Data, channel_stats, eval_batches
from ddd.datasets import splits
from ddd.models import build_model
from ddd.study import Recipe
from ddd.training import autocast, train_indices

OUTPUT = "output"  # layer name for the model's output: the classifier's logits (Fig 17)


def evaluation_data(data_path: str | os.PathLike, manifest_path: str | os.PathLike,
                    recipe: Recipe, device: torch.device, workers: int = 0
                    ) -> tuple[Data, torch.Tensor, torch.Tensor]:
    """The evaluation split on `device` and the normalisation the run was trained with
    (channel statistics of its training images; ImageNet's constants for file data)."""
    keep = train_indices(splits.labels(data_path, "train"), recipe)
    train = splits.open_split(data_path, manifest_path, "train", device, keep=keep,
                              workers=workers)
    mean, std = channel_stats(train)
    return splits.open_split(data_path, manifest_path, "test", device, workers=workers), \
        mean, std


def load_model(path: str | os.PathLike, architecture: str, num_classes: int, image_size: int,
               device: torch.device) -> nn.Module:
    """A run's final model from its state dict, in evaluation mode."""
    model = build_model(architecture, num_classes, image_size)
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
        model.load_state_dict(state)
    except (RuntimeError, OSError, KeyError) as err:
        raise ValueError(f"{path}: cannot load it as a {architecture} with {num_classes} "
                         f"classes ({err}); rerun its training job") from err
    return model.to(device, memory_format=torch.channels_last).eval()


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
            batch_size: int, layer: nn.Module | None, rows: np.ndarray, amp: bool = False
            ) -> tuple[np.ndarray, np.ndarray]:
    """Logits (float32) of every image and the layer's activations, flattened, of the
    images at `rows` (sorted indices), in one pass in evaluation order."""
    rows = np.asarray(rows)
    logits, activations = [], []
    wanted: list[np.ndarray] = []

    def hook(_module: nn.Module, _inputs: tuple, output: torch.Tensor) -> None:
        # Copy now: a later in-place op (ReLU) may overwrite the output tensor.
        picked = output[torch.as_tensor(wanted[-1], device=output.device)]
        activations.append(picked.float().flatten(1).cpu().clone())

    handle = layer.register_forward_hook(hook) if layer is not None else None
    try:
        with autocast(data.device, amp):
            for start, (x, _) in zip(range(0, len(data), batch_size),
                                     eval_batches(data, batch_size, mean, std), strict=True):
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
