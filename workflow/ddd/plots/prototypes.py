"""The prototype and criticism gallery: per class one row, the class's prototypes and
criticisms by label and by prediction, each image framed in its difficulty category's
colour."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.patches import Patch

from ddd.experiment.stimuli import ImageSource

COLOURS = {"trivial": "#1a9850", "in_between": "#fdae61", "impossible": "#d73027"}


def gallery_classes(classes: np.ndarray, count: int) -> list[int]:
    """`count` class ids evenly spaced over the sorted ids (all when there are fewer)."""
    classes = np.unique(classes)
    if count >= len(classes):
        return [int(c) for c in classes]
    return [int(classes[i]) for i in np.linspace(0, len(classes) - 1, count).round().astype(int)]


def gallery(table: pd.DataFrame, images: ImageSource, classes: list[int],
            names: dict[int, str], title: str) -> plt.Figure:
    """One row per class; columns: prototypes and criticisms by label, then by prediction
    (a blank cell where a class had fewer images to choose from)."""
    columns = [(mode, role, rank) for mode in ("label", "prediction")
               for role in ("prototype", "criticism")
               for rank in sorted(table.loc[table["role"] == role, "rank"].unique())]
    fig, axes = plt.subplots(len(classes), len(columns), squeeze=False,
                             figsize=(0.8 * len(columns) + 1.2, 0.85 * len(classes) + 1.0))
    by_key = table.set_index(["class", "mode", "role", "rank"])
    for row, cls in enumerate(classes):
        for col, (mode, role, rank) in enumerate(columns):
            ax = axes[row, col]
            ax.set_xticks([])
            ax.set_yticks([])
            for spine in ax.spines.values():
                spine.set_visible(False)
            if row == 0:
                ax.set_title(f"{mode}\n{role[:5]}. {rank}", fontsize=6)
            if col == 0:
                ax.set_ylabel(names.get(cls, str(cls)), fontsize=7, rotation=0, ha="right",
                              va="center")
            key = (cls, mode, role, rank)
            if key not in by_key.index:
                continue
            # pandas-stubs type .loc keys as at most 2-tuples; this index has 4 levels
            entry = by_key.loc[key]  # type: ignore[index]
            picture = np.asarray(images[int(entry["image_id"])]).transpose(1, 2, 0)
            ax.imshow(picture, interpolation="nearest")
            for spine in ax.spines.values():
                spine.set_visible(True)
                spine.set_color(COLOURS.get(entry["category"], "black"))
                spine.set_linewidth(2.5)
    fig.legend(handles=[Patch(facecolor="white", edgecolor=c, lw=2.5,
                              label=k.replace("_", "-")) for k, c in COLOURS.items()],
               loc="lower center", ncol=3, frameon=False, fontsize=7)
    fig.suptitle(title, fontsize=9)
    fig.subplots_adjust(wspace=0.08, hspace=0.08, bottom=0.6 / (0.85 * len(classes) + 1.0))
    return fig
