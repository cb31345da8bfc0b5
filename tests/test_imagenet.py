import json
import re
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch
from torchvision.io import write_jpeg

from ddd.datasets import imagenet
from ddd.train import batches
from tests import fakes

# torchvision 0.29 deprecates its image codecs in favour of TorchCodec (not a dependency yet)
pytestmark = pytest.mark.filterwarnings("ignore:The image decoding:DeprecationWarning")

SYNSETS, WNIDS, VAL_CLASSES, VAL_NAMES = (fakes.SYNSETS, fakes.WNIDS, fakes.VAL_CLASSES,
                                           fakes.VAL_NAMES)
image = fakes.image


@pytest.fixture(scope="module")
def source(tmp_path_factory) -> Path:
    return fakes.write_imagenet(tmp_path_factory.mktemp("ilsvrc"))


@pytest.fixture
def copy(source, tmp_path) -> Path:
    """A private copy of the source tree to damage."""
    return Path(shutil.copytree(source, tmp_path / "copy"))


def test_train_index_labels_names_and_stable_ids(source):
    index, wnids, names = imagenet.build_index(source, "train")
    assert wnids == WNIDS and names == ["tench", "goldfish", "great white shark"]
    assert index.root == str(source) and len(index) == 12
    assert index.labels.dtype == np.int16 and index.labels.tolist() == [0] * 4 + [1] * 4 + [2] * 4
    assert index.paths[0] == "train/n01440764/n01440764_0.JPEG"
    assert index.paths[3] == "train/n01440764/n01440764_3.png"
    again, _, _ = imagenet.build_index(str(source), "train")
    assert np.array_equal(again.paths, index.paths) and np.array_equal(again.labels, index.labels)


def test_flat_and_folder_val_layouts_agree(source):
    folder, wnids, _ = imagenet.build_index(source, "val")
    csv, _, _ = imagenet.build_index(source, "val_flat")  # finds LOC_val_solution.csv in root
    text, _, _ = imagenet.build_index(source, "val_flat", ground_truth=source / "val.txt")
    assert wnids == WNIDS
    assert folder.labels.tolist() == VAL_CLASSES
    assert csv.labels.tolist() == VAL_CLASSES and text.labels.tolist() == VAL_CLASSES
    assert [p.rsplit("/", 1)[-1] for p in folder.paths] == VAL_NAMES
    assert csv.paths.tolist() == [f"val_flat/{name}" for name in VAL_NAMES]


def test_classes_come_from_ground_truth_without_train_and_names_default_to_wnids(copy):
    shutil.rmtree(copy / "train")
    (copy / "LOC_synset_mapping.txt").unlink()
    index, wnids, names = imagenet.build_index(copy, "val_flat")
    assert wnids == WNIDS and names == WNIDS and index.labels.tolist() == VAL_CLASSES


def test_save_load_round_trip_and_manifest(source, tmp_path):
    train, wnids, names = imagenet.build_index(source, "train")
    val, _, _ = imagenet.build_index(source, "val")
    data, manifest = tmp_path / "dataset.npz", tmp_path / "manifest.json"
    imagenet.save_index(data, manifest, {"train": train, "test": val}, {"spec": {"x": 1}},
                        wnids=wnids, class_names=names)
    info = json.loads(manifest.read_text())
    assert info["storage"] == "files" and info["spec"] == {"x": 1}
    assert info["splits"] == {"train": {"images": 12, "classes": 3},
                              "test": {"images": 6, "classes": 3}}
    assert info["wnids"] == WNIDS and info["class_names"][0] == "tench"
    assert info["root"] == str(source) and len(info["sha256"]) == 64
    loaded = imagenet.load_index(data, "test", verify=True, manifest_path=manifest)
    assert loaded.root == val.root and loaded.paths.dtype.kind == "U"
    assert np.array_equal(loaded.paths, val.paths) and np.array_equal(loaded.labels, val.labels)
    with pytest.raises(ValueError, match="no split 'val'; valid splits: test, train"):
        imagenet.load_index(data, "val")


