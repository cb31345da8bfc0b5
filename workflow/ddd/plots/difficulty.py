"""Paper Fig 3/14: how many runs classify each image correctly, against references."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd

REFERENCES = {
    "poisson_binomial": ("independent runs, each at its own accuracy", "tab:orange", "o"),
    "difficulty_mixture": ("independent runs given each image's difficulty", "tab:purple",
                           "x"),
}


def difficulty_histogram(histogram: pd.DataFrame, title: str,
                         flag_label: str | None = None,
                         reference_right: dict[str, pd.Series] | None = None) -> plt.Figure:
    """Observed shares (blue) against the paper's binomial (green) and two more references.

    The binomial gives every run the mean accuracy; the Poisson-binomial keeps each run's
    own accuracy; the difficulty mixture keeps each image's share of runs right, so the
    gap between it and the binomial is the agreement that image difficulty alone explains.
    With `flag_label`, the share of flagged images (e.g. label errors) in each bar is drawn
    in red. `reference_right` (reference name: share of each bar's images it gets right,
    by n_correct) marks the part of each bar that a reference, e.g. the ideal observer,
    classifies correctly.
    """
    n_runs = int(histogram["runs"].iloc[0])
    k = histogram["n_correct"].to_numpy()
    fig, ax = plt.subplots(figsize=(max(5.0, 0.35 * n_runs + 3.0), 3.6))
    width = 0.4
    ax.bar(k - width / 2, histogram["observed"], width, color="tab:blue", label="observed")
    if flag_label is not None:
        ax.bar(k - width / 2, histogram["flagged"], width * 0.6, color="tab:red",
               label=flag_label)
    for name, right in (reference_right or {}).items():
        part = histogram["observed"].to_numpy() * right.reindex(k).fillna(0).to_numpy()
        ax.bar(k - width / 2, part, width, fill=False, hatch="////", edgecolor="black",
               lw=0, label=f"of which {name.replace('_', ' ')} is right")
    ax.bar(k + width / 2, histogram["binomial"], width, color="tab:green",
           label=f"binomial (n={n_runs}, p={histogram['mean_accuracy'].iloc[0]:.3f})")
    for column, (label, color, marker) in REFERENCES.items():
        ax.plot(k, histogram[column], color=color, marker=marker, ms=4, lw=1, label=label)
    labels = [str(i) for i in k]
    labels[0], labels[-1] = "None", "All"
    ax.set_xticks(k, labels)
    ax.set_xlabel("runs that classify the image correctly")
    ax.set_ylabel("share of images")
    ax.set_title(title)
    ax.legend(frameon=False, fontsize=7, loc="upper center")
    return fig
