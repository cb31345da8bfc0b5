"""Model architectures by name.

The tiny_* models train in seconds per epoch on a CPU (the embedded default); resnet18 and
densenet121 are torchvision's, with a 3x3 stem and no max-pool for small (<= 64 px) images.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn


class GlobalMean(nn.Module):
    """Global average pooling as a mean: deterministic on CUDA, unlike adaptive pooling's
    backward pass."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.mean(dim=(2, 3), keepdim=True)


class BasicBlock(nn.Module):
    def __init__(self, c_in: int, c_out: int, stride: int) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(c_in, c_out, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(c_out)
        self.conv2 = nn.Conv2d(c_out, c_out, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(c_out)
        self.shortcut = nn.Identity()
        if stride != 1 or c_in != c_out:
            self.shortcut = nn.Sequential(nn.Conv2d(c_in, c_out, 1, stride, bias=False),
                                          nn.BatchNorm2d(c_out))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = torch.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return torch.relu(out + self.shortcut(x))


class TinyResNet(nn.Module):
    """8 weight layers: a stem, three basic blocks (16/32/64 channels) and a linear head."""

    def __init__(self, num_classes: int, widths: tuple[int, int, int] = (16, 32, 64)) -> None:
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, widths[0], 3, 1, 1, bias=False),
                                  nn.BatchNorm2d(widths[0]), nn.ReLU(inplace=True))
        self.blocks = nn.Sequential(BasicBlock(widths[0], widths[0], 1),
                                    BasicBlock(widths[0], widths[1], 2),
                                    BasicBlock(widths[1], widths[2], 2))
        self.head = nn.Linear(widths[2], num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.blocks(self.stem(x))
        return self.head(x.mean(dim=(2, 3)))


class DenseLayer(nn.Module):
    def __init__(self, c_in: int, growth: int) -> None:
        super().__init__()
        self.body = nn.Sequential(nn.BatchNorm2d(c_in), nn.ReLU(inplace=True),
                                  nn.Conv2d(c_in, growth, 3, 1, 1, bias=False))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([x, self.body(x)], dim=1)


class TinyDenseNet(nn.Module):
    """A small DenseNet (growth 12, three blocks of three layers): the 'other architecture'."""

    def __init__(self, num_classes: int, growth: int = 12, layers: int = 3) -> None:
        super().__init__()
        channels = 2 * growth
        modules: list[nn.Module] = [nn.Conv2d(3, channels, 3, 1, 1, bias=False)]
        for block in range(3):
            for _ in range(layers):
                modules.append(DenseLayer(channels, growth))
                channels += growth
            if block < 2:
                out = channels // 2
                modules += [nn.BatchNorm2d(channels), nn.ReLU(inplace=True),
                            nn.Conv2d(channels, out, 1, bias=False), nn.AvgPool2d(2)]
                channels = out
        modules += [nn.BatchNorm2d(channels), nn.ReLU(inplace=True)]
        self.features = nn.Sequential(*modules)
        self.head = nn.Linear(channels, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.features(x)
        return self.head(x.mean(dim=(2, 3)))


def _resnet18(num_classes: int, image_size: int) -> nn.Module:
    from torchvision.models import resnet18

    model = resnet18(num_classes=num_classes)
    model.avgpool = GlobalMean()
    if image_size <= 64:
        model.conv1 = nn.Conv2d(3, 64, 3, 1, 1, bias=False)
        model.maxpool = nn.Identity()
    return model


def _densenet121(num_classes: int, image_size: int) -> nn.Module:
    from torchvision.models import densenet121

    model = densenet121(num_classes=num_classes)
    if image_size <= 64:
        model.features.conv0 = nn.Conv2d(3, 64, 3, 1, 1, bias=False)
        model.features.pool0 = nn.Identity()
    return model


ARCHITECTURES: dict[str, Callable[[int, int], nn.Module]] = {
    "tiny_resnet": lambda num_classes, image_size: TinyResNet(num_classes),
    "tiny_densenet": lambda num_classes, image_size: TinyDenseNet(num_classes),
    "resnet18": _resnet18,
    "densenet121": _densenet121,
}


def build_model(name: str, num_classes: int, image_size: int) -> nn.Module:
    """Instantiate an architecture by name (weights from the current torch RNG state)."""
    try:
        factory = ARCHITECTURES[name]
    except KeyError as err:
        raise ValueError(f"unknown architecture {name!r}; valid: {sorted(ARCHITECTURES)}") \
            from err
    return factory(num_classes, image_size)
