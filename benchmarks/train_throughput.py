"""Training throughput of ResNet-18 on 32x32, 100-class data: this workflow's loop against a
plain DataLoader with per-sample transforms, in one run.

The workflow's loop keeps the uint8 images on the device and crops, flips and normalises
whole batches there (train.precision auto: bfloat16 autocast on CUDA and on CPUs with
native bfloat16; channels_last; optional torch.compile on CUDA).
The plain loop is the common recipe: a DataLoader over CPU tensors whose workers apply
RandomCrop(32, padding=4), RandomHorizontalFlip and Normalize image by image, float32.
Both train the same model with the same batch size; the first epoch is a warm-up.

Run: .venv/bin/python benchmarks/train_throughput.py [--images 50000] [--compile]
     (PYTHONPATH=workflow python3 benchmarks/train_throughput.py on a machine without
     the package installed)
"""

from __future__ import annotations

import argparse
import os
import time

import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset
from torchvision.transforms import v2

from ddd import plan
from ddd.train.batches import Batches, channel_stats
from ddd.train.loop import configure_determinism, train_epoch
from ddd.train.models import build_model
from ddd.train.precision import resolve


class PerSample(Dataset):
    """uint8 CPU images with a torchvision transform applied to each image."""

    def __init__(self, images: torch.Tensor, labels: torch.Tensor, transform) -> None:
        self.images, self.labels, self.transform = images, labels, transform

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, i: int) -> tuple[torch.Tensor, torch.Tensor]:
        return self.transform(self.images[i]), self.labels[i]


def synchronise(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize()


def workflow_loop(images, labels, device, args) -> float:
    """Images per second of ddd.train.loop's epoch loop (second epoch)."""
    recipe = plan.recipe({"architecture": "resnet18", "epochs": 2,
                          "batch_size": args.batch_size, "lr": 0.1, "weight_decay": 5e-4,
                          "crop_padding": 4, "amp": device.type == "cuda",
                          "compile": args.compile, "deterministic": False})
    data = Batches(images.to(device), labels.to(device))
    model = build_model("resnet18", 100, 32).to(device, memory_format=torch.channels_last)
    net = torch.compile(model) if args.compile and device.type == "cuda" else model
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, nesterov=True,
                                weight_decay=5e-4)
    mean, std = channel_stats(data)
    numerics = resolve(args.precision, True, device, recipe.amp)
    seconds = []
    for epoch in (1, 2):
        synchronise(device)
        began = time.perf_counter()
        train_epoch(net, optimizer, data, recipe, epoch, mean, std, False, numerics)
        synchronise(device)
        seconds.append(time.perf_counter() - began)
    return len(labels) / seconds[-1]


def plain_loop(images, labels, device, args) -> float:
    """Images per second of a textbook DataLoader loop (second epoch)."""
    mean = images.float().mean(dim=(0, 2, 3)) / 255
    std = images.float().std(dim=(0, 2, 3)) / 255
    transform = v2.Compose([v2.RandomCrop(32, padding=4), v2.RandomHorizontalFlip(),
                            v2.ToDtype(torch.float32, scale=True), v2.Normalize(mean, std)])
    loader = DataLoader(PerSample(images, labels, transform), batch_size=args.batch_size,
                        shuffle=True, num_workers=args.workers,
                        pin_memory=device.type == "cuda", persistent_workers=args.workers > 0)
    model = build_model("resnet18", 100, 32).to(device)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, nesterov=True,
                                weight_decay=5e-4)
    seconds = []
    for _ in range(2):
        synchronise(device)
        began = time.perf_counter()
        model.train()
        for x, y in loader:
            x, y = x.to(device, non_blocking=True), y.to(device, non_blocking=True)
            loss = nn.functional.cross_entropy(model(x), y)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
        synchronise(device)
        seconds.append(time.perf_counter() - began)
    return len(labels) / seconds[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=50_000)
    parser.add_argument("--batch-size", type=int, default=512)
    parser.add_argument("--workers", type=int, default=min(8, os.cpu_count() or 1))
    parser.add_argument("--compile", action="store_true")
    parser.add_argument("--precision", choices=["auto", "fp32", "bf16"], default="auto",
                        help="the workflow loop's train.precision")
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    args = parser.parse_args()
    device = torch.device(args.device)
    configure_determinism(False)
    torch.backends.cudnn.benchmark = True
    gen = torch.Generator().manual_seed(0)
    images = torch.randint(0, 256, (args.images, 3, 32, 32), dtype=torch.uint8, generator=gen)
    labels = torch.randint(0, 100, (args.images,), generator=gen)
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else \
        f"CPU, {torch.get_num_threads()} threads"
    ours = workflow_loop(images, labels, device, args)
    plain = plain_loop(images, labels, device, args)
    print(f"{name}, torch {torch.__version__}: ResNet-18, 32x32, 100 classes, "
          f"{args.images} images, batch {args.batch_size}, compile={args.compile}, "
          f"precision={args.precision}, "
          f"plain loader workers={args.workers}")
    print(f"  workflow loop: {ours:,.0f} images/s")
    print(f"  plain DataLoader, per-sample transforms: {plain:,.0f} images/s")
    print(f"  ratio: {ours / plain:.1f}x")


if __name__ == "__main__":
    main()
