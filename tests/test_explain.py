"""Attribution maps: Integrated Gradients on a linear model equals x * w_c exactly,
completeness on a small CNN, Grad-CAM's layer and shape, and the randomised-weights sanity
check (Adebayo et al. 2018)."""

from __future__ import annotations

import functools

import pytest
import torch
from torch import nn

from ddd.analysis import explanations
from ddd.train import explain
from ddd.train.models import build_model


def test_integrated_gradients_of_a_linear_model_is_input_times_weight():
    torch.manual_seed(0)
    linear = nn.Sequential(nn.Flatten(), nn.Linear(3 * 4 * 4, 5))
    x = torch.rand(6, 3, 4, 4) * 255
    targets = torch.tensor([0, 1, 2, 3, 4, 0])
    found, delta = explain.integrated_gradients(linear, x, targets, steps=7)
    weights = linear[1].weight.detach()[targets].reshape(6, 3, 4, 4)
    assert torch.allclose(found, x * weights, rtol=1e-5, atol=1e-4)
    assert delta.abs().max() < 1e-3


def small_cnn(seed: int, architecture: str | None = None) -> nn.Module:
    """Two convolutions, global mean, a linear head (or a workflow architecture), on raw
    pixels."""
    torch.manual_seed(seed)
    model = build_model(architecture, 4, 8) if architecture else nn.Sequential(
        nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(inplace=True), nn.Conv2d(8, 8, 3, padding=1),
        nn.ReLU(inplace=True), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(8, 4))
    return explain.explainable(model.eval(), torch.full((3,), 100.0), torch.full((3,), 50.0))


def test_grad_cam_uses_the_last_feature_map_and_the_image_size():
    model = small_cnn(0, "tiny_resnet")
    x = torch.rand(3, 3, 8, 8) * 255
    assert explain.last_feature_layer(model, x) is model.model.blocks
    found = explain.maps(model, x, torch.tensor([0, 1, 2]))
    assert found["grad_cam"].shape == found["integrated_gradients"].shape == (3, 8, 8)
    assert (found["grad_cam"] >= 0).all()


@functools.cache
def trained_on_a_corner_patch(seed: int) -> tuple[nn.Module, torch.Tensor]:
    """A tiny ResNet trained to tell which of 4 corners holds a bright patch (noise
    elsewhere), and test images."""
    gen = torch.Generator().manual_seed(0)

    def batch(n: int) -> tuple[torch.Tensor, torch.Tensor]:
        x = torch.rand(n, 3, 8, 8, generator=gen) * 100
        y = torch.randint(0, 4, (n,), generator=gen)
        for i, corner in enumerate(y.tolist()):
            r, c = divmod(corner, 2)
            x[i, :, 6 * r:6 * r + 2, 6 * c:6 * c + 2] = 255
        return x, y

    model = small_cnn(seed)
    optimiser = torch.optim.Adam(model.parameters(), lr=1e-2)
    model.train()
    for _ in range(150):
        x, y = batch(64)
        loss = nn.functional.cross_entropy(model(x), y)
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
    model.eval()
    x, y = batch(32)
    with torch.no_grad():
        assert (model(x).argmax(1) == y).float().mean() > 0.9  # it learned the task
    return model, x


@pytest.mark.parametrize("method", explain.METHODS)
def test_randomised_weights_change_the_maps(method):
    """Two trainings from different seeds explain alike; the trained model and the same
    architecture with random weights do not (maps' Spearman correlation per image)."""
    first, x = trained_on_a_corner_patch(0)
    second, _ = trained_on_a_corner_patch(1)
    random = small_cnn(2)
    with torch.no_grad():
        targets = first(x).argmax(1)
    maps = [explain.maps(m, x, targets)[method] for m in (first, second, random)]

    trained_pair = explanations.map_similarity(maps[0], maps[1])
    randomised = explanations.map_similarity(maps[0], maps[2])
    assert randomised < trained_pair


@pytest.mark.parametrize("steps", [64])
def test_completeness_on_a_small_cnn(steps):
    """Attributions sum to f(x) - f(0) up to the convergence delta, which is small: at
    most 1% of the largest gap."""
    model, x = trained_on_a_corner_patch(0)
    x = x[:8]
    targets = torch.tensor([0, 1, 2, 3, 0, 1, 2, 3])
    found, delta = explain.integrated_gradients(model, x, targets, steps=steps)
    with torch.no_grad():
        gap = model(x)[torch.arange(8), targets] - model(torch.zeros_like(x))[0, targets]
    scale = gap.abs().max().item()
    assert torch.allclose(found.sum(dim=(1, 2, 3)) - gap, delta, atol=1e-4 * scale)
    assert delta.abs().max() <= 1e-2 * scale
