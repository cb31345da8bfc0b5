"""Acceptable labels: the difficulty histogram original and rectified side by side, where
the originally impossible and in-between images go, and why images are impossible."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from ddd.analysis.rectified import CAUSES, LEFT_OUT

CATEGORY_COLORS = {"impossible": "tab:red", "in_between": "tab:gray",
                   "trivial": "tab:green", LEFT_OUT: "white"}
CAUSE_COLORS = {"label_error": "tab:red", "acceptable_answer": "tab:blue",
                "both": "tab:purple", "neither": "tab:gray",
                "no_acceptable_label": "white"}


def _histogram(ax: plt.Axes, histogram: pd.DataFrame, title: str) -> None:
    k = histogram["n_correct"].to_numpy()
    ax.bar(k - 0.2, histogram["observed"], 0.4, color="tab:blue", label="observed")
    ax.bar(k + 0.2, histogram["binomial"], 0.4, color="tab:green",
           label=f"binomial (p={histogram['mean_accuracy'].iloc[0]:.3f})")
    labels = [str(i) for i in k]
    labels[0], labels[-1] = "None", "All"
    ax.set_xticks(k, labels)
    ax.set_xlabel("runs that classify the image correctly")
    ax.set_title(f"{title}, {int(histogram['images'].sum())} images", fontsize=9)
    ax.legend(frameon=False, fontsize=7, loc="upper center")


def _stacked(ax: plt.Axes, table: pd.DataFrame, rows: list[str], key: str, parts: list[str],
             colors: dict[str, str], value: str) -> None:
    """Horizontal bars, one per row, split into `parts` (shares of the row)."""
    left = np.zeros(len(rows))
    for part in parts:
        share = np.array([table.loc[(table[key] == row) & (table["part"] == part), value].sum()
                          for row in rows])
        ax.barh(range(len(rows)), share, left=left, color=colors[part], edgecolor="black",
                lw=0.5, label=part.replace("_", " "))
        left += share
    ax.set_yticks(range(len(rows)), [row.replace("_", "-") for row in rows])
    ax.set_xlim(0, 1)
    ax.legend(frameon=False, fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.25),
              ncol=3)


def rectified_histograms(original: pd.DataFrame, rectified: pd.DataFrame,
                         moved: pd.DataFrame, title: str) -> plt.Figure:
    """Original and rectified histograms on one y scale, and a bar per original category
    (impossible, in-between) split by its images' rectified category."""
    fig, axes = plt.subplots(1, 3, figsize=(13, 3.6),
                             gridspec_kw={"width_ratios": [2, 2, 1.4]})
    _histogram(axes[0], original, "original labels")
    _histogram(axes[1], rectified, "acceptable labels")
    axes[1].sharey(axes[0])
    axes[0].set_ylabel("share of images")
    table = moved.rename(columns={"rectified": "part"})
    _stacked(axes[2], table, ["impossible", "in_between"], "original",
             [*CATEGORY_COLORS], CATEGORY_COLORS, "share_of_original")
    axes[2].set_xlabel("share of the original category's images")
    axes[2].set_title("where they go (rectified category)", fontsize=9)
    fig.suptitle(title)
    return fig


def cause_bars(causes: pd.DataFrame, title: str) -> plt.Figure:
    """One bar per category (impossible, in-between) split by cause; the causes the study
    does not know are named in the title."""
    fig, ax = plt.subplots(figsize=(6.5, 2.8))
    table = causes.rename(columns={"cause": "part"})
    _stacked(ax, table, ["impossible", "in_between"], "category", list(CAUSES),
             CAUSE_COLORS, "share_of_category")
    for row, category in enumerate(("impossible", "in_between")):
        count = int(causes.loc[causes["category"] == category, "images"].sum())
        ax.text(1.01, row, f"{count} images", va="center", fontsize=8,
                transform=ax.get_yaxis_transform())
    unknown = [name for name, column in (("label errors", "label_errors_known"),
                                         ("acceptable labels", "acceptable_known"))
               if not causes[column].iloc[0]]
    ax.set_xlabel("share of the category's images")
    ax.set_title(title + (f"\n(not known for this study: {', '.join(unknown)})"
                          if unknown else ""), fontsize=9)
    return fig
