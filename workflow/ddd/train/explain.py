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

import numpy as np
import torch
from captum.attr import IntegratedGradients, LayerAttribution, LayerGradCam
from torch import nn

METHODS = ("integrated_gradients", "grad_cam")


class Normalised(nn.Module):
    """A model that takes raw pixel values: (x - mean) / std, then the model."""

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
    return {"integrated_gradients": ig.sum(dim=1).numpy().astype(np.float32),
            "grad_cam": grad_cam(model, layer, images, targets).numpy().astype(np.float32)}
