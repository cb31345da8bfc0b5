"""The real-image dataset kinds on fake copies of their releases: MNIST and Fashion-MNIST
(IDX files), CIFAR-10 (python release) and image folders; ids, labels, class names and the
errors for a missing or malformed copy."""

from __future__ import annotations

import copy
import gzip
import json
import pickle
import re
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch
from torchvision import datasets

from ddd import plan
from ddd.confusion import design
from ddd.datasets import arrays, cifar, image_folder, imagenet, mnist
from ddd.datasets.prepare import prepare
from ddd.errors import ConfigError
from ddd.train import splits
from ddd.train.batches import FileBatches, eval_batches
from tests import fakes

SIZES = {"train": 12, "test": 5}


@pytest.mark.parametrize("gz", [True, False])
@pytest.mark.parametrize("kind", ["mnist", "fashion_mnist"])
def test_idx_release_read_with_grey_repeated_to_rgb(tmp_path, kind, gz):
    written = fakes.write_idx(tmp_path, SIZES, gz=gz)
    loaded, names = mnist.load(tmp_path, kind)
    assert names == list(mnist.RELEASES[kind].reader.classes) and len(names) == 10
    for split, (images, labels) in written.items():
        got = loaded[split]
        assert got.images.shape == (SIZES[split], 3, 28, 28) and got.labels.dtype == np.int16
        assert got.labels.tolist() == labels.tolist()
        for channel in range(3):  # image id = index in the release; R = G = B = grey
            assert np.array_equal(got.images[:, channel], images)


def test_idx_release_in_torchvision_layout(tmp_path):
    written = fakes.write_idx(tmp_path / "FashionMNIST/raw", SIZES, gz=False)
    loaded, _ = mnist.load(tmp_path, "fashion_mnist")
    assert loaded["test"].labels.tolist() == written["test"][1].tolist()


def test_idx_missing_release_names_path_and_apt_line(tmp_path):
    with pytest.raises(FileNotFoundError, match=re.escape(str(tmp_path))) as err:
        mnist.load(tmp_path, "fashion_mnist")
    message = str(err.value)
    assert "apt-get install dataset-fashion-mnist" in message and "dpkg -L" in message
    assert "t10k-labels-idx1-ubyte" in message
    fakes.write_idx(tmp_path, SIZES)
    (tmp_path / "t10k-images-idx3-ubyte.gz").unlink()
    with pytest.raises(FileNotFoundError, match=r"missing: t10k-images-idx3-ubyte\)"):
        mnist.load(tmp_path, "mnist")


def test_idx_malformed_files_name_the_file(tmp_path):
    fakes.write_idx(tmp_path, SIZES)
    (tmp_path / "t10k-images-idx3-ubyte.gz").write_bytes(b"not gzip")
    with pytest.raises(ValueError, match="corrupt MNIST file .*t10k-images-idx3-ubyte.gz"):
        mnist.load(tmp_path, "mnist")
    labels = fakes.idx_bytes(np.zeros((3, 2), dtype=np.uint8))  # 2-D "labels"
    (tmp_path / "t10k-images-idx3-ubyte.gz").write_bytes(
        gzip.compress(fakes.idx_bytes(np.zeros((5, 28, 28), dtype=np.uint8))))
    (tmp_path / "t10k-labels-idx1-ubyte.gz").write_bytes(gzip.compress(labels))
    with pytest.raises(ValueError, match="malformed Fashion-MNIST files .*t10k-labels"):
        mnist.load(tmp_path, "fashion_mnist")
    (tmp_path / "t10k-labels-idx1-ubyte.gz").write_bytes(
        gzip.compress(fakes.idx_bytes(np.zeros(4, dtype=np.uint8))))
    with pytest.raises(ValueError, match="5 images but 4 labels"):
        mnist.load(tmp_path, "fashion_mnist")


@pytest.mark.parametrize(("kind", "write", "reader"), [
    ("cifar10", fakes.write_cifar10, datasets.CIFAR10),
    ("cifar100", fakes.write_cifar100, datasets.CIFAR100)])
def test_cifar_releases_match_torchvision(tmp_path, monkeypatch, kind, write, reader):
    write(tmp_path, {"train": 11, "test": 4})
    loaded, names = cifar.load(tmp_path, kind)
    # torchvision's reader on the same files (its MD5 check only knows the official copy)
    monkeypatch.setattr("torchvision.datasets.cifar.check_integrity", lambda *a, **k: True)
    for split in ("train", "test"):
        reference = reader(str(tmp_path), train=split == "train")
        assert loaded[split].labels.tolist() == reference.targets
        assert np.array_equal(loaded[split].images.transpose(0, 2, 3, 1), reference.data)
    assert reference.classes == names


def test_cifar10_names_and_a_missing_batch(tmp_path):
    folder = fakes.write_cifar10(tmp_path, {"train": 11, "test": 4})
    _, names = cifar.load(tmp_path, "cifar10")
    assert names == [f"name_{i}" for i in range(10)]
    (folder / "data_batch_3").unlink()
    with pytest.raises(FileNotFoundError, match="missing: data_batch_3.*cifar-10-python.tar"):
        cifar.load(tmp_path, "cifar10")


