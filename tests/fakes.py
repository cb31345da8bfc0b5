"""Tiny copies of the real datasets' release formats, written by tests."""

from __future__ import annotations

import gzip
import io
import pickle
import shutil
import struct
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from torchvision.io import write_jpeg, write_png


class Py2Pickler(pickle._Pickler):
    """Pickles bytes as Python 2 pickled its `str` (BINSTRING), as in the CIFAR releases:
    read back as bytes with encoding="bytes" and as str with encoding="latin1"."""

    def save_bytes(self, obj: bytes) -> None:
        n = len(obj)
        self.write(pickle.SHORT_BINSTRING + bytes([n]) + obj if n < 256
                   else pickle.BINSTRING + struct.pack("<i", n) + obj)
        self.memoize(obj)

    dispatch = {**pickle._Pickler.dispatch, bytes: save_bytes}


def py2_pickle(content: object) -> bytes:
    buffer = io.BytesIO()
    Py2Pickler(buffer, protocol=2).dump(content)
    return buffer.getvalue()


def write_cifar100(parent: Path, sizes: dict[str, int], seed: int = 0) -> Path:
    """A fake cifar-100-python release: pickled dicts with bytes keys, as the real one."""
    folder = parent / "cifar-100-python"
    folder.mkdir(parents=True)
    rng = np.random.default_rng(seed)
    for split, n in sizes.items():
        content = {
            b"filenames": [f"img_{i}.png".encode() for i in range(n)],
            b"batch_label": f"{split} batch".encode(),
            b"fine_labels": rng.integers(0, 100, n).tolist(),
            b"coarse_labels": rng.integers(0, 20, n).tolist(),
            b"data": rng.integers(0, 256, (n, 3072), dtype=np.uint8),
        }
        (folder / split).write_bytes(py2_pickle(content))
    meta = {b"fine_label_names": [f"class_{i}".encode() for i in range(100)],
            b"coarse_label_names": [f"super_{i}".encode() for i in range(20)]}
    (folder / "meta").write_bytes(py2_pickle(meta))
    return folder


def write_cifar10(parent: Path, sizes: dict[str, int], seed: int = 0) -> Path:
    """A fake cifar-10-batches-py release: the train images spread over data_batch_1..5."""
    folder = parent / "cifar-10-batches-py"
    folder.mkdir(parents=True)
    rng = np.random.default_rng(seed)
    files = {"train": [f"data_batch_{i}" for i in range(1, 6)], "test": ["test_batch"]}
    for split, n in sizes.items():
        for name, part in zip(files[split], np.array_split(np.arange(n), len(files[split])),
                              strict=True):
            content = {
                b"batch_label": f"{name}".encode(),
                b"labels": rng.integers(0, 10, len(part)).tolist(),
                b"data": rng.integers(0, 256, (len(part), 3072), dtype=np.uint8),
                b"filenames": [f"img_{i}.png".encode() for i in part],
            }
            (folder / name).write_bytes(py2_pickle(content))
    meta = {b"label_names": [f"name_{i}".encode() for i in range(10)],
            b"num_cases_per_batch": 10000, b"num_vis": 3072}
    (folder / "batches.meta").write_bytes(py2_pickle(meta))
    return folder


IDX_FILES = {"train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
             "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")}


def idx_bytes(array: np.ndarray) -> bytes:
    """An IDX file of a uint8 array: magic (0, 0, 8 = ubyte, ndim), big-endian sizes, data."""
    header = bytes([0, 0, 8, array.ndim]) + b"".join(
        int(size).to_bytes(4, "big") for size in array.shape)
    return header + np.ascontiguousarray(array, dtype=np.uint8).tobytes()


def write_idx(folder: Path, sizes: dict[str, int], gz: bool = True, seed: int = 0
              ) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """A fake MNIST / Fashion-MNIST release (the four IDX files, gzipped or not) in `folder`;
    returns each split's (images (N, 28, 28), labels)."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    out = {}
    for split, n in sizes.items():
        images = rng.integers(0, 256, (n, 28, 28), dtype=np.uint8)
        labels = rng.integers(0, 10, n, dtype=np.uint8)
        for name, array in zip(IDX_FILES[split], (images, labels), strict=True):
            if gz:
                (folder / f"{name}.gz").write_bytes(gzip.compress(idx_bytes(array)))
            else:
                (folder / name).write_bytes(idx_bytes(array))
        out[split] = images, labels
    return out


FOLDER_CLASSES = ("cat", "dog", "zebra")


def write_image_folder(root: Path) -> dict[str, list[tuple[str, int]]]:
    """train/ and test/ of class folders with PNG and JPEG images of different sizes (and a
    text file that is not an image); returns each split's (relative path, class) in
    ImageFolder's order."""
    out: dict[str, list[tuple[str, int]]] = {}
    for split, per_class in (("train", 3), ("test", 2)):
        out[split] = []
        for c, name in reversed(list(enumerate(FOLDER_CLASSES))):
            folder = root / split / name
            folder.mkdir(parents=True)
            (folder / "readme.txt").write_text("not an image")
            for j in range(per_class):
                size = (3, 20 + 4 * j, 30 - 2 * c)
                pixels = torch.randint(0, 256, size, dtype=torch.uint8,
                                       generator=torch.Generator().manual_seed(10 * c + j))
                file = folder / f"{name}_{j}.{'png' if j % 2 else 'jpg'}"
                (write_png if j % 2 else write_jpeg)(pixels, str(file))
                out[split].append((file.relative_to(root).as_posix(), c))
        out[split].sort(key=lambda entry: (entry[1], entry[0]))
    return out


