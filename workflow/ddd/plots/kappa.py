"""Error-consistency figures: Fig 2 (vs base), Fig 10 (matrix), Fig 13 (datasets), Fig 16."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from ddd.plots.base import condition_ticks, heatmap

ALPHA = 0.05


def _instance_offsets(group: pd.DataFrame, width: float = 0.3) -> np.ndarray:
    n = len(group)
    return np.zeros(n) if n == 1 else np.linspace(-width / 2, width / 2, n)


def kappa_vs_base(table: pd.DataFrame, title: str, ylim: tuple[float, float],
                  difficulty_kappa: float | None = None,
                  reference_kappa: dict[str, pd.Series] | None = None) -> plt.Figure:
    """Paper Fig 2, with the statistics the paper leaves out.

    Per instance (grey): kappa with its bootstrap interval, hollow when not different from
    independent observers (p >= 0.05), and a pale bar over the kappa range its two
    accuracies allow. Condition means in black; the dashed line is the kappa that image
    difficulty alone predicts. `reference_kappa` (reference name: each condition's mean
    kappa with that reference, e.g. the ideal observer) adds red crosses.
    """
    data = table[table["subset"] == "all"]
    order = list(dict.fromkeys(data["condition"]))
    fig, ax = plt.subplots(figsize=(max(4.5, 0.6 * len(order) + 2.0), 3.8))
    for i, (_, group) in enumerate(data.groupby("condition", sort=False)):
        x = i + _instance_offsets(group)
        ax.vlines(x, group["kappa_min"], group["kappa_max"], color="0.9", lw=5, zorder=1)
        ax.errorbar(x, group["kappa"], yerr=[group["kappa"] - group["ci_low"],
                                             group["ci_high"] - group["kappa"]],
                    fmt="none", ecolor="0.55", elinewidth=1, capsize=2, zorder=2)
        significant = (group["p_value"] < ALPHA).to_numpy()
        ax.scatter(x[significant], group["kappa"][significant], color="0.55", s=18, zorder=3)
        ax.scatter(x[~significant], group["kappa"][~significant], facecolor="white",
                   edgecolor="0.55", s=18, zorder=3)
    means = data.groupby("condition", sort=False)["kappa"].mean()
    ax.scatter(range(len(means)), means.to_numpy(), color="black", marker="D", s=30, zorder=4)
    if difficulty_kappa is not None and np.isfinite(difficulty_kappa):
        ax.axhline(difficulty_kappa, color="tab:red", ls="--", lw=1, zorder=1)
    for by_condition in (reference_kappa or {}).values():
        ax.scatter(range(len(order)), by_condition.reindex(order).to_numpy(), color="tab:red",
                   marker="x", s=30, zorder=4)
    ax.axhline(0, color="0.8", lw=0.8, zorder=0)
    condition_ticks(ax, order)
    low = ylim[0]
    if data["ci_low"].notna().any():
        low = min(low, float(data["ci_low"].min()) - 0.05)
    ax.set_ylim(low, ylim[1])
    ax.set_ylabel("error consistency κ vs base")
    ax.set_title(title)
    handles = [
        plt.Line2D([], [], color="0.55", marker="o", ls="-", label="instance, 95% CI"),
        plt.Line2D([], [], markerfacecolor="white", markeredgecolor="0.55", marker="o",
                   ls="none", label=f"instance, p ≥ {ALPHA}"),
        plt.Line2D([], [], color="black", marker="D", ls="none", label="condition mean"),
        plt.Line2D([], [], color="0.9", lw=5, label="κ range the accuracies allow"),
    ]
    if difficulty_kappa is not None and np.isfinite(difficulty_kappa):
        handles.append(plt.Line2D([], [], color="tab:red", ls="--",
                                  label="expected from image difficulty alone"))
    handles += [plt.Line2D([], [], color="tab:red", marker="x", ls="none",
                           label=f"condition's mean κ with {name.replace('_', ' ')}")
                for name in reference_kappa or {}]
    ax.legend(handles=handles, frameon=False, fontsize=7, loc="center left",
              bbox_to_anchor=(1.0, 0.5))
    return fig


def kappa_vs_base_datasets(tables: dict[str, pd.DataFrame], title: str) -> plt.Figure:
    """Paper Fig 13: kappa vs base per condition, one colour per study (dataset).

    Conditions are ordered by their mean kappa in the first study; instances are faint,
    condition means solid.
    """
    all_images = {name: t[t["subset"] == "all"] for name, t in tables.items()}
    first = next(iter(all_images.values()))
    order = list(first.groupby("condition", sort=False)["kappa"].mean()
                 .sort_values(ascending=False).index)
    for frame in all_images.values():
        order += [c for c in dict.fromkeys(frame["condition"]) if c not in order]
    x = {c: i for i, c in enumerate(order)}
    shift = np.linspace(-0.2, 0.2, len(all_images)) if len(all_images) > 1 else [0.0]
    fig, ax = plt.subplots(figsize=(max(4.5, 0.6 * len(order) + 2.0), 3.8))
    # matplotlib's stubs type cm.tab10 as a Colormap; it is a ListedColormap, with colors
    for (name, frame), dx, color in zip(all_images.items(), shift,
                                        plt.cm.tab10.colors,  # type: ignore[attr-defined]
                                        strict=False):
        xs = frame["condition"].map(x) + dx
        ax.scatter(xs, frame["kappa"], color=color, alpha=0.35, s=14)
        means = frame.groupby("condition", sort=False)["kappa"].mean()
        ax.scatter(means.index.map(x) + dx, means.to_numpy(), color=color, marker="D", s=30,
                   label=name)
    ax.axhline(0, color="0.8", lw=0.8, zorder=0)
    condition_ticks(ax, order)
    ax.set_ylabel("error consistency κ vs base")
    ax.set_title(title)
    ax.legend(frameon=False, fontsize=8, title="study")
    return fig


def _matrix(table: pd.DataFrame, subset: str) -> pd.DataFrame:
    data = table[table["subset"] == subset]
    order = list(dict.fromkeys(data["condition_a"]))
    return data.pivot(index="condition_a", columns="condition_b", values="kappa").loc[
        order, order]


def kappa_matrix(table: pd.DataFrame, title: str, annotate: bool) -> plt.Figure:
    """Paper Fig 10: mean kappa between every two conditions."""
    matrix = _matrix(table, "all")
    size = 0.45 * len(matrix) + 2.5
    fig, ax = plt.subplots(figsize=(size + 1, size), layout="constrained")
    heatmap(ax, matrix, title, annotate)
    return fig


def kappa_all_vs_in_between(table: pd.DataFrame, title: str, annotate: bool) -> plt.Figure:
    """Paper Fig 16: kappa on all images (left) and on in-between images only (right)."""
    size = 0.45 * table["condition_a"].nunique() + 2.5
    fig, axes = plt.subplots(1, 2, figsize=(2 * size + 2, size), layout="constrained")
    heatmap(axes[0], _matrix(table, "all"), "all images", annotate, colorbar=False)
    if table.loc[table["subset"] == "in_between", "kappa"].notna().any():
        heatmap(axes[1], _matrix(table, "in_between"), "in-between images only", annotate)
    else:
        axes[1].text(0.5, 0.5, "no in-between images", ha="center", va="center")
        axes[1].set_axis_off()
    fig.suptitle(title)
    return fig
