"""Images per second delivered to the model from ImageNet-like JPEG files: today's path
(DataLoader workers decode every full-size file every epoch) against the image store
(ddd.datasets.store: images shrunk to the shorter side `resize` and re-encoded once), side
by side in one run, for a training epoch (random resized crop and flip) and an evaluation
pass (resize and centre crop); and the bytes per image of the files and of the store.

The images are made here: sizes around ImageNet's typical 500 x 375 (both orientations and
a few other shapes), natural-image-like content (multi-octave luminance texture, weaker
colour variation and sharp-edged shapes, not flat noise), JPEG quality 90: files of about
80 kB (ImageNet's training JPEGs average about 110 kB). Both paths go through
ddd.train.splits.open_split and ddd.train.batches, as a training job does; no model runs, so
the numbers are the loader's ceiling. With `--device cuda` the store's JPEGs are decoded on
the GPU in batches (today's path still decodes on the CPU workers).

Run: .venv/bin/python benchmarks/imagenet_loader.py [--images 2000] [--test-images 2000]
     [--workers 2] [--device cpu|cuda] [--quality 90] [--folder /tmp/imagenet_like]
     (PYTHONPATH=workflow python3 benchmarks/imagenet_loader.py without the package
     installed)
"""

from __future__ import annotations

import argparse
import os
import shlex
import sys
import tempfile
import time
from pathlib import Path

import torch
from torch.utils.data import DataLoader, Dataset
from torchvision.io import encode_jpeg

from ddd.datasets import prepare, store
from ddd.train import splits
from ddd.train.batches import channel_stats, eval_batches, loader, train_batches

SHAPES = ((375, 500), (500, 375), (333, 500), (375, 500), (300, 400), (500, 500),
          (375, 500), (281, 500))  # (height, width); 500 x 375 landscape is most common


