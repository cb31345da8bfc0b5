"""Runs against their reference decision makers: how far from ideal, and the scaling grid."""

from __future__ import annotations

from typing import Any

import matplotlib.pyplot as plt
import pandas as pd

from ddd.plots.base import pretty


def vs_reference(runs: pd.DataFrame, classes: pd.DataFrame, title: str) -> plt.Figure:
    """One row per reference. Left: per run, accuracy relative to the reference's against
    kappa with it (bootstrap interval). Right: per class, each run's accuracy (grey), the
    runs' mean (black) and the reference's (red)."""
    names = list(dict.fromkeys(runs["reference"]))
    fig, axes = plt.subplots(len(names), 2, figsize=(9.5, 3.8 * len(names)), squeeze=False,
                             gridspec_kw={"width_ratios": [1, 1.6]})
    for (left, right), reference in zip(axes, names, strict=True):
        _runs_against(left, runs[runs["reference"] == reference], reference)
        _classes_against(right, classes[classes["reference"] == reference])
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def _runs_against(ax: plt.Axes, runs: pd.DataFrame, reference: str) -> None:
    ax.errorbar(runs["relative_accuracy"], runs["kappa"],
                yerr=[runs["kappa"] - runs["ci_low"], runs["ci_high"] - runs["kappa"]],
                fmt="o", color="0.3", ms=4, ecolor="0.7", elinewidth=1)
    ax.set_xlim(0, max(1.05, runs["relative_accuracy"].max() + 0.05))
    ax.set_ylim(min(0.0, runs["kappa"].min() - 0.05), 1.0)
    ax.axvline(1.0, color="tab:red", lw=1, ls="--")
    ax.set_xlabel(f"accuracy / {pretty(reference)}'s")
    ax.set_ylabel(f"κ with {pretty(reference)}")


def _classes_against(ax: plt.Axes, classes: pd.DataFrame) -> None:
    for key, group in classes.groupby("decider", sort=False):
        name = str(key)  # decider names are strings
        group = group.sort_values("class")
        style: dict[str, Any]
        if group["is_reference"].iloc[0]:
            style = {"color": "tab:red", "lw": 2, "label": pretty(name), "zorder": 3}
        elif name == "mean of runs":
            style = {"color": "black", "lw": 1.5, "label": name, "zorder": 2}
        else:
            style = {"color": "0.75", "lw": 0.6, "zorder": 1}
        ax.plot(group["class"], group["accuracy"], **style)
    ax.set_xlabel("class")
    ax.set_ylabel("accuracy")
    ax.set_ylim(-0.02, 1.02)
    ax.legend(frameon=False, fontsize=8)


def scaling_figure(table: pd.DataFrame, references: list[str], title: str) -> plt.Figure:
    """Kappa between runs and kappa with each reference against the runs' accuracy, one
    point per grid point (training images per class x epochs); arrows follow more data."""
    fig, ax = plt.subplots(figsize=(5.5, 4.0))
    x = "accuracy"
    series = [("kappa_between_runs", "between runs", "0.2", "o")]
    series += [(f"kappa_with_{name}", f"with {pretty(name)}", "tab:red", "s")
               for name in references]
    for column, label, color, marker in series:
        ax.scatter(table[x], table[column], color=color, marker=marker, s=24, label=label)
        for _, group in table.groupby("epochs"):
            group = group.sort_values("train_per_class")
            ax.plot(group[x], group[column], color=color, lw=0.6, alpha=0.6)
    for _, row in table.iterrows():
        ax.annotate(f"{row['train_per_class']:.0f}/{row['epochs']:.0f}",
                    (row[x], row["kappa_between_runs"]), fontsize=6,
                    xytext=(3, 3), textcoords="offset points")
    for name in references:
        ax.axvline(table[f"{name}_accuracy"].iloc[0], color="tab:red", lw=1, ls="--",
                   label=f"{pretty(name)}'s accuracy")
    ax.set_xlabel("mean accuracy of the runs (labels: images per class / epochs)")
    ax.set_ylabel("mean κ")
    ax.legend(frameon=False, fontsize=8)
    ax.set_title(title)
    fig.tight_layout()
    return fig
