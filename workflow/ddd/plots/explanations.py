"""Explanation figures: a grid of the explained images with every explained run's maps for
its predicted class, and the pairs' map similarity against their error consistency."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from ddd.experiment.stimuli import ImageSource

METHOD_NAMES = {"integrated_gradients": "IG", "grad_cam": "Grad-CAM"}
CATEGORY_NAMES = {"trivial": "trivial", "in_between": "in-between", "impossible": "impossible"}


def grid(images: ImageSource, chosen: pd.DataFrame, runs: list[str],
         maps: dict[str, np.ndarray], title: str) -> plt.Figure:
    """Rows: the explained images (category, cue-conflict); columns: the image, then per
    run its IG and Grad-CAM maps for the run's predicted class (`maps[method]`: runs x
    images x targets x H x W, target 1 = predicted)."""
    methods = list(METHOD_NAMES)
    columns = 1 + len(runs) * len(methods)
    height = 0.75 * len(chosen) + 0.8
    fig, axes = plt.subplots(len(chosen), columns, squeeze=False,
                             figsize=(0.75 * columns + 1.2, height))
    fields = chosen[["image_id", "category", "conflict"]].itertuples(index=False)
    for row, (image_id, category, conflict) in enumerate(fields):
        axes[row, 0].imshow(np.asarray(images[int(image_id)]).transpose(1, 2, 0),
                            interpolation="nearest")
        label = CATEGORY_NAMES.get(category, category)
        axes[row, 0].set_ylabel(f"{int(image_id)}\n{label}"
                                + ("\ncue conflict" if conflict else ""),
                                fontsize=5, rotation=0, ha="right", va="center")
        for r, run in enumerate(runs):
            for m, method in enumerate(methods):
                ax = axes[row, 1 + r * len(methods) + m]
                values = maps[method][r, row, 1]
                if method == "grad_cam":
                    ax.imshow(values, cmap="magma", vmin=0, interpolation="nearest")
                else:
                    bound = float(np.abs(values).max()) or 1.0
                    ax.imshow(values, cmap="RdBu_r", vmin=-bound, vmax=bound,
                              interpolation="nearest")
                if row == 0:
                    ax.set_title(f"{run}\n{METHOD_NAMES[method]}", fontsize=5)
    for ax in axes.ravel():
        ax.set_xticks([])
        ax.set_yticks([])
    fig.suptitle(title, fontsize=8)
    fig.subplots_adjust(wspace=0.05, hspace=0.05, top=1 - 0.7 / height)
    return fig


def similarity_vs_kappa(pairs: pd.DataFrame, title: str) -> plt.Figure:
    """Each pair of runs: map similarity (predicted class) against kappa, per method."""
    methods = list(METHOD_NAMES)
    fig, axes = plt.subplots(1, len(methods), figsize=(3.2 * len(methods), 3.0),
                             squeeze=False, layout="constrained")
    for ax, method in zip(axes[0], methods, strict=True):
        rows = pairs[(pairs["method"] == method) & (pairs["target"] == "predicted")]
        ax.scatter(rows["kappa"], rows["similarity"], s=14, color="black")
        ax.set_xlabel("error consistency κ (all images)")
        ax.set_ylabel("map similarity (Spearman)")
        ax.set_title(METHOD_NAMES[method], fontsize=8)
    fig.suptitle(title, fontsize=9)
    return fig
