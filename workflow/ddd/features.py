"""A trained run's logits on every evaluation image and one layer's activations on a
fixed image subset, stored as float16 beside its decision table.

The saved model (results/{study}/models/{run}.pt) is the state dict after the final
evaluation, BatchNorm recalibration included, so evaluating it again the way training did
(same normalisation, batch size and autocast) gives the final-epoch decisions.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

from ddd.atomic import atomic_path
from ddd.batches import Batches, channel_stats, eval_batches
from ddd.datasets import arrays
from ddd.models import build_model
from ddd.study import Recipe
from ddd.training import autocast, subset_indices

OUTPUT = "output"  # layer name for the model's output: the classifier's logits (Fig 17)
FLOAT16_MAX = float(np.finfo(np.float16).max)


@dataclass(frozen=True)
class Features:
    """One run's stored features: logits (images, classes) over the evaluation set and a
    layer's activations (rsa images, features), flattened per image, both float16."""

    image_ids: np.ndarray
    labels: np.ndarray
    logits: np.ndarray
    rsa_image_ids: np.ndarray
    activations: np.ndarray
    layer: str


def evaluation_data(data_path: str | os.PathLike, recipe: Recipe, device: torch.device
                    ) -> tuple[Batches, torch.Tensor, torch.Tensor]:
    """The evaluation split on `device` and the normalisation the run was trained with
    (channel statistics of its training images, as in training). In-memory datasets only.
    """
    train_split = arrays.load(data_path, "train")
    test_split = arrays.load(data_path, "test")
    keep = subset_indices(train_split.labels, recipe.train_subset)
    mean, std = channel_stats(Batches(torch.from_numpy(train_split.images[keep]).to(device),
                                      torch.from_numpy(train_split.labels[keep]).to(device)))
    test = Batches(torch.from_numpy(test_split.images).to(device),
                   torch.from_numpy(test_split.labels.astype(np.int64)).to(device))
    return test, mean, std


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
def capture(model: nn.Module, data: Batches, mean: torch.Tensor, std: torch.Tensor,
            batch_size: int, layer: nn.Module | None, rows: np.ndarray, amp: bool = False
            ) -> tuple[np.ndarray, np.ndarray]:
    """Logits (float32) of every image and the layer's activations, flattened, of the
    images at `rows` (sorted indices), in one pass in evaluation order."""
    rows = np.asarray(rows)
    logits, activations = [], []
    wanted: list[np.ndarray] = []

    def keep(_module: nn.Module, _inputs: tuple, output: torch.Tensor) -> None:
        # Copy now: a later in-place op (ReLU) may overwrite the output tensor.
        picked = output[torch.as_tensor(wanted[-1], device=output.device)]
        activations.append(picked.float().flatten(1).cpu().clone())

    handle = layer.register_forward_hook(keep) if layer is not None else None
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


def _to_float16(values: np.ndarray, what: str) -> np.ndarray:
    if np.abs(values).max(initial=0.0) > FLOAT16_MAX or not np.isfinite(values).all():
        raise ValueError(f"{what} exceed the float16 range (or are not finite); capture "
                         f"another layer")
    return values.astype(np.float16)


def save(path: str | os.PathLike, features: Features) -> None:
    """Write a run's features atomically (.npz, float16 arrays)."""
    with atomic_path(path) as tmp, open(tmp, "wb") as handle:
        np.savez(handle, image_ids=features.image_ids.astype(np.int32),
                 labels=features.labels.astype(np.int16),
                 logits=_to_float16(features.logits, "logits"),
                 rsa_image_ids=features.rsa_image_ids.astype(np.int32),
                 activations=_to_float16(features.activations, "activations"),
                 layer=np.array(features.layer))


def load(path: str | os.PathLike) -> Features:
    """Read a run's features, naming the file when it is missing or incomplete."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"features file {path} does not exist: build it with "
                                f"`snakemake {path}`")
    with np.load(path) as archive:
        missing = [k for k in ("image_ids", "labels", "logits", "rsa_image_ids",
                               "activations", "layer") if k not in archive]
        if missing:
            raise ValueError(f"{path}: lacks arrays {missing}; delete it and rerun its "
                             f"features job")
        return Features(archive["image_ids"], archive["labels"], archive["logits"],
                        archive["rsa_image_ids"], archive["activations"], str(archive["layer"]))
