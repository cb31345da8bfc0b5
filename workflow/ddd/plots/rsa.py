"""RSA figures (paper Fig 17): each condition vs base, and the matrix across conditions."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from ddd.plots.base import condition_ticks, heatmap


def layer_name(spec: str | dict[str, str]) -> str:
    """The configured layer for a title: its name, or architecture: name pairs."""
    if isinstance(spec, str):
        return spec
    return ", ".join(f"{arch}: {name}" for arch, name in spec.items())


def rsa_vs_base(table: pd.DataFrame, title: str, label: str) -> plt.Figure:
    """RSA of every instance with the base run (grey) and condition means (black)."""
    order = list(dict.fromkeys(table["condition"]))
    fig, ax = plt.subplots(figsize=(max(4.5, 0.6 * len(order) + 2.0), 3.8))
    for i, (_, group) in enumerate(table.groupby("condition", sort=False)):
        n = len(group)
        x = i + (np.zeros(n) if n == 1 else np.linspace(-0.15, 0.15, n))
        ax.scatter(x, group["rsa"], color="0.55", s=18, zorder=3)
    means = table.groupby("condition", sort=False)["rsa"].mean()
    ax.scatter(range(len(means)), means.to_numpy(), color="black", marker="D", s=30, zorder=4,
               label="condition mean")
    ax.axhline(0, color="0.8", lw=0.8, zorder=0)
    condition_ticks(ax, order)
    ax.set_ylim(min(-0.1, float(table["rsa"].min()) - 0.05) if len(table) else -0.1, 1.02)
    ax.set_ylabel(f"RSA vs base ({label})")
    ax.set_title(title)
    ax.legend(frameon=False, fontsize=7, loc="lower left")
    return fig


def rsa_matrix(table: pd.DataFrame, title: str, label: str, annotate: bool) -> plt.Figure:
    """Mean RSA between the runs of every two conditions."""
    order = list(dict.fromkeys(table["condition_a"]))
    matrix = table.pivot(index="condition_a", columns="condition_b", values="rsa").loc[
        order, order]
    size = 0.45 * len(matrix) + 2.5
    fig, ax = plt.subplots(figsize=(size + 1, size), layout="constrained")
    heatmap(ax, matrix, title, annotate, label=f"RSA ({label})")
    return fig
