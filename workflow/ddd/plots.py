"""Figures of the paper, drawn from analysis tables only."""

from __future__ import annotations

import os

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import seaborn as sns  # noqa: E402

from ddd.atomic import atomic_path  # noqa: E402


def save(fig: plt.Figure, path: str | os.PathLike, dpi: int) -> None:
    """Save atomically in the format the file name ends with."""
    fmt = os.fspath(path).rsplit(".", 1)[-1]
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format=fmt, dpi=dpi, bbox_inches="tight")
    plt.close(fig)


def kappa_vs_base(table: pd.DataFrame, title: str, ylim: tuple[float, float]) -> plt.Figure:
    """Paper Fig 2: kappa of each condition's instances (grey) and mean (black) vs base."""
    data = table[table["subset"] == "all"]
    order = list(dict.fromkeys(data["condition"]))
    x = {c: i for i, c in enumerate(order)}
    fig, ax = plt.subplots(figsize=(max(4.0, 0.55 * len(order) + 1.5), 3.6))
    ax.scatter(data["condition"].map(x), data["kappa"], color="0.65", s=18, label="instance",
               zorder=2)
    means = data.groupby("condition", sort=False)["kappa"].mean()
    ax.scatter([x[c] for c in means.index], means.to_numpy(), color="black", marker="D", s=30,
               label="condition mean", zorder=3)
    ax.set_xticks(range(len(order)), [c.replace("_", " ") for c in order], rotation=60,
                  ha="right")
    low = min(ylim[0], float(data["kappa"].min()) - 0.05) if data["kappa"].notna().any() \
        else ylim[0]
    ax.set_ylim(low, ylim[1])
    ax.set_ylabel("error consistency κ vs base")
    ax.axhline(0, color="0.8", lw=0.8, zorder=1)
    ax.set_title(title)
    ax.legend(frameon=False, fontsize=8, loc="lower left")
    return fig


def difficulty_histogram(histogram: pd.DataFrame, title: str) -> plt.Figure:
    """Paper Fig 3/14: share of images with k correct runs, observed vs binomial."""
    n_runs = int(histogram["runs"].iloc[0])
    k = histogram["n_correct"].to_numpy()
    fig, ax = plt.subplots(figsize=(max(4.0, 0.35 * n_runs + 2.5), 3.4))
    width = 0.4
    ax.bar(k - width / 2, histogram["observed"], width, color="tab:blue", label="observed")
    ax.bar(k + width / 2, histogram["binomial"], width, color="tab:green",
           label=f"binomial (n={n_runs}, p={histogram['mean_accuracy'].iloc[0]:.3f})")
    labels = [str(i) for i in k]
    labels[0], labels[-1] = "None", "All"
    ax.set_xticks(k, labels)
    ax.set_xlabel("runs that classify the image correctly")
    ax.set_ylabel("share of images")
    ax.set_title(title)
    ax.legend(frameon=False, fontsize=8)
    return fig


def _matrix(table: pd.DataFrame, subset: str) -> pd.DataFrame:
    data = table[table["subset"] == subset]
    order = list(dict.fromkeys(data["condition_a"]))
    return data.pivot(index="condition_a", columns="condition_b", values="kappa").loc[
        order, order]


def _heatmap(ax: plt.Axes, matrix: pd.DataFrame, title: str, annotate: bool,
             colorbar: bool = True) -> None:
    names = [c.replace("_", " ") for c in matrix.index]
    sns.heatmap(matrix.to_numpy(), ax=ax, vmin=-1.0, vmax=1.0, center=0.0, cmap="RdBu_r",
                annot=annotate, fmt=".2f", annot_kws={"fontsize": 6}, square=True,
                xticklabels=names, yticklabels=names, cbar=colorbar,
                cbar_kws={"label": "κ", "shrink": 0.7})
    ax.set_title(title)


def kappa_matrix(table: pd.DataFrame, title: str, annotate: bool) -> plt.Figure:
    """Paper Fig 10: mean kappa between every two conditions."""
    matrix = _matrix(table, "all")
    size = 0.45 * len(matrix) + 2.5
    fig, ax = plt.subplots(figsize=(size + 1, size), layout="constrained")
    _heatmap(ax, matrix, title, annotate)
    return fig


def kappa_all_vs_in_between(table: pd.DataFrame, title: str, annotate: bool) -> plt.Figure:
    """Paper Fig 16: kappa on all images (left) and on in-between images only (right)."""
    size = 0.45 * table["condition_a"].nunique() + 2.5
    fig, axes = plt.subplots(1, 2, figsize=(2 * size + 2, size), layout="constrained")
    _heatmap(axes[0], _matrix(table, "all"), "all images", annotate, colorbar=False)
    has_between = table.loc[table["subset"] == "in_between", "kappa"].notna().any()
    if has_between:
        _heatmap(axes[1], _matrix(table, "in_between"), "in-between images only", annotate)
    else:
        axes[1].text(0.5, 0.5, "no in-between images", ha="center", va="center")
        axes[1].set_axis_off()
    fig.suptitle(title)
    return fig
