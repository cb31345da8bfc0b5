"""Planted label errors on a synthetic problem: the positive control of the label-error
finder (ddd.analysis.label_errors), where which labels are wrong is known by construction.
Used by benchmarks/label_errors_planted.py and the finder's tests.
"""

from __future__ import annotations

import numpy as np


def centroid_logits(rng: np.random.Generator, separation: float, classes: int = 10,
                    dim: int = 12, train: int = 60, test: int = 200, runs: int = 4
                    ) -> tuple[np.ndarray, list[np.ndarray]]:
    """Clean labels of `classes` Gaussian classes in `dim` dimensions (means drawn with
    scale `separation`) and the logits of `runs` nearest-centroid classifiers, each fitted
    on its own bootstrap of a clean training set (out of sample, as in the study)."""
    means = rng.normal(scale=separation, size=(classes, dim))
    y_train = np.repeat(np.arange(classes), train)
    x_train = means[y_train] + rng.normal(size=(len(y_train), dim))
    y_test = np.repeat(np.arange(classes), test)
    x_test = means[y_test] + rng.normal(size=(len(y_test), dim))
    logits = []
    for _ in range(runs):
        pick = rng.integers(0, len(y_train), len(y_train))
        centroids = np.stack([x_train[pick][y_train[pick] == c].mean(0) for c in range(classes)])
        logits.append(-0.5 * ((x_test[:, None, :] - centroids[None]) ** 2).sum(-1))
    return y_test, logits


def plant_flips(rng: np.random.Generator, labels: np.ndarray, share: float, classes: int
                ) -> tuple[np.ndarray, np.ndarray]:
    """Labels with about `share` of them changed to another class, and which ones."""
    flipped = rng.random(len(labels)) < share
    noisy = labels.copy()
    noisy[flipped] = (labels[flipped] + rng.integers(1, classes, flipped.sum())) % classes
    return noisy, flipped