SYNSETS = {"n01440764": "tench, Tinca tinca",
           "n01443537": "goldfish, Carassius auratus",
           "n01484850": "great white shark, white shark, man-eater"}
WNIDS = sorted(SYNSETS)
VAL_CLASSES = [2, 0, 1, 0, 2, 1]  # class of ILSVRC2012_val_00000001 .. _00000006
VAL_NAMES = [f"ILSVRC2012_val_{i:08d}.JPEG" for i in range(1, 7)]


def image(seed: int) -> torch.Tensor:
    return torch.randint(0, 256, (3, 40, 48), dtype=torch.uint8,
                         generator=torch.Generator().manual_seed(seed))


def write_imagenet(root: Path) -> Path:
    """ImageNet in every layout the loader reads: ImageFolder train and val trees, a flat
    val copy, LOC_val_solution.csv, a "<filename> <wnid>" ground truth and
    LOC_synset_mapping.txt."""
    for wnid in reversed(WNIDS):  # creation order must not matter
        c = WNIDS.index(wnid)
        folder = root / "train" / wnid
        folder.mkdir(parents=True)
        for j, ext in enumerate([".JPEG", ".JPEG", ".jpg", ".png"]):
            writer = write_png if ext == ".png" else write_jpeg
            writer(image(10 * c + j), str(folder / f"{wnid}_{j}{ext}"))
        (folder / "notes.txt").write_text("not an image")
    (root / "val_flat").mkdir()
    rows = ["ImageId,PredictionString"]
    lines = []
    for i, (name, c) in enumerate(zip(VAL_NAMES, VAL_CLASSES, strict=True)):
        (root / "val" / WNIDS[c]).mkdir(parents=True, exist_ok=True)
        write_jpeg(image(100 + i), str(root / "val" / WNIDS[c] / name))
        shutil.copy(root / "val" / WNIDS[c] / name, root / "val_flat" / name)
        rows.append(f"{name.removesuffix('.JPEG')},{WNIDS[c]} 1 2 30 40 {WNIDS[c]} 3 4 20 30")
        lines.append(f"{name} {WNIDS[c]}")
    (root / "LOC_val_solution.csv").write_text("\n".join(rows[:1] + rows[:0:-1]) + "\n")
    (root / "val.txt").write_text("\n".join(lines) + "\n")
    (root / "LOC_synset_mapping.txt").write_text(
        "".join(f"{wnid} {name}\n" for wnid, name in SYNSETS.items()))
    return root


def mvh_folder(tmp_path: Path) -> Path:
    """Three observers in model-vs-human's raw-data layout: two conditions, image names
    with per-observer prefixes, one file writing Session with a capital S."""
    folder = tmp_path / "colour"
    folder.mkdir()
    images = {"cr": [("oven", "n04111531_14126"), ("bear", "n02134084_5274")],
              "bw": [("chair", "n04099969_14986"), ("cat", "n02123394_133")]}
    answers = {"subject-01": ["oven", "cat", "chair", "na"],
               "subject-02": ["oven", "bear", "dog", "cat"],
               "resnet50": ["knife", "bear", "chair", "cat"]}
    for s, (subj, said) in enumerate(answers.items()):
        rows, trial = [], 0
        for condition in ("bw", "cr") if s == 1 else ("cr", "bw"):  # own trial order
            for category, name in images[condition]:
                answer = said[trial if s != 1 else (trial + 2) % 4]
                trial += 1
                rows.append({"subj": subj, "Session": 1, "trial": trial, "rt": 0.7,
                             "object_response": answer, "category": category,
                             "condition": condition,
                             "imagename": f"{trial:04d}_cl_s0{s}_{condition}_{category}_40_"
                                          f"{name}.png"})
        frame = pd.DataFrame(rows)
        if s != 0:
            frame = frame.rename(columns={"Session": "session"})
        frame.to_csv(folder / f"colour_{subj}_session_1.csv", index=False)
    return folder
