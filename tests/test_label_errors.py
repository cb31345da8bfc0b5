"""Label-error flags: cleanlab on planted label flips, and files of known errors."""

from __future__ import annotations

import json

import numpy as np
import pytest

from ddd.analysis import label_errors, planted
from ddd.flags import read_flags

pytest.importorskip("cleanlab")


def test_planted_label_flips_are_found_and_few_clean_images_flagged(rng):
    labels, logits = planted.centroid_logits(rng, separation=1.2)
    noisy, flipped = planted.plant_flips(rng, labels, 0.05, classes=10)
    probabilities = label_errors.mean_probabilities(logits)
    accuracy = np.mean(probabilities.argmax(1) == labels)
    assert accuracy > 0.8
    table = label_errors.find(noisy, probabilities)
    found = table[label_errors.COLUMN].to_numpy()
    recall = (found & flipped).sum() / flipped.sum()
    precision = (found & flipped).sum() / found.sum()
    print(f"planted {flipped.sum()} flips in {len(labels)} images, accuracy {accuracy:.3f}: "
          f"recall {recall:.3f}, precision {precision:.3f}, flagged {found.sum()}")
    assert recall > 0.8 and precision > 0.6  # see benchmarks/label_errors_planted.py
    assert table["label_quality"].between(0, 1).all()
    assert table.loc[found, "label_quality"].mean() < table.loc[~found, "label_quality"].mean()


def test_mean_probabilities_average_softmax_over_runs():
    a = np.log(np.array([[0.7, 0.2, 0.1]]))
    b = np.log(np.array([[0.1, 0.2, 0.7]])) + 5.0  # softmax ignores a shift
    np.testing.assert_allclose(label_errors.mean_probabilities([a, b]), [[0.4, 0.2, 0.4]])
    with pytest.raises(ValueError, match="differ in shape"):
        label_errors.mean_probabilities([a, np.zeros((2, 3))])
    with pytest.raises(ValueError, match="unknown cleanlab filter_by 'x'"):
        label_errors.find(np.zeros(1, int), np.ones((1, 3)) / 3, "x")


def test_known_errors_from_ids_or_boolean_arrays(tmp_path):
    ids = np.arange(6)
    expected = np.array([False, True, False, False, True, False])
    (tmp_path / "ids.txt").write_text("# known errors\n1\n4  # second\n")
    (tmp_path / "ids.json").write_text(json.dumps([4, 1]))
    (tmp_path / "mask.json").write_text(json.dumps(expected.tolist()))
    np.save(tmp_path / "mask.npy", expected)
    np.save(tmp_path / "ids.npy", np.array([1, 4]))
    for name in ("ids.txt", "ids.json", "mask.json", "mask.npy", "ids.npy"):
        np.testing.assert_array_equal(label_errors.read_known(tmp_path / name, ids), expected)
    (tmp_path / "bad.txt").write_text("1\n9\n")
    with pytest.raises(ValueError, match="1 ids are not evaluation images"):
        label_errors.read_known(tmp_path / "bad.txt", ids)
    np.save(tmp_path / "short.npy", expected[:4])
    with pytest.raises(ValueError, match="one entry per evaluation image"):
        label_errors.read_known(tmp_path / "short.npy", ids)
    with pytest.raises(FileNotFoundError, match="label_errors.path"):
        label_errors.read_known(tmp_path / "none.txt", ids)


def test_flags_table_is_read_by_the_image_flags_overlay(tmp_path):
    ids = np.arange(5) + 10
    flags = np.array([True, False, False, True, False])
    table = label_errors.flags_table(ids, np.zeros(5), flags)
    table.to_parquet(tmp_path / "flags.parquet", index=False)
    read = read_flags(tmp_path / "flags.parquet", label_errors.COLUMN, ids)
    np.testing.assert_array_equal(read, flags)
