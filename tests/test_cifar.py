import json
import pickle
import re
from pathlib import Path

import numpy as np
import pytest

from ddd.datasets import arrays, cifar
from tests import fakes

SIZES = {"train": 7, "test": 5}


def write_release(parent: Path, seed: int = 0) -> Path:
    return fakes.write_cifar100(parent, SIZES, seed)


def raw(folder: Path, split: str) -> dict:
    with open(folder / split, "rb") as handle:
        return pickle.load(handle, encoding="bytes")


def test_load_shapes_labels_names_and_pixel_layout(tmp_path):
    folder = write_release(tmp_path)
    splits, names = cifar.load(tmp_path, "cifar100")
    assert names == [f"class_{i}" for i in range(100)]
    for split, n in SIZES.items():
        content = raw(folder, split)
        images, labels = splits[split].images, splits[split].labels
        assert images.shape == (n, 3, 32, 32) and images.dtype == np.uint8
        assert labels.dtype == np.int16 and labels.tolist() == content[b"fine_labels"]
        # channel planes, rows row-major: pixel (c, y, x) of image i is data[i, 1024c + 32y + x]
        assert images[2, 1, 5, 7] == content[b"data"][2, 1024 + 5 * 32 + 7]
        assert np.array_equal(images.reshape(n, -1), content[b"data"])
    again, _ = cifar.load(folder, "cifar100")  # the release folder itself works too
    assert np.array_equal(again["test"].images, splits["test"].images)


def test_missing_release_names_path_and_download(tmp_path):
    with pytest.raises(FileNotFoundError, match=re.escape(str(tmp_path))) as err:
        cifar.load(tmp_path, "cifar100")
    assert "cifar-100-python.tar.gz" in str(err.value) and "train, test, meta" in str(err.value)
    folder = write_release(tmp_path)
    (folder / "meta").unlink()
    with pytest.raises(FileNotFoundError, match="missing: meta"):
        cifar.load(tmp_path, "cifar100")


def test_corrupt_and_malformed_files_name_the_file(tmp_path):
    folder = write_release(tmp_path)
    (folder / "test").write_bytes(b"not a pickle at all")
    with pytest.raises(ValueError, match=f"corrupt CIFAR-100 file {re.escape(str(folder))}.test"):
        cifar.load(tmp_path, "cifar100")
    content = raw(folder, "train")
    content[b"fine_labels"][0] = 100
    (folder / "test").write_bytes(pickle.dumps(content, protocol=2))
    with pytest.raises(ValueError, match="malformed.*test.*0..99"):
        cifar.load(tmp_path, "cifar100")
    content[b"fine_labels"][0] = 1
    content[b"data"] = content[b"data"][:, :100]
    (folder / "test").write_bytes(pickle.dumps(content, protocol=2))
    with pytest.raises(ValueError, match=r"malformed.*test.*\(N, 3072\)"):
        cifar.load(tmp_path, "cifar100")


def test_saved_manifest_has_class_names_and_storage(tmp_path):
    write_release(tmp_path)
    splits, names = cifar.load(tmp_path, "cifar100")
    data, manifest = tmp_path / "d.npz", tmp_path / "m.json"
    arrays.save(data, manifest, splits, {"spec": {"kind": "cifar100"}}, class_names=names)
    info = json.loads(manifest.read_text())
    assert info["class_names"] == names and info["storage"] == "arrays"
    assert info["splits"]["train"]["images"] == [7, 3, 32, 32]
    loaded = arrays.load(data, "train", verify=True, manifest_path=manifest)
    assert np.array_equal(loaded.labels, splits["train"].labels)
