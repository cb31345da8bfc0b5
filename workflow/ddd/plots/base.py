"""What every figure shares: saving, condition axes, the kappa heatmap."""

from __future__ import annotations

import os
from collections.abc import Iterable

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns

from ddd.io.atomic import atomic_path


def save(fig: plt.Figure, paths: Iterable[str | os.PathLike], dpi: int) -> None:
    """Save atomically in each format the file names end with (png, pdf, svg)."""
    for path in paths:
        fmt = os.fspath(path).rsplit(".", 1)[-1]
        with atomic_path(path) as tmp:
            fig.savefig(tmp, format=fmt, dpi=dpi, bbox_inches="tight")
    plt.close(fig)


def pretty(name: str) -> str:
    """Condition or run name for axis labels."""
    return name.replace("_", " ")


def condition_ticks(ax: plt.Axes, order: list[str]) -> None:
    """One tick per condition, names rotated."""
    ax.set_xticks(range(len(order)), [pretty(c) for c in order], rotation=60, ha="right")


def heatmap(ax: plt.Axes, matrix: pd.DataFrame, title: str, annotate: bool,
            colorbar: bool = True, label: str = "κ") -> None:
    """Kappa (or another similarity, `label`) between conditions on a diverging scale
    centred at independence (0)."""
    names = [pretty(c) for c in matrix.index]
    sns.heatmap(matrix.to_numpy(), ax=ax, vmin=-1.0, vmax=1.0, center=0.0, cmap="RdBu_r",
                annot=annotate, fmt=".2f", annot_kws={"fontsize": 6}, square=True,
                xticklabels=names, yticklabels=names, cbar=colorbar,
                cbar_kws={"label": label, "shrink": 0.7})
    ax.set_title(title)
