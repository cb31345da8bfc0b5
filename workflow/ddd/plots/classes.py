"""Accuracy figures: Fig 6/15 (class-wise), Fig 7 (per condition), Fig 18 (KL vs accuracy)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from ddd.plots.base import condition_ticks


def class_accuracy(table: pd.DataFrame, base_run: str, title: str) -> plt.Figure:
    """Paper Fig 6/15: each run's class accuracies in decreasing order (base in black)."""
    fig, ax = plt.subplots(figsize=(5.5, 3.6))
    for run, group in table.groupby("run", sort=False):
        acc = np.sort(group["accuracy"].to_numpy())[::-1]
        is_base = run == base_run
        ax.plot(np.arange(1, len(acc) + 1), acc, color="black" if is_base else "0.7",
                lw=1.6 if is_base else 0.8, zorder=3 if is_base else 2,
                label="base run" if is_base else None)
    ax.plot([], [], color="0.7", lw=0.8, label="other runs")
    ax.set_xlabel("class rank (by the run's accuracy)")
    ax.set_ylabel("class accuracy")
    ax.set_ylim(-0.02, 1.02)
    ax.set_title(title)
    ax.legend(frameon=False, fontsize=8)
    return fig


def accuracy_per_condition(runs: pd.DataFrame, chance: float, title: str) -> plt.Figure:
    """Paper Fig 7: accuracy of each condition's instances (grey) and mean (black)."""
    order = list(dict.fromkeys(runs["condition"]))
    x = runs["condition"].map({c: i for i, c in enumerate(order)})
    fig, ax = plt.subplots(figsize=(max(4.5, 0.6 * len(order) + 2.0), 3.6))
    ax.scatter(x, runs["accuracy"], color="0.6", s=18, label="instance")
    means = runs.groupby("condition", sort=False)["accuracy"].mean()
    ax.scatter(range(len(means)), means.to_numpy(), color="black", marker="D", s=30,
               label="condition mean")
    ax.axhline(chance, color="tab:red", ls=":", lw=1, label="chance")
    condition_ticks(ax, order)
    ax.set_ylabel("test accuracy (final epoch)")
    ax.set_title(title)
    ax.legend(frameon=False, fontsize=8)
    return fig


def kl_vs_accuracy(kl: np.ndarray, accuracy: np.ndarray, skip: int, title: str,
                   references: dict[str, np.ndarray] | None = None) -> plt.Figure:
    """Paper Fig 18 (Gaussian set): KL(class i || class i+1) per pixel, the accuracy of
    class i (mean over runs), and one against the other without the first `skip` classes.
    `references` (name: per-class accuracy, e.g. of the ideal observer) are drawn in red.
    """
    classes = np.arange(len(kl))
    fig, axes = plt.subplots(1, 3, figsize=(11.0, 3.4), layout="constrained")
    axes[0].plot(classes, kl, color="tab:blue")
    axes[0].set_yscale("log")
    axes[0].set_ylabel("KL(class i ‖ class i+1) per pixel")
    axes[1].plot(classes, accuracy, color="black", label="mean of runs")
    for name, ref in (references or {}).items():
        axes[1].plot(classes, ref[: len(kl)], color="tab:red", label=name.replace("_", " "))
        axes[2].scatter(kl[classes >= skip], ref[: len(kl)][classes >= skip], s=8,
                        color="tab:red", label=name.replace("_", " "))
    if references:
        axes[1].legend(frameon=False, fontsize=7)
    axes[1].set_ylabel("accuracy of class i")
    axes[1].set_ylim(-0.02, 1.02)
    for ax in axes[:2]:
        ax.set_xlabel("class i")
    kept = classes >= skip
    axes[2].scatter(kl[kept], accuracy[kept], s=10, color="0.3")
    axes[2].set_xscale("log")
    axes[2].set_xlabel("KL per pixel")
    axes[2].set_ylabel("accuracy")
    axes[2].set_title(f"classes {skip}..{len(kl) - 1}" if skip else "all classes",
                      fontsize=9)
    fig.suptitle(title)
    return fig