def test_image_files_apply_the_transform(source):
    index, _, _ = imagenet.build_index(source, "train")
    raw = imagenet.ImageFiles(index)
    picture, label = raw[3]  # the PNG
    assert torch.equal(picture, image(3)) and label == 0
    resized, label = imagenet.ImageFiles(index, imagenet.eval_transform(36, 32))[5]
    assert resized.shape == (3, 32, 32) and resized.dtype == torch.uint8 and label == 1
    cropped, _ = imagenet.ImageFiles(index, imagenet.train_transform(24))[0]
    assert cropped.shape == (3, 24, 24) and cropped.dtype == torch.uint8


def test_loader_with_workers_is_reproducible(source):
    files = imagenet.ImageFiles(imagenet.build_index(source, "train")[0],
                                imagenet.train_transform(16))

    def first_batch(seed: int) -> tuple[torch.Tensor, torch.Tensor]:
        gen = torch.Generator().manual_seed(seed)
        return next(iter(batches.loader(files, 4, 2, gen, torch.device("cpu"))))

    (images, labels), (again, labels_again) = first_batch(7), first_batch(7)
    assert images.shape == (4, 3, 16, 16)
    assert torch.equal(images, again) and torch.equal(labels, labels_again)
    assert not torch.equal(images, first_batch(8)[0])


def raises_naming(path: Path, error: type[Exception] = ValueError):
    return pytest.raises(error, match=re.escape(str(path)))


def test_missing_root_and_split_name_the_path(tmp_path, copy):
    with raises_naming(tmp_path / "nope", FileNotFoundError):
        imagenet.build_index(tmp_path / "nope", "train")
    with raises_naming(copy / "test", FileNotFoundError):
        imagenet.build_index(copy, "test")
    (copy / "empty").mkdir()
    with raises_naming(copy / "empty", ValueError) as err:
        imagenet.build_index(copy, "empty")
    assert "empty split" in str(err.value)


def test_empty_class_folder_names_it(copy):
    for file in (copy / "train" / WNIDS[1]).iterdir():
        if file.suffix != ".txt":
            file.unlink()
    with raises_naming(copy / "train" / WNIDS[1]):
        imagenet.build_index(copy, "train")


def test_ground_truth_mismatches_name_the_files(copy):
    write_jpeg(image(0), str(copy / "val_flat" / "ILSVRC2012_val_00000007.JPEG"))
    with raises_naming(copy / "val_flat" / "ILSVRC2012_val_00000007.JPEG") as err:
        imagenet.build_index(copy, "val_flat")
    assert "missing from the ground truth" in str(err.value)
    for name in ("ILSVRC2012_val_00000007.JPEG", VAL_NAMES[2]):
        (copy / "val_flat" / name).unlink()
    with raises_naming(copy / "LOC_val_solution.csv") as err:
        imagenet.build_index(copy, "val_flat")
    assert "ILSVRC2012_val_00000003" in str(err.value)
    (copy / "LOC_val_solution.csv").unlink()
    with raises_naming(copy / "val_flat") as err:
        imagenet.build_index(copy, "val_flat")
    assert "dataset.ground_truth" in str(err.value)


def test_unknown_wnid_and_malformed_files_name_the_path(copy):
    shutil.move(copy / "val" / WNIDS[2], copy / "val" / "n99999999")
    with raises_naming(copy / "val") as err:
        imagenet.build_index(copy, "val")
    assert "n99999999" in str(err.value)
    (copy / "val.txt").write_text("65\n970\n")  # the devkit's bare class numbers
    with raises_naming(copy / "val.txt") as err:
        imagenet.build_index(copy, "val_flat", ground_truth=copy / "val.txt")
    assert "'<filename> <wnid>'" in str(err.value)
    (copy / "LOC_synset_mapping.txt").write_text(f"{WNIDS[0]} tench\n")
    with raises_naming(copy / "LOC_synset_mapping.txt") as err:
        imagenet.build_index(copy, "train")
    assert WNIDS[1] in str(err.value)


def test_corrupt_image_names_the_file(copy):
    bad = copy / "train" / WNIDS[0] / f"{WNIDS[0]}_1.JPEG"
    bad.write_bytes(b"\xff\xd8 this is not a jpeg" * 10)
    files = imagenet.ImageFiles(imagenet.build_index(copy, "train")[0])
    with raises_naming(bad) as err:
        files[1]
    assert "corrupt image" in str(err.value) and "rebuild the index" in str(err.value)
