"""Attribution maps of a run's model with captum: Integrated Gradients (zero baseline: a
black image) and Grad-CAM on the last convolutional feature map, for chosen images and
target classes.

The model is explained on raw pixel values (0..255 floats): the run's normalisation is the
first step of the explained function, so IG's zero baseline is the black image and its
completeness holds in pixel space. A map is one value per pixel: IG's attributions summed
over the colour channels; Grad-CAM's map upsampled (bilinear) to the image size.
"""

from __future__ import annotations

import copy
import os

import numpy as np
import pandas as pd
import torch
from captum.attr import IntegratedGradients, LayerAttribution, LayerGradCam
from torch import nn

from ddd import decisions
from ddd.study import Recipe
from ddd.train import capture, splits
from ddd.train.batches import Batches

METHODS = ("integrated_gradients", "grad_cam")


class Normalised(nn.Module):
    """A model that takes raw pixel values: (x - mean) / std, then the model."""

    mean: torch.Tensor  # buffers, registered in __init__
    std: torch.Tensor

    def __init__(self, model: nn.Module, mean: torch.Tensor, std: torch.Tensor) -> None:
        super().__init__()
        self.model = model
        self.register_buffer("mean", mean.reshape(1, -1, 1, 1).float())
        self.register_buffer("std", std.reshape(1, -1, 1, 1).float())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.model((x - self.mean) / self.std)


def explainable(model: nn.Module, mean: torch.Tensor, std: torch.Tensor) -> Normalised:
    """A copy of `model` on raw pixels, in evaluation mode, without in-place ReLUs (which
    would overwrite the feature map Grad-CAM differentiates)."""
    clone = copy.deepcopy(model).float().eval()
    for module in clone.modules():
        if isinstance(module, nn.ReLU):
            module.inplace = False
    return Normalised(clone, mean, std).eval()


def last_feature_layer(model: nn.Module, example: torch.Tensor) -> nn.Module:
    """The module whose output is the last (N, C, H, W) map with H, W > 1 of a forward
    pass: the last convolutional feature map, Grad-CAM's layer."""
    found: list[nn.Module] = []

    def hook(module: nn.Module, _inputs: tuple, output: torch.Tensor) -> None:
        if isinstance(output, torch.Tensor) and output.ndim == 4 and min(output.shape[2:]) > 1:
            found.append(module)

    handles = [m.register_forward_hook(hook) for m in model.modules() if m is not model]
    try:
        with torch.no_grad():
            model(example[:1])
    finally:
        for handle in handles:
            handle.remove()
    if not found:
        raise ValueError(f"{type(model).__name__} has no convolutional feature map for "
                         f"Grad-CAM")
    return found[-1]


def integrated_gradients(model: nn.Module, images: torch.Tensor, targets: torch.Tensor,
                         steps: int = 32) -> tuple[torch.Tensor, torch.Tensor]:
    """IG attributions (same shape as `images`) from the zero baseline, and each image's
    convergence delta: sum of attributions - (f(x) - f(0)) for its target."""
    ig = IntegratedGradients(model)
    attributions, delta = ig.attribute(images, baselines=torch.zeros_like(images),
                                       target=targets, n_steps=steps,
                                       method="gausslegendre", return_convergence_delta=True)
    return attributions.detach(), delta.detach()


def grad_cam(model: nn.Module, layer: nn.Module, images: torch.Tensor,
             targets: torch.Tensor) -> torch.Tensor:
    """Grad-CAM maps (ReLU of the gradient-weighted feature map), upsampled to the images'
    size: (N, H, W)."""
    cam = LayerGradCam(model, layer).attribute(images, target=targets, relu_attributions=True)
    return LayerAttribution.interpolate(cam, tuple(images.shape[2:]), "bilinear")[:, 0].detach()


def maps(model: nn.Module, images: torch.Tensor, targets: torch.Tensor, steps: int = 32
         ) -> dict[str, np.ndarray]:
    """Per method a float32 (N, H, W) map of every image for its target class (`model`:
    an `explainable` model; `images`: raw pixel values)."""
    layer = last_feature_layer(model, images)
    ig, _ = integrated_gradients(model, images, targets, steps)
    return {"integrated_gradients": ig.sum(dim=1).cpu().numpy().astype(np.float32),
            "grad_cam": grad_cam(model, layer, images, targets).cpu().numpy().astype(np.float32)}


def run_maps(recipe: Recipe, data_path: str | os.PathLike, manifest_path: str | os.PathLike,
             model_path: str | os.PathLike, decisions_path: str | os.PathLike,
             chosen: pd.DataFrame, steps: int, device: torch.device
             ) -> dict[str, np.ndarray]:
    """A run's maps of the `chosen` images (ddd.analysis.explanations.sample) of an
    in-memory dataset, for the true and for the run's predicted class: method -> float32
    (images, 2, H, W)."""
    manifest = splits.read_manifest(manifest_path)
    if manifest["storage"] == "files":
        raise ValueError("explanations need an in-memory dataset (not imagenet or "
                         "image_folder): set analysis.explanations.runs to 0")
    data, mean, std = capture.evaluation_data(data_path, manifest_path, recipe, device)
    assert isinstance(data, Batches), "storage 'files' was refused above"
    num_classes = splits.num_classes(manifest)
    assert num_classes is not None, "a trained run's dataset has a training split"
    model = capture.load_model(model_path, recipe.architecture, num_classes,
                               splits.image_size(manifest), device)
    ids = chosen["image_id"].to_numpy()
    final = decisions.read(decisions_path, epoch=-1).set_index("image_id")
    images = data.images[torch.as_tensor(ids, device=data.images.device)].float()
    net = explainable(model, mean, std)
    out: dict[str, list[np.ndarray]] = {method: [] for method in METHODS}
    for column in ("label", "prediction"):
        targets = torch.as_tensor(final.loc[ids, column].to_numpy().astype(np.int64),
                                  device=images.device)
        for method, found in maps(net, images.contiguous(), targets, steps).items():
            out[method].append(found)
    return {method: np.stack(found, axis=1) for method, found in out.items()}
