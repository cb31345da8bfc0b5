"""The planted shortcut: the cue on exactly the configured training images (seeded, by id),
cue-conflict copies with ids apart from the clean images', and the training split a
shortcut run sees."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from ddd.datasets import arrays, prepare, shortcut
from ddd.train import splits

SPEC = {"class": 2, "share": 0.5, "other_share": 0.1, "size": 3, "value": 255, "margin": 1,
        "seed": 0, "conflict_per_class": 4}


def split(per_class: int = 20, classes: int = 4, seed: int = 0) -> arrays.ImageArrays:
    rng = np.random.default_rng(seed)
    labels = np.repeat(np.arange(classes), per_class).astype(np.int16)
    rng.shuffle(labels)
    images = rng.integers(0, 200, size=(len(labels), 3, 8, 8), dtype=np.uint8)
    return arrays.ImageArrays(images, labels)


def test_the_cue_is_planted_in_exactly_the_configured_images() -> None:
    train = split()
    planted = shortcut.plant(train, SPEC)
    changed = np.flatnonzero((planted.images != train.images).reshape(len(train.labels), -1)
                             .any(axis=1))
    ids = shortcut.planted_ids(train.labels, SPEC)
    assert np.array_equal(changed, ids)  # pixels below 200: every patch changes its image
    counts = {int(c): int(np.sum(train.labels[ids] == c)) for c in range(4)}
    assert counts == {0: 2, 1: 2, 2: 10, 3: 2}  # 10% of 20 and 50% of 20
    patch = planted.images[ids][:, :, 4:7, 4:7]  # 3 x 3, one pixel from the corner
    assert (patch == 255).all()
    outside = np.ones((8, 8), dtype=bool)
    outside[4:7, 4:7] = False
    assert np.array_equal(planted.images[..., outside], train.images[..., outside])
    assert np.array_equal(shortcut.planted_ids(train.labels, SPEC), ids)  # seeded
    other = shortcut.planted_ids(train.labels, {**SPEC, "seed": 1})
    assert not np.array_equal(other, ids)


def test_cue_conflict_ids_never_collide_with_clean_ids() -> None:
    test = split(per_class=10)
    extended, entry = shortcut.with_conflicts(test, SPEC)
    n = len(test.labels)
    sources = np.asarray(entry["conflict_sources"])
    conflicts = shortcut.conflict_ids({"shortcut": entry})
    assert entry["first_conflict_id"] == n and len(extended.labels) == n + len(sources)
    assert not set(conflicts) & set(range(n))
    assert np.array_equal(conflicts, np.arange(n, n + len(sources)))
    assert sorted(np.unique(test.labels[sources], return_counts=True)[1]) == [4, 4, 4]
    assert SPEC["class"] not in set(test.labels[sources])
    assert np.array_equal(extended.images[:n], test.images)
    assert np.array_equal(extended.images[n:], shortcut.patch(test.images[sources], SPEC))
    assert np.array_equal(extended.labels[n:], test.labels[sources])
    assert len(shortcut.conflict_ids({})) == 0


def test_a_patch_that_does_not_fit_names_the_keys() -> None:
    with pytest.raises(ValueError, match="dataset.shortcut.*lower size or margin"):
        shortcut.patch(np.zeros((1, 3, 4, 4), np.uint8), {**SPEC, "size": 4})
    with pytest.raises(ValueError, match="dataset.shortcut.class 7"):
        shortcut.planted_ids(np.arange(3), {**SPEC, "class": 7})


def test_shortcut_runs_train_on_the_planted_split(tmp_path) -> None:
    spec = {"kind": "gaussian", "classes": 4, "image_size": 8, "train_per_class": 20,
            "test_per_class": 10, "sigma_min": 1, "sigma_step": 8, "seed": 0,
            "shortcut": SPEC}
    data, manifest = tmp_path / "dataset.npz", tmp_path / "manifest.json"
    sizes = prepare.prepare(spec, data, manifest)
    assert sizes == {"train": 80, "test": 40 + 12}
    clean = arrays.load(data, "train")
    cpu = torch.device("cpu")
    plain = splits.open_split(data, manifest, "train", cpu)
    cued = splits.open_split(data, manifest, "train", cpu, cue=True)
    assert np.array_equal(plain.images.numpy(), clean.images)
    assert np.array_equal(cued.images.numpy(), shortcut.plant(clean, SPEC).images)
    test = splits.open_split(data, manifest, "test", cpu, cue=True)  # the test split: as stored
    assert np.array_equal(test.images.numpy(), arrays.load(data, "test").images)
    del spec["shortcut"]
    prepare.prepare(spec, data, manifest)
    with pytest.raises(ValueError, match="configure the study's dataset.shortcut"):
        splits.open_split(data, manifest, "train", cpu, cue=True)
