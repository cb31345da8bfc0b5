import json

import numpy as np
import pytest

from ddd.datasets import arrays, gaussian


def test_same_seed_same_images_and_test_split_independent_of_train_size():
    sig = gaussian.sigmas(5, 1, 10)
    a = gaussian.make_split(1, 8, sig, 6, seed=3)
    b = gaussian.make_split(1, 8, sig, 6, seed=3)
    c = gaussian.make_split(1, 8, sig, 6, seed=4)
    assert np.array_equal(a.images, b.images)
    assert not np.array_equal(a.images, c.images)
    # the class-0 images do not depend on how many classes follow
    d = gaussian.make_split(1, 8, gaussian.sigmas(2, 1, 10), 6, seed=3)
    assert np.array_equal(a.images[:8], d.images[:8])


def test_labels_and_image_ids_are_class_major():
    split = gaussian.make_split(0, 4, gaussian.sigmas(3), 4, seed=0)
    assert split.labels.tolist() == [0] * 4 + [1] * 4 + [2] * 4
    assert split.images.dtype == np.uint8 and split.images.shape == (12, 3, 4, 4)


def test_per_class_std_matches_sigma_until_clipping():
    sig = np.array([5.0, 20.0, 40.0, 100.0])
    split = gaussian.make_split(0, 50, sig, 16, seed=0)
    stds = [split.images[split.labels == i].astype(float).std() for i in range(4)]
    means = [split.images[split.labels == i].astype(float).mean() for i in range(4)]
    assert stds[:3] == pytest.approx([5.0, 20.0, 40.0], rel=0.02)
    assert means[:3] == pytest.approx([128.0] * 3, abs=0.5)
    assert 75 < stds[3] < 90  # clipping to 0..255 squeezes the widest class


def test_kl_between_neighbouring_classes_decreases():
    kl = gaussian.kl_adjacent(gaussian.sigmas(100))
    assert kl[0] == pytest.approx(np.log(2) + 1 / 8 - 0.5)
    assert np.all(np.diff(kl) < 0)


def test_save_load_and_checksum(tmp_path):
    split = gaussian.make_split(0, 3, gaussian.sigmas(2), 4, seed=0)
    data, manifest = tmp_path / "d.npz", tmp_path / "m.json"
    arrays.save(data, manifest, {"train": split, "test": split}, {"seed": 0})
    loaded = arrays.load(data, "test", verify=True, manifest_path=manifest)
    assert np.array_equal(loaded.images, split.images)
    info = json.loads(manifest.read_text())
    assert info["splits"]["train"] == {"images": [6, 3, 4, 4], "classes": 2}
    data.write_bytes(data.read_bytes()[:-10] + b"0123456789")
    with pytest.raises(ValueError, match="corrupt"):
        arrays.load(data, "train", verify=True, manifest_path=manifest)


def test_missing_file_and_empty_split_have_clear_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="snakemake"):
        arrays.load(tmp_path / "nope.npz", "train")
    with pytest.raises(ValueError, match="empty split"):
        gaussian.make_split(0, 0, gaussian.sigmas(2), 4, seed=0)