def test_image_folder_index_in_imagefolder_order(tmp_path):
    expected = fakes.write_image_folder(tmp_path)
    indices, classes = image_folder.build(tmp_path)
    assert classes == list(fakes.FOLDER_CLASSES)
    for split, entries in expected.items():
        assert indices[split].paths.tolist() == [path for path, _ in entries]
        assert indices[split].labels.tolist() == [c for _, c in entries]
        reference = datasets.ImageFolder(str(tmp_path / split))
        assert [Path(p).relative_to(tmp_path).as_posix() for p, _ in reference.samples] \
            == indices[split].paths.tolist()
    files = imagenet.ImageFiles(indices["test"], imagenet.eval_transform(24, 16))
    image, label = files[3]
    assert image.shape == (3, 16, 16) and image.dtype == torch.uint8 and label == 1


def test_image_folder_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match=f"{re.escape(str(tmp_path / 'train'))}.*one "
                                                f"folder per class"):
        image_folder.build(tmp_path)
    fakes.write_image_folder(tmp_path)
    (tmp_path / "test/unicorn").mkdir()
    with pytest.raises(ValueError, match="class folders that .*train lacks: unicorn"):
        image_folder.build(tmp_path)
    (tmp_path / "test/unicorn").rmdir()
    for file in (tmp_path / "train/dog").glob("dog_*"):
        file.unlink()
    with pytest.raises(ValueError, match=r"train: .*dog.*delete the empty ones"):
        image_folder.build(tmp_path)


def _plan(dataset: dict, confusion_section: dict | None = None) -> plan.Plan:
    study = {"dataset": dataset, "recipe": {"architecture": "tiny_resnet", "epochs": 1,
                                            "batch_size": 8, "lr": 0.1, "weight_decay": 0},
             "conditions": {"base": {}}}
    if confusion_section is not None:
        study["confusion"] = confusion_section
    return plan.load({"studies": {"s": study},  # one run: no "all but one" shares
                      "analysis": {"difficulty": {"shares_all_but": 0}}})


def test_schema_defaults_and_confusion_classes(tmp_path):
    study = _plan({"kind": "fashion_mnist"}, {"pairs": "all"}).studies["s"]
    assert study.dataset == {"kind": "fashion_mnist", "path": "/usr/share/datasets/fashion-mnist"}
    assert study.confusion.classes == tuple(range(10)) and len(study.confusion.pairs) == 45
    folder = _plan({"kind": "image_folder", "path": "x"}).studies["s"].dataset
    assert folder == {"kind": "image_folder", "path": "x", "train_split": "train",
                      "test_split": "test", "resize": 256, "crop": 224}
    for kind in ("mnist", "cifar10"):
        assert design.dataset_classes({"kind": kind}) == 10
        with pytest.raises(ConfigError, match="dataset"):
            _plan({"kind": kind})  # path is required
    with pytest.raises(ConfigError, match="train_limit"):
        _plan({"kind": "mnist", "path": "x", "train_limit": 0})
    with pytest.raises(ConfigError, match="in-memory"):
        _plan({"kind": "image_folder", "path": "x"}, {})


def test_prepare_limits_keep_release_ids_and_class_names(tmp_path):
    written = fakes.write_idx(tmp_path / "release", SIZES)
    spec = {"kind": "fashion_mnist", "path": str(tmp_path / "release"), "train_limit": 7,
            "test_limit": 3}
    sizes = prepare(copy.deepcopy(spec), tmp_path / "d.npz", tmp_path / "m.json")
    assert sizes == {"train": 7, "test": 3}
    manifest = json.loads((tmp_path / "m.json").read_text())
    assert manifest["class_names"][0] == "T-shirt/top" and manifest["spec"] == spec
    test = arrays.load(tmp_path / "d.npz", "test", verify=True, manifest_path=tmp_path / "m.json")
    assert test.labels.tolist() == written["test"][1][:3].tolist()
    assert np.array_equal(test.images[:, 1], written["test"][0][:3])


def test_prepare_image_folder_opens_as_files(tmp_path):
    fakes.write_image_folder(tmp_path / "imgs")
    spec = {"kind": "image_folder", "path": str(tmp_path / "imgs"), "train_split": "train",
            "test_split": "test", "resize": 20, "crop": 16}
    assert prepare(spec, tmp_path / "d.npz", tmp_path / "m.json") == {"train": 9, "test": 6}
    manifest = splits.read_manifest(tmp_path / "m.json")
    assert manifest["class_names"] == list(fakes.FOLDER_CLASSES)
    assert splits.image_size(manifest) == 16 and splits.num_classes(manifest) == 3
    data = splits.open_split(tmp_path / "d.npz", tmp_path / "m.json", "test",
                             torch.device("cpu"))
    assert isinstance(data, FileBatches) and data.labels.tolist() == [0, 0, 1, 1, 2, 2]
    batch, labels = next(eval_batches(data, 4, torch.zeros(3, 1, 1), torch.ones(3, 1, 1)))
    assert batch.shape == (4, 3, 16, 16) and labels.tolist() == [0, 0, 1, 1]


def test_cifar10_pickle_written_by_python3_with_str_names(tmp_path):
    folder = fakes.write_cifar10(tmp_path, {"train": 5, "test": 2})
    meta = {b"label_names": [f"n{i}" for i in range(10)]}
    (folder / "batches.meta").write_bytes(pickle.dumps(meta))
    assert cifar.load(folder, "cifar10")[1] == [f"n{i}" for i in range(10)]
    shutil.rmtree(folder)
