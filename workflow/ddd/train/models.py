"""Model architectures by name.

The tiny_* models train in seconds per epoch on a CPU (the embedded default); their
*_bnhead variants standardise the pooled features with a BatchNorm before the linear
classifier, which the Gaussian-sigma set needs: its low-sigma classes differ by small
offsets of the pooled features that a linear head on raw features barely learns to
separate in a short run (benchmarks/gaussian_default_probes.py). resnet18,
resnet50, densenet121, vgg11 (torchvision's batch-norm variant, vgg11_bn) and alexnet are
torchvision's; for small (<= 64 px) images each gets a small-image stem: a 3x3 stride-1
first conv, no stem max-pool (resnets, densenet), one max-pool fewer (vgg11) or 2x2 pools
(alexnet), and a global mean before a classifier sized to the channels (vgg11, alexnet).
Above 64 px the parameters are torchvision's exactly, so its pretrained weights load.

Every pooling that ends the feature extractor is deterministic on CUDA: a mean (adaptive
pooling to 1x1 is dispatched to one, as in densenet121), or PoolTo, which passes through
maps already of its size instead of running adaptive pooling, whose CUDA backward has no
deterministic kernel.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

SMALL_IMAGE = 64  # px: images up to this size get the small-image stems


class GlobalMean(nn.Module):
    """Global average pooling as an explicit mean: deterministic on CUDA."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.mean(dim=(2, 3), keepdim=True)


class PoolTo(nn.Module):
    """Adaptive average pooling to size x size that passes maps of that size through:
    deterministic at the nominal input size (224 px), unlike adaptive pooling's CUDA
    backward. Parameter-free, so torchvision's state dicts still load."""

    def __init__(self, size: int) -> None:
        super().__init__()
        self.size = size

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.shape[-2:] == (self.size, self.size):
            return x
        return nn.functional.adaptive_avg_pool2d(x, self.size)


class BasicBlock(nn.Module):
    def __init__(self, c_in: int, c_out: int, stride: int) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(c_in, c_out, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(c_out)
        self.conv2 = nn.Conv2d(c_out, c_out, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(c_out)
        self.shortcut: nn.Module = nn.Identity()
        if stride != 1 or c_in != c_out:
            self.shortcut = nn.Sequential(nn.Conv2d(c_in, c_out, 1, stride, bias=False),
                                          nn.BatchNorm2d(c_out))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = torch.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return torch.relu(out + self.shortcut(x))


def classifier(channels: int, num_classes: int, head_norm: bool) -> nn.Module:
    """The linear head; with `head_norm`, a BatchNorm over the pooled features first."""
    head = nn.Linear(channels, num_classes)
    return nn.Sequential(nn.BatchNorm1d(channels), head) if head_norm else head


class TinyResNet(nn.Module):
    """8 weight layers: a stem, three basic blocks (16/32/64 channels) and a linear head."""

    def __init__(self, num_classes: int, widths: tuple[int, int, int] = (16, 32, 64),
                 head_norm: bool = False) -> None:
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, widths[0], 3, 1, 1, bias=False),
                                  nn.BatchNorm2d(widths[0]), nn.ReLU(inplace=True))
        self.blocks = nn.Sequential(BasicBlock(widths[0], widths[0], 1),
                                    BasicBlock(widths[0], widths[1], 2),
                                    BasicBlock(widths[1], widths[2], 2))
        self.head = classifier(widths[2], num_classes, head_norm)

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

    def __init__(self, num_classes: int, growth: int = 12, layers: int = 3,
                 head_norm: bool = False) -> None:
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
        self.head = classifier(channels, num_classes, head_norm)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.features(x)
        return self.head(x.mean(dim=(2, 3)))


class Pooled(nn.Module):
    """Features, a global mean and a classifier: VGG and AlexNet for small images."""

    def __init__(self, features: nn.Module, classifier: nn.Module) -> None:
        super().__init__()
        self.features = features
        self.avgpool = GlobalMean()
        self.classifier = classifier

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(torch.flatten(self.avgpool(self.features(x)), 1))


