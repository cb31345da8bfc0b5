"""The image store (ddd.datasets.store): built from a file dataset's index, read back with
today's ids, labels, transforms and per-epoch seeding; damage named with the file."""

import math
import shutil
import subprocess
import sys
from functools import partial
from pathlib import Path

import numpy as np
import pytest
import torch
import yaml
from torchvision.io import write_png

from ddd import decisions, plan
from ddd.datasets import imagenet, prepare, store
from ddd.errors import ConfigError
from ddd.train import batches, splits
from tests import fakes

pytestmark = pytest.mark.filterwarnings("ignore:The image decoding:DeprecationWarning")
ROOT = Path(__file__).resolve().parents[1]
CPU = torch.device("cpu")
# Evaluation images from the store (JPEG quality 95) against today's from lossless files:
# at most this mean absolute difference per image and this largest pixel difference, in
# uint8 levels (chroma subsampling dominates on these colourful test images).
MEAN_TOLERANCE, MAX_TOLERANCE = 3.0, 32


def natural(seed: int, height: int, width: int) -> torch.Tensor:
    """A smooth, colourful uint8 image: random low-frequency waves plus blurred noise."""
    gen = torch.Generator().manual_seed(seed)
    y, x = torch.linspace(0, 1, height)[:, None], torch.linspace(0, 1, width)[None]
    pixels = torch.zeros(3, height, width)
    for _ in range(6):
        fy, fx, phase = (torch.rand(3, generator=gen) * torch.tensor([4, 4, 6.3])).tolist()
        pixels += torch.rand(3, 1, 1, generator=gen) * torch.sin(
            2 * math.pi * (fx * x + fy * y) + phase)
    noise = torch.randn(1, 3, height // 8, width // 8, generator=gen)
    pixels += 0.5 * torch.nn.functional.interpolate(noise, (height, width), mode="bilinear")[0]
    pixels = (pixels - pixels.min()) / (pixels.max() - pixels.min()) * 255
    return pixels.round().to(torch.uint8)


def build(tmp: Path, spec: dict, quality: int = 90, shard_bytes: int = 2000) -> Path:
    prepare.prepare(spec, tmp / "dataset.npz", tmp / "manifest.json")
    store.build(tmp / "dataset.npz", tmp / "manifest.json", tmp / "store", quality, shard_bytes)
    return tmp


def open_split(tmp: Path, split: str, **kwargs) -> batches.FileBatches:
    return splits.open_split(tmp / "dataset.npz", tmp / "manifest.json", split, CPU,
                             store_path=tmp / "store", **kwargs)


@pytest.fixture(scope="module")
def imagenet_store(tmp_path_factory) -> Path:
    """A fake ImageNet (noise JPEGs and PNGs of 40 x 48) with its store, in small shards."""
    tmp = tmp_path_factory.mktemp("imagenet")
    source = fakes.write_imagenet(tmp / "ilsvrc")
    return build(tmp, {"kind": "imagenet", "path": str(source), "train_split": "train",
                       "test_split": "val", "resize": 32, "crop": 24})


@pytest.fixture
def damaged(imagenet_store, tmp_path) -> Path:
    """A private copy of the dataset and store to damage."""
    for name in ("dataset.npz", "manifest.json"):
        shutil.copy(imagenet_store / name, tmp_path / name)
    shutil.copytree(imagenet_store / "store", tmp_path / "store")
    return tmp_path


def test_store_round_trips_ids_and_labels_in_several_shards(imagenet_store):
    data = imagenet_store / "dataset.npz"
    for split in ("train", "test"):
        images = store.open_split(imagenet_store / "store", split,
                                  splits.read_manifest(imagenet_store / "manifest.json")["sha256"],
                                  splits.labels(data, split))
        index = imagenet.load_index(data, split)
        assert np.array_equal(images.labels, index.labels)
        assert np.array_equal(images.image_ids, np.arange(len(index)))
        assert len(set(images.shard.tolist())) > 1  # 2000-byte shards
        assert images.bytes_per_image > 0
        stored, _ = store.StoreImages(images)[0]  # as stored: shrunk, or evaluation images
        assert stored.shape == ((3, 32, 38) if split == "train" else (3, 24, 24))
    loaded = open_split(imagenet_store, "train")
    assert np.array_equal(loaded.labels, imagenet.load_index(data, "train").labels)
    first, label = loaded.dataset[0]
    assert first.shape == (3, 24, 24) and first.dtype == torch.uint8 and label == 0
    kept = open_split(imagenet_store, "train", keep=np.array([3, 7]))
    assert kept.labels.tolist() == [0, 1] and len(kept.dataset) == 2
    with pytest.raises(ValueError, match="holds the test split as evaluation images"):
        open_split(imagenet_store, "test", train=True)


def test_stored_images_have_the_shorter_side_resize_and_never_grow():
    assert store.shrink(torch.zeros(3, 40, 60, dtype=torch.uint8), 32).shape == (3, 32, 48)
    assert store.shrink(torch.zeros(3, 20, 60, dtype=torch.uint8), 32).shape == (3, 20, 60)


@pytest.mark.parametrize("workers", [0, 2])
def test_same_seed_gives_the_same_batches(imagenet_store, workers):
    data = open_split(imagenet_store, "train", train=True, workers=workers)
    mean, std = batches.channel_stats(data)

    def epoch(seed: int, number: int) -> list[torch.Tensor]:
        return [x for x, _ in batches.train_batches(data, 5, seed, number, True, 0, mean, std)]

    first = epoch(0, 1)
    assert all(torch.equal(a, b) for a, b in zip(first, epoch(0, 1), strict=True))
    assert not torch.equal(first[0], epoch(0, 2)[0])
    assert not torch.equal(first[0], epoch(1, 1)[0])


def batched(data: batches.FileBatches, transform) -> batches.FileBatches:
    """The GPU's path on the CPU: workers read bytes, each batch is decoded in one call."""
    return batches.FileBatches(
        store.StoreImages(data.dataset.store, encoded=True), data.labels, CPU, data.workers,
        decode=partial(store.decode_batch, transform=transform, device=CPU),
        collate=store.collate_encoded)


@pytest.mark.parametrize("workers", [0, 2])
def test_batched_decoding_gives_the_same_evaluation_and_reproducible_training(
        imagenet_store, workers):
    test = open_split(imagenet_store, "test", workers=workers)
    mean, std = batches.channel_stats(test)
    for (a, y), (b, z) in zip(batches.eval_batches(test, 4, mean, std),
                              batches.eval_batches(batched(test, None), 4, mean, std),
                              strict=True):
        assert torch.equal(a, b) and torch.equal(y, z)
    train = batched(open_split(imagenet_store, "train", workers=workers),
                    imagenet.train_transform(24))
    runs = [list(batches.train_batches(train, 5, 0, epoch, True, 0, mean, std))
            for epoch in (1, 1, 2)]
    assert all(torch.equal(a, b) for (a, _), (b, _) in zip(*runs[:2], strict=True))
    assert runs[0][0][0].shape == (5, 3, 24, 24)
    assert not torch.equal(runs[0][0][0], runs[2][0][0])


def test_evaluation_images_match_todays_within_jpeg_error(tmp_path):
    """An image folder of lossless PNGs of typical aspect ratios: today's evaluation
    transform on the files against the same transform on the store (quality 95)."""
    for split, count in (("train", 2), ("test", 6)):
        for i in range(count):
            folder = tmp_path / "images" / split / f"class{i % 2}"
            folder.mkdir(parents=True, exist_ok=True)
            height, width = (75, 100) if i % 3 else (110, 80)
            write_png(natural(10 * i + len(split), height, width), str(folder / f"{i}.png"))
    build(tmp_path, {"kind": "image_folder", "path": str(tmp_path / "images"),
                     "train_split": "train", "test_split": "test", "resize": 64, "crop": 56},
          quality=95, shard_bytes=1 << 20)
    today = splits.open_split(tmp_path / "dataset.npz", tmp_path / "manifest.json", "test", CPU)
    stored = open_split(tmp_path, "test")
    assert len(today) == len(stored) == 6
    for i in range(len(today)):
        (a, label_a), (b, label_b) = today.dataset[i], stored.dataset[i]
        assert label_a == label_b and a.shape == b.shape == (3, 56, 56)
        diff = (a.int() - b.int()).abs()
        assert diff.float().mean() <= MEAN_TOLERANCE and diff.max() <= MAX_TOLERANCE


def test_corrupt_shard_names_its_path(damaged):
    shard = damaged / "store" / store.shard_name("test", 0)
    raw = bytearray(shard.read_bytes())
    raw[len(raw) // 2] ^= 0xFF
    shard.write_bytes(bytes(raw))
    data = open_split(damaged, "test")
    with pytest.raises(ValueError, match=rf"corrupt image store shard {shard}.*CRC32.*"
                                         rf"snakemake --cores 1 --force {damaged / 'store'}"):
        for i in range(len(data)):
            data.dataset[i]


def test_truncated_or_missing_shard_names_its_path(damaged):
    shard = damaged / "store" / store.shard_name("train", 1)
    shard.write_bytes(shard.read_bytes()[:-1])
    with pytest.raises(ValueError, match=rf"shard {shard} has \d+ bytes.*--force"):
        open_split(damaged, "train")
    shard.unlink()
    with pytest.raises(ValueError, match=rf"shard {shard} has None bytes"):
        open_split(damaged, "train")


def test_store_of_another_dataset_or_a_corrupt_index_is_refused(damaged, imagenet_store):
    index = damaged / "store" / store.INDEX
    manifest = splits.read_manifest(damaged / "manifest.json")
    with pytest.raises(ValueError, match=rf"{index} was built from another dataset index.*"
                                         rf"--force {damaged / 'store'}"):
        store.open_split(damaged / "store", "test", "0" * 64,
                         splits.labels(damaged / "dataset.npz", "test"))
    wrong = splits.labels(damaged / "dataset.npz", "test")[::-1].copy()
    with pytest.raises(ValueError, match="image ids or labels differ"):
        store.open_split(damaged / "store", "test", manifest["sha256"], wrong)
    index.write_bytes(b"not an npz")
    with pytest.raises(ValueError, match=rf"unreadable image store index {index}"):
        open_split(damaged, "test")


def test_store_config_gets_the_schemas_defaults_and_needs_trained_runs():
    dataset = {"kind": "image_folder", "path": "/data", "store": {}}
    trained = {"studies": {"s": {
        "dataset": dataset, "base_condition": "base",
        "conditions": {"base": {}, **{f"seed{i}": {"changes": {"init_seed": i}} for i in (1, 2)}},
        "recipe": {"architecture": "resnet18", "epochs": 1, "batch_size": 8, "lr": 0.1,
                   "weight_decay": 0.0}}}}
    assert plan.load(trained).studies["s"].dataset["store"] == {"quality": 90, "shard_mb": 4096}
    pretrained = {"studies": {"s": {"dataset": {"kind": "imagenet", "path": "/data",
                                                "store": {"quality": 80}},
                                    "base_condition": "resnet50",
                                    "pretrained": {"resnet50": {}, "alexnet": {}}}}}
    with pytest.raises(ConfigError, match=r"studies.s.dataset.store: only trained runs"):
        plan.load(pretrained)
    cifar = {"studies": {"s": {**trained["studies"]["s"],
                               "dataset": {"kind": "cifar10", "store": {}}}}}
    with pytest.raises(ConfigError, match="store"):
        plan.load(cifar)


@pytest.mark.workflow
def test_training_job_reads_the_store_the_workflow_builds(tmp_path):
    """An image-folder study with a store: the image_store rule writes it, the train job
    reads it and records it in its metadata."""
    images = fakes.write_image_folder(tmp_path / "images")
    config = {"studies": {"folder": {
        "dataset": {"kind": "image_folder", "path": str(tmp_path / "images"), "resize": 24,
                    "crop": 16, "store": {"quality": 80}},
        "recipe": {"architecture": "tiny_resnet", "epochs": 1, "batch_size": 4, "lr": 0.05,
                   "weight_decay": 0.0},
        "conditions": {"base": {}, **{f"seed{i}": {"changes": {"init_seed": i}}
                                      for i in (1, 2)}}}},
        "train": {"workers": 0}}
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(config))
    out = subprocess.run(
        [sys.executable, "-m", "snakemake", "--snakefile", str(ROOT / "Snakefile"),
         "--directory", str(tmp_path), "--configfile", str(tmp_path / "config.yaml"),
         "--cores", "1", "results/folder/decisions/base-1.parquet"],
        capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stdout + out.stderr
    table = decisions.read(tmp_path / "results/folder/decisions/base-1.parquet")
    assert table["label"].tolist()[:len(images["test"])] == [c for _, c in images["test"]]
    meta = decisions.read_metadata(tmp_path / "results/folder/decisions/base-1.parquet")
    assert meta["image_store"]["quality"] == 80 and meta["image_store"]["side"] == 24
    assert (tmp_path / "results/folder/data/store" / store.INDEX).is_file()


@pytest.mark.skipif(not torch.cuda.is_available(), reason="GPU decoding needs CUDA")
def test_gpu_decoding_matches_cpu_decoding(imagenet_store):
    cuda = torch.device("cuda")
    gpu = splits.open_split(imagenet_store / "dataset.npz", imagenet_store / "manifest.json",
                            "test", cuda, store_path=imagenet_store / "store")
    cpu = open_split(imagenet_store, "test")
    mean, std = batches.channel_stats(cpu)
    for (a, _), (b, _) in zip(batches.eval_batches(gpu, 4, mean.cuda(), std.cuda()),
                              batches.eval_batches(cpu, 4, mean, std), strict=True):
        assert (a.cpu() - b).abs().mean() < 0.05  # nvJPEG's IDCT differs slightly