def _octaves(gen: torch.Generator, channels: int, height: int, width: int) -> torch.Tensor:
    """Unit-variance noise summed over octaves, amplitude falling as frequency^-1/4 (a
    little flatter than natural images' 1/f, for their fine detail in JPEG bytes)."""
    pixels = torch.zeros(1, channels, height, width)
    for octave in range(2, 10):
        size = 2 ** octave
        noise = torch.randn(1, channels, size * height // max(height, width) + 1,
                            size * width // max(height, width) + 1, generator=gen)
        pixels += torch.nn.functional.interpolate(noise, (height, width), mode="bicubic",
                                                  align_corners=False) / size ** 0.25
    return pixels[0] / pixels.std()


def natural(seed: int) -> torch.Tensor:
    """A uint8 RGB image of an ImageNet-like size with natural-image-like statistics:
    luminance texture, weaker colour variation, a few sharp-edged shapes."""
    gen = torch.Generator().manual_seed(seed)
    height, width = SHAPES[seed % len(SHAPES)]
    colour = 0.2 + 0.6 * torch.rand(3, 1, 1, generator=gen)
    pixels = (colour + 0.2 * _octaves(gen, 1, height, width)
              + 0.06 * _octaves(gen, 3, height, width))
    y, x = torch.meshgrid(torch.linspace(-1, 1, height), torch.linspace(-1, 1, width),
                          indexing="ij")
    for _ in range(4):  # ellipses of another colour
        cy, cx, ry, rx = (torch.rand(4, generator=gen) * torch.tensor([2, 2, .6, .6])
                          - torch.tensor([1, 1, -.1, -.1])).tolist()
        inside = ((y - cy) / ry) ** 2 + ((x - cx) / rx) ** 2 < 1
        pixels[:, inside] += (torch.rand(3, 1, generator=gen) - 0.5) * 0.6
    return (pixels * 255).clamp(0, 255).round().to(torch.uint8)


class Writer(Dataset):
    """Writes image `i` as a JPEG into its class folder."""

    def __init__(self, paths: list[Path]) -> None:
        self.paths = paths

    def __len__(self) -> int:
        return len(self.paths)

    def __getitem__(self, i: int) -> None:
        self.paths[i].parent.mkdir(parents=True, exist_ok=True)
        self.paths[i].write_bytes(encode_jpeg(natural(i), quality=90).numpy().tobytes())


def make_images(root: Path, train: int, test: int, classes: int, workers: int
                ) -> dict[str, int]:
    """An ImageFolder-layout copy (train/ and val/ of class folders), unless `root`
    holds one already; the bytes of each split's files."""
    paths = {"train": [root / "train" / f"n{i % classes:08d}" / f"train_{i:06d}.JPEG"
                       for i in range(train)],
             "test": [root / "val" / f"n{i % classes:08d}" / f"val_{i:06d}.JPEG"
                      for i in range(test)]}
    if not root.is_dir():
        list(DataLoader(Writer([*paths["train"], *paths["test"]]), batch_size=None,
                        num_workers=workers))
    return {split: sum(path.stat().st_size for path in files)
            for split, files in paths.items()}


def synchronise(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize()


def images_per_second(data, device: torch.device, batch_size: int, train: bool) -> float:
    """Images per second of one training epoch or one evaluation pass, batches on the
    device and normalised as the model receives them; the workers' start (once per epoch)
    included, as a job sees it."""
    mean, std = channel_stats(data)
    synchronise(device)
    began = time.perf_counter()
    batches = (train_batches(data, batch_size, 0, 1, True, 0, mean, std) if train
               else eval_batches(data, batch_size, mean, std))
    count = 0
    for x, _ in batches:
        count += len(x)
    synchronise(device)
    return count / (time.perf_counter() - began)


def uint8_images_per_second(data, batch_size: int, train: bool) -> float:
    """Images per second of the DataLoader alone: uint8 batches in this process, as a GPU
    job receives them before normalising on the device (on a CPU the main process
    normalises too, which costs about as much per image as decoding a stored JPEG)."""
    shuffle = torch.Generator().manual_seed(0) if train else None
    began, count = time.perf_counter(), 0
    for x, _ in loader(data.dataset, batch_size, data.workers, shuffle, data.device):
        count += len(x)
    return count / (time.perf_counter() - began)


def milliseconds_per_image(dataset, images: int = 200) -> float:
    """CPU milliseconds to read, decode and transform one image in this process (a
    loader worker's work)."""
    began = time.perf_counter()
    images = min(images, len(dataset))
    for i in range(images):
        dataset[i]
    return (time.perf_counter() - began) / images * 1e3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--images", type=int, default=2000, help="training images")
    parser.add_argument("--test-images", type=int, default=2000, help="evaluation images")
    parser.add_argument("--classes", type=int, default=10)
    parser.add_argument("--workers", type=int, default=2, help="DataLoader workers")
    parser.add_argument("--threads", type=int, default=1,
                        help="torch threads of the main process (the workers take the cores)")
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--resize", type=int, default=256)
    parser.add_argument("--crop", type=int, default=224)
    parser.add_argument("--quality", type=int, default=90, help="the store's JPEG quality")
    parser.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    parser.add_argument("--folder", help="where to write the images (default: a temp folder)")
    args = parser.parse_args()
    device = torch.device(args.device)
    torch.set_num_threads(args.threads)
    print("command:", shlex.join([os.path.basename(sys.executable), *sys.argv]))
    print(f"torch {torch.__version__}, {os.cpu_count()} CPU cores, device {device}")
    root = Path(args.folder or tempfile.mkdtemp(prefix="imagenet_like_"))
    began = time.perf_counter()
    file_bytes = make_images(root / "ilsvrc", args.images, args.test_images, args.classes,
                             args.workers)
    counts = {"train": args.images, "test": args.test_images}
    total = sum(counts.values())
    print(f"{total} JPEGs in {root / 'ilsvrc'} ({time.perf_counter() - began:.0f} s): "
          f"{sum(file_bytes.values()) / total / 1e3:.1f} kB per image")
    data, manifest = root / "dataset.npz", root / "manifest.json"
    prepare.prepare({"kind": "imagenet", "path": str(root / "ilsvrc"), "train_split": "train",
                     "test_split": "val", "resize": args.resize, "crop": args.crop},
                    data, manifest)
    began = time.perf_counter()
    sizes = store.build(data, manifest, root / "store", args.quality, 4096 << 20, args.workers)
    seconds = time.perf_counter() - began
    print(f"store built in {seconds:.0f} s ({total / seconds:.0f} images/s, once per "
          f"dataset), quality {args.quality}: {sum(sizes.values()) / total / 1e3:.1f} kB per "
          f"image")
    for split, count in counts.items():
        form = (f"{args.crop} x {args.crop} evaluation images" if split == store.EVALUATED
                else f"shorter side {args.resize}")
        print(f"  {split}: files {file_bytes[split] / count / 1e3:.1f} kB, store "
              f"{sizes[split] / count / 1e3:.1f} kB per image ({form})")
    print(f"{'pass':<11}{'files (today)':>16}{'store':>16}{'ratio':>8}   images/s, "
          f"{args.workers} workers, batch {args.batch_size}")
    for name, train in (("training", True), ("evaluation", False)):
        split = "train" if train else "test"
        today = splits.open_split(data, manifest, split, device, train=train,
                                  workers=args.workers)
        stored = splits.open_split(data, manifest, split, device, train=train,
                                   workers=args.workers, store_path=root / "store")
        rates = [images_per_second(d, device, args.batch_size, train) for d in (today, stored)]
        print(f"{name:<11}{rates[0]:>16.0f}{rates[1]:>16.0f}{rates[1] / rates[0]:>7.2f}x")
        if device.type == "cpu":
            rates = [uint8_images_per_second(d, args.batch_size, train) for d in (today, stored)]
            print(f"{'  uint8':<11}{rates[0]:>16.0f}{rates[1]:>16.0f}{rates[1] / rates[0]:>7.2f}x"
                  f"   the loader alone (no normalisation: a GPU's work)")
            with torch.inference_mode():
                torch.set_num_threads(1)
                ms = [milliseconds_per_image(d.dataset) for d in (today, stored)]
                torch.set_num_threads(args.threads)
            print(f"{'  ms/image':<11}{ms[0]:>16.2f}{ms[1]:>16.2f}{ms[0] / ms[1]:>7.2f}x   "
                  f"one worker's read, decode and transform, 1 thread")


if __name__ == "__main__":
    main()
