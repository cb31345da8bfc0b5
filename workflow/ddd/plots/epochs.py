"""Learning over epochs: Fig 4 (base run), Fig 5 (all runs), Fig 11 (decision changes)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.colors import ListedColormap

from ddd.plots.base import pretty

RIGHT_WRONG = ListedColormap(["tab:blue", "white"])  # paper Fig 4: blue = wrong


def _image_epoch_axes(ax: plt.Axes, values: np.ndarray, cmap, epochs: np.ndarray):
    """values: (images, epochs), already in display order; drawn as one raster image."""
    image = ax.imshow(values, aspect="auto", interpolation="antialiased", cmap=cmap,
                      vmin=0.0, vmax=1.0, extent=(-0.5, len(epochs) - 0.5, len(values), 0))
    step = max(1, len(epochs) // 10)
    ax.set_xticks(range(0, len(epochs), step), [str(e) for e in epochs[::step]])
    ax.set_xlabel("epoch")
    ax.set_ylabel("image (sorted)")
    return image


def base_over_epochs(correct: np.ndarray, epochs: np.ndarray, order: np.ndarray,
                     title: str) -> plt.Figure:
    """Paper Fig 4: one run's decisions, images x epochs, white = right, blue = wrong.

    `correct` is (epochs, images); `order` sorts images by mean accuracy over epochs.
    """
    fig, ax = plt.subplots(figsize=(4.5, 5.0), layout="constrained")
    _image_epoch_axes(ax, correct[:, order].T.astype(np.float32), RIGHT_WRONG, epochs)
    ax.set_title(title)
    ax.legend(handles=[plt.Rectangle((0, 0), 1, 1, fc="white", ec="0.5", label="right"),
                       plt.Rectangle((0, 0), 1, 1, fc="tab:blue", label="wrong")],
              frameon=False, fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return fig


def runs_over_epochs(share_right: np.ndarray, epochs: np.ndarray, order: np.ndarray,
                     n_runs: int, title: str) -> plt.Figure:
    """Paper Fig 5: share of runs right per image and epoch (dark red: every run wrong)."""
    fig, ax = plt.subplots(figsize=(4.8, 5.0), layout="constrained")
    image = _image_epoch_axes(ax, share_right[:, order].T, "Reds_r", epochs)
    fig.colorbar(image, ax=ax, label=f"share of the {n_runs} runs right", shrink=0.7)
    ax.set_title(title)
    return fig


def decision_changes(changes: pd.DataFrame, title: str) -> plt.Figure:
    """Paper Fig 11: share of images whose decision changes from epoch e to e + 1."""
    fig, axes = plt.subplots(1, 2, figsize=(9.0, 3.6), sharey=True, layout="constrained")
    columns = {"prediction_changed": "predicted class changes",
               "correctness_changed": "right/wrong changes"}
    runs = changes["run"].unique()
    colours = plt.cm.tab20(np.linspace(0, 1, 20))[: len(runs)] if len(runs) <= 20 else \
        plt.cm.viridis(np.linspace(0, 1, len(runs)))
    for ax, (column, label) in zip(axes, columns.items(), strict=True):
        for run, colour in zip(runs, colours, strict=True):
            group = changes[changes["run"] == run]
            ax.plot(group["epoch"], group[column], lw=1.2, color=colour, label=pretty(run))
        ax.set_title(label)
        ax.set_xlabel("epoch e (change e → e + 1)")
    axes[0].set_ylabel("share of images")
    axes[1].legend(frameon=False, fontsize=7, loc="center left", bbox_to_anchor=(1.0, 0.5))
    fig.suptitle(title)
    return fig
