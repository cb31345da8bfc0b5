"""Data maps: each image's confidence against its variability over a run's epochs,
coloured by its many-run category (ddd.analysis.datamaps)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd

from ddd.plots.base import pretty

COLOURS = {"trivial": "tab:green", "in_between": "tab:orange", "impossible": "tab:red"}


def data_maps(maps: dict[str, pd.DataFrame], confidence: float, variability: float,
              title: str, flag_label: str | None = None) -> plt.Figure:
    """One panel per map (title: map): variability (x) against confidence (y), one dot per
    image in its category's colour, the region thresholds as dashed lines; images whose
    `flagged` column is true ringed in black (legend: `flag_label`)."""
    fig, axes = plt.subplots(1, len(maps), figsize=(4.2 * len(maps), 4.0), squeeze=False,
                             sharey=True)
    for ax, (name, one) in zip(axes[0], maps.items(), strict=True):
        size = max(1.5, min(8.0, 4000 / max(len(one), 1)))
        for category, colour in COLOURS.items():
            part = one[one["category"] == category]
            ax.scatter(part["variability"], part["confidence"], s=size, c=colour, alpha=0.5,
                       lw=0, rasterized=True,
                       label=f"{pretty(category)} ({len(part)})")
        if "flagged" in one:
            part = one[one["flagged"]]
            ax.scatter(part["variability"], part["confidence"], s=4 * size, facecolors="none",
                       edgecolors="black", lw=0.3, alpha=0.6, rasterized=True,
                       label=f"{flag_label or 'flagged'} ({len(part)})")
        ax.axvline(variability, color="grey", ls="--", lw=0.8)
        ax.plot([0, variability], [confidence, confidence], color="grey", ls="--", lw=0.8)
        ax.text(0.01, 0.99, "easy to learn", va="top", fontsize=7, transform=ax.transAxes)
        ax.text(0.01, 0.01, "hard to learn", va="bottom", fontsize=7, transform=ax.transAxes)
        ax.text(0.99, 0.99, "ambiguous", ha="right", va="top", fontsize=7,
                transform=ax.transAxes)
        ax.set_xlim(0, 0.5)
        ax.set_ylim(0, 1)
        ax.set_xlabel("variability (std of p_true over epochs)")
        evaluations = int(one["evaluations"].max()) if len(one) else 0
        ax.set_title(f"{pretty(name)} ({evaluations} evaluations)", fontsize=9)
        ax.legend(frameon=False, fontsize=7, loc="lower right", markerscale=3)
    axes[0][0].set_ylabel("confidence (mean p_true over epochs)")
    fig.suptitle(title)
    return fig