def _resnet(depth: int) -> Callable[[int, int], nn.Module]:
    def build(num_classes: int, image_size: int) -> nn.Module:
        from torchvision import models

        model = getattr(models, f"resnet{depth}")(num_classes=num_classes)
        model.avgpool = GlobalMean()
        if image_size <= SMALL_IMAGE:
            model.conv1 = nn.Conv2d(3, 64, 3, 1, 1, bias=False)
            model.maxpool = nn.Identity()
        return model

    return build


def _densenet121(num_classes: int, image_size: int) -> nn.Module:
    from torchvision.models import densenet121

    model = densenet121(num_classes=num_classes)
    if image_size <= SMALL_IMAGE:
        model.features.conv0 = nn.Conv2d(3, 64, 3, 1, 1, bias=False)
        model.features.pool0 = nn.Identity()
    return model


def _vgg11(num_classes: int, image_size: int) -> nn.Module:
    """vgg11_bn; for small images without the last max-pool, with a global mean and a
    linear classifier on its 512 channels, initialised as torchvision initialises VGG."""
    from torchvision.models import vgg11_bn
    from torchvision.models.vgg import cfgs, make_layers

    if image_size > SMALL_IMAGE:
        model = vgg11_bn(num_classes=num_classes)
        model.avgpool = PoolTo(7)
        return model
    model = Pooled(make_layers(cfgs["A"][:-1], batch_norm=True), nn.Linear(512, num_classes))
    for module in model.modules():
        if isinstance(module, nn.Conv2d):
            nn.init.kaiming_normal_(module.weight, mode="fan_out", nonlinearity="relu")
            assert module.bias is not None, "make_layers' convolutions have a bias"
            nn.init.zeros_(module.bias)
        elif isinstance(module, nn.Linear):
            nn.init.normal_(module.weight, 0, 0.01)
            nn.init.zeros_(module.bias)
    return model


def _alexnet(num_classes: int, image_size: int) -> nn.Module:
    """torchvision's AlexNet; for small images a 3x3 stride-1 first conv, 2x2 max-pools
    (a 4x4 map from 32 px), a global mean and a classifier on its 256 channels."""
    from torchvision.models import alexnet

    if image_size > SMALL_IMAGE:
        model = alexnet(num_classes=num_classes)
        model.avgpool = PoolTo(6)
        return model
    features = nn.Sequential(
        nn.Conv2d(3, 64, 3, 1, 1), nn.ReLU(inplace=True), nn.MaxPool2d(2),
        nn.Conv2d(64, 192, 5, padding=2), nn.ReLU(inplace=True), nn.MaxPool2d(2),
        nn.Conv2d(192, 384, 3, padding=1), nn.ReLU(inplace=True),
        nn.Conv2d(384, 256, 3, padding=1), nn.ReLU(inplace=True),
        nn.Conv2d(256, 256, 3, padding=1), nn.ReLU(inplace=True), nn.MaxPool2d(2))
    classifier = nn.Sequential(
        nn.Dropout(0.5), nn.Linear(256, 4096), nn.ReLU(inplace=True),
        nn.Dropout(0.5), nn.Linear(4096, 4096), nn.ReLU(inplace=True),
        nn.Linear(4096, num_classes))
    return Pooled(features, classifier)


ARCHITECTURES: dict[str, Callable[[int, int], nn.Module]] = {
    "tiny_resnet": lambda num_classes, image_size: TinyResNet(num_classes),
    "tiny_densenet": lambda num_classes, image_size: TinyDenseNet(num_classes),
    "tiny_resnet_bnhead": lambda num_classes, image_size: TinyResNet(num_classes,
                                                                     head_norm=True),
    "tiny_densenet_bnhead": lambda num_classes, image_size: TinyDenseNet(num_classes,
                                                                         head_norm=True),
    "resnet18": _resnet(18),
    "resnet50": _resnet(50),
    "densenet121": _densenet121,
    "vgg11": _vgg11,
    "alexnet": _alexnet,
}


def build_model(name: str, num_classes: int, image_size: int) -> nn.Module:
    """Instantiate an architecture by name (weights from the current torch RNG state)."""
    try:
        factory = ARCHITECTURES[name]
    except KeyError as err:
        raise ValueError(f"unknown architecture {name!r}; valid: {sorted(ARCHITECTURES)}") \
            from err
    return factory(num_classes, image_size)
