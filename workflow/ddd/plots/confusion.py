"""Class-confusion figures: effect on every class T of confusing a pair (A, B), as a
heatmap with one row per pair and one column per class (the pair's own cells grey, marked
A and B)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

CORRECTION_NAMES = {"benjamini_hochberg": "Benjamini-Hochberg (FDR)", "holm": "Holm (FWER)"}


def _grid(effects: pd.DataFrame, column: str) -> tuple[pd.DataFrame, list[str], list[int]]:
    """(pairs x targets) matrix of `column`, the pairs in their order, the targets sorted."""
    pairs = list(dict.fromkeys(effects["pair"]))
    targets = sorted(effects["target"].unique())
    matrix = effects.pivot(index="pair", columns="target", values=column)
    return matrix.loc[pairs, targets], pairs, targets


def _heatmap(effects: pd.DataFrame, column: str, names: dict[int, str], both_ways: bool,
             cmap: str, label: str, fmt: str, limit: float, title: str,
             stars: bool) -> plt.Figure:
    matrix, pairs, targets = _grid(effects, column)
    roles, _, _ = _grid(effects, "role")
    own = (roles != "other").to_numpy()
    values = matrix.to_numpy(dtype=float)
    finite = np.abs(values[~own & np.isfinite(values)])
    vmax = max(float(finite.max()) if finite.size else 0.0, limit)
    arrow = "↔" if both_ways else "→"
    pair_ab = effects.drop_duplicates("pair").set_index("pair")
    class_a, class_b = pair_ab["a"], pair_ab["b"]
    rows = [f"{names[class_a[p]]} {arrow} {names[class_b[p]]}" for p in pairs]
    text = np.vectorize(lambda v: "" if np.isnan(v) else format(v, fmt))(values)
    text = text.astype(object)
    if stars:
        significant, _, _ = _grid(effects, "significant")
        text[significant.to_numpy(dtype=bool)] += "*"
    text[own] = roles.to_numpy()[own]
    fig, ax = plt.subplots(figsize=(max(4.5, 1.2 + 0.62 * len(targets)),
                                    max(2.8, 1.6 + 0.42 * len(pairs))),
                           layout="constrained")
    shown = np.ma.masked_array(np.clip(values, -vmax, vmax), own | np.isnan(values))
    mesh = ax.pcolormesh(shown, cmap=plt.get_cmap(cmap).with_extremes(bad="0.85"),
                         vmin=-vmax, vmax=vmax)
    fig.colorbar(mesh, ax=ax, label=label, shrink=0.8)
    dark = np.abs(np.nan_to_num(values)) > 0.6 * vmax  # white text on strong colours
    for (i, j), cell in np.ndenumerate(text):
        ax.text(j + 0.5, i + 0.5, cell, ha="center", va="center", fontsize=7,
                color="white" if dark[i, j] and not own[i, j] else "black")
    ax.set_xticks(np.arange(len(targets)) + 0.5, [names[t] for t in targets],
                  rotation=60, ha="right")
    ax.set_yticks(np.arange(len(pairs)) + 0.5, rows)
    ax.invert_yaxis()
    ax.set_xlabel("class T")
    ax.set_ylabel(f"confused pair A {arrow} B")
    ax.set_title(title, fontsize=9)
    return fig


def effects_heatmap(effects: pd.DataFrame, names: dict[int, str], both_ways: bool,
                    correction: str, title: str) -> plt.Figure:
    """Change of T's test accuracy in control standard deviations; * marks p_adjusted
    below alpha. Values beyond the colour scale are clipped in colour, not in text."""
    label = "Δ accuracy on T (control SDs)"
    return _heatmap(effects, "std_devs", names, both_ways, "RdBu", label, ".1f", 2.0,
                    f"{title}\n* significant after {CORRECTION_NAMES[correction]}", True)


def information_heatmap(effects: pd.DataFrame, names: dict[int, str], both_ways: bool,
                        title: str) -> plt.Figure:
    """Bits of one-vs-rest information on T gained (+) or lost (-) by the confusion."""
    label = "Δ bits on T"
    return _heatmap(effects, "bits_difference", names, both_ways, "PRGn", label, "+.3f",
                    0.01, title, False)
