"""Recall and precision of cleanlab's label-issue flags on planted label flips, against
the accuracy of the models whose averaged probabilities it gets.

Synthetic set: 10 Gaussian classes in 12 dimensions (class means drawn with the given
separation), 2,000 evaluation images, 4 nearest-centroid "runs" each fitted on its own
bootstrap of a clean training set; 5% of the evaluation labels are flipped to another
class. Three seeds per separation.

    PYTHONPATH=workflow python benchmarks/label_errors_planted.py
"""

from __future__ import annotations

import numpy as np

from ddd import label_errors


def planted(separation: float, seed: int, classes: int = 10, dim: int = 12,
            train: int = 60, test: int = 200, runs: int = 4, flip: float = 0.05
            ) -> tuple[float, float, float, int]:
    rng = np.random.default_rng(seed)
    means = rng.normal(scale=separation, size=(classes, dim))
    y_train = np.repeat(np.arange(classes), train)
    x_train = means[y_train] + rng.normal(size=(len(y_train), dim))
    y = np.repeat(np.arange(classes), test)
    x = means[y] + rng.normal(size=(len(y), dim))
    logits = []
    for _ in range(runs):
        pick = rng.integers(0, len(y_train), len(y_train))
        centroids = np.stack([x_train[pick][y_train[pick] == c].mean(0)
                              for c in range(classes)])
        logits.append(-0.5 * ((x[:, None, :] - centroids[None]) ** 2).sum(-1))
    flipped = rng.random(len(y)) < flip
    noisy = y.copy()
    noisy[flipped] = (y[flipped] + rng.integers(1, classes, flipped.sum())) % classes
    probabilities = label_errors.mean_probabilities(logits)
    found = label_errors.find(noisy, probabilities)[label_errors.COLUMN].to_numpy()
    hits = np.sum(found & flipped)
    return (float(np.mean(probabilities.argmax(1) == y)), hits / flipped.sum(),
            hits / max(found.sum(), 1), int(found.sum()))


def main() -> None:
    print(f"{'separation':>10} {'seed':>4} {'accuracy':>8} {'recall':>6} {'precision':>9} "
          f"{'flagged':>7}")
    for separation in (1.6, 1.2, 1.0, 0.8, 0.6):
        for seed in (0, 1, 2):
            accuracy, recall, precision, flagged = planted(separation, seed)
            print(f"{separation:>10} {seed:>4} {accuracy:>8.3f} {recall:>6.3f} "
                  f"{precision:>9.3f} {flagged:>7}")


if __name__ == "__main__":
    main()
