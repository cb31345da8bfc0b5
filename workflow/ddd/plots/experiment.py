"""The psychophysical experiment: example pairs (paper Fig 12) and the subjects' scores
(section 3.3)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from ddd.plots import base


def example_pairs(impossible: list[np.ndarray], trivial: list[np.ndarray],
                  titles: list[str]) -> plt.Figure:
    """Paper Fig 12: impossible images (top row) above the trivial image of their pair
    (bottom row); the images are (H, W, 3) uint8 display arrays. No pairs: a note."""
    if len(impossible) != len(trivial) or len(titles) != len(trivial):
        raise ValueError("need as many impossible and trivial images and titles")
    n = len(impossible)
    if n == 0:
        fig, ax = plt.subplots(figsize=(6.0, 3.0))
        ax.axis("off")
        ax.text(0.5, 0.5, "no pairs: the atlas lacks trivial or impossible images",
                ha="center", va="center")
        return fig
    fig, axes = plt.subplots(2, n, figsize=(1.9 * n + 0.6, 4.2), squeeze=False)
    for column, (hard, easy, title) in enumerate(zip(impossible, trivial, titles, strict=True)):
        for row, image in enumerate((hard, easy)):
            ax = axes[row, column]
            ax.imshow(image, interpolation="nearest")
            ax.set_xticks([])
            ax.set_yticks([])
        axes[0, column].set_title(title, fontsize=9)
    axes[0, 0].set_ylabel("impossible")
    axes[1, 0].set_ylabel("trivial")
    fig.suptitle("Pairs of the experiment: every run wrong (top), every run right (bottom)")
    fig.tight_layout()
    return fig


def human_scores(scores: pd.DataFrame, kappa: pd.DataFrame, title: str) -> plt.Figure:
    """Accuracy per subject against chance with the mean and its spread (left), and kappa
    between every two subjects (right, when there are at least two; NaN kappa blank)."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(10.0, 4.2),
                                      gridspec_kw={"width_ratios": [1.2, 1.0]})
    ordered = scores.sort_values("accuracy", kind="stable")
    x = np.arange(len(ordered))
    left.bar(x, ordered["accuracy"], color="tab:blue")
    mean = ordered["accuracy"].mean()
    sd = ordered["accuracy"].std(ddof=1) if len(ordered) > 1 else 0.0
    left.axhspan(mean - sd, mean + sd, color="black", alpha=0.1, label="mean ± sd")
    left.axhline(mean, color="black", lw=1.2, label=f"mean {mean:.1%}")
    left.axhline(0.5, color="tab:red", ls="--", lw=1, label="chance (50%)")
    left.set_xticks(x, ordered["subject"], rotation=60, ha="right")
    left.set_ylim(0, 1)
    left.set_ylabel("accuracy: impossible image picked")
    left.set_xlabel("subject")
    left.legend(loc="lower right", fontsize=8)
    left.set_title("Accuracy per subject")
    subjects = sorted(scores["subject"])
    if len(subjects) > 1:
        matrix = pd.DataFrame(np.nan, index=subjects, columns=subjects)  # diagonal blank
        for a, b, k in kappa[["subject_a", "subject_b", "kappa"]].itertuples(index=False):
            matrix.loc[a, b] = matrix.loc[b, a] = k
        base.heatmap(right, matrix, "Error consistency between subjects",
                     annotate=len(subjects) <= 15)
    else:
        right.axis("off")
        right.text(0.5, 0.5, "kappa needs two subjects", ha="center", va="center")
    fig.suptitle(title)
    fig.tight_layout()
    return fig
