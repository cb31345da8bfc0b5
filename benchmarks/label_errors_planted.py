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

from ddd.analysis import label_errors, planted


def recall_precision(separation: float, seed: int, classes: int = 10
            ) -> tuple[float, float, float, int]:
    """Accuracy of the averaged models, recall, precision and number of flagged images."""
    rng = np.random.default_rng(seed)
    labels, logits = planted.centroid_logits(rng, separation, classes)
    noisy, flipped = planted.plant_flips(rng, labels, 0.05, classes)
    probabilities = label_errors.mean_probabilities(logits)
    found = label_errors.find(noisy, probabilities)[label_errors.COLUMN].to_numpy()
    hits = np.sum(found & flipped)
    return (float(np.mean(probabilities.argmax(1) == labels)), hits / flipped.sum(),
            hits / max(found.sum(), 1), int(found.sum()))


def main() -> None:
    print(f"{'separation':>10} {'seed':>4} {'accuracy':>8} {'recall':>6} {'precision':>9} "
          f"{'flagged':>7}")
    for separation in (1.6, 1.2, 1.0, 0.8, 0.6):
        for seed in (0, 1, 2):
            accuracy, recall, precision, flagged = recall_precision(separation, seed)
            print(f"{separation:>10} {seed:>4} {accuracy:>8.3f} {recall:>6.3f} "
                  f"{precision:>9.3f} {flagged:>7}")


if __name__ == "__main__":
    main()
