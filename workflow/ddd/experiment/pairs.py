"""Pairs of one trivial and one impossible image, chosen from the per-image difficulty table."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ddd.analysis import difficulty

PAIR_COLUMNS = ["pair", "trivial_id", "trivial_label", "trivial_share_right",
                "impossible_id", "impossible_label", "impossible_share_right", "same_class"]


def _queues(images: pd.DataFrame, rng: np.random.Generator) -> dict[int, list[int]]:
    """Per class, the row positions of its images in random order (popped from the end)."""
    # pandas-stubs type groupby keys as any scalar; labels are class indices
    return {int(label): rng.permutation(group.index.to_numpy()).tolist()  # type: ignore[arg-type]
            for label, group in images.groupby("label", sort=True)}


def _round_robin(queues: dict[int, list[int]], rng: np.random.Generator) -> list[int]:
    """Empty the queues one item per class and round, classes in a new random order each
    round, so every prefix of the result spreads over classes as evenly as possible."""
    order = []
    while live := [c for c in sorted(queues) if queues[c]]:
        order += [queues[c].pop() for c in rng.permutation(live).tolist()]
    return order


def categories(images: pd.DataFrame, tolerance: int | None = None) -> np.ndarray:
    """Each image's category name (difficulty.CATEGORIES): the table's own, or under the
    override `tolerance` (config experiment.tolerance)."""
    return np.asarray(difficulty.CATEGORIES)[difficulty.categories(images, tolerance)]


def select_pairs(images: pd.DataFrame, n_pairs: int, seed: int,
                 tolerance: int | None = None) -> pd.DataFrame:
    """Up to `n_pairs` pairs of one trivial and one impossible image of a per-image table
    (difficulty.image_table); no image twice.

    Trivial and impossible are the table's categories, or with `tolerance` those of
    difficulty.categorise under it (0: all runs right and none right). Pairs of the same
    class come first, so that the class does not give the answer away: one pair per class
    and round, classes in a seeded random order each round. When no class has both kinds
    left, the remaining images of each kind are paired across classes, again one class per
    kind and round. Fewer pairs than asked for come back when the table has fewer trivial
    or impossible images (columns PAIR_COLUMNS; pair numbers start at 1, in the order
    chosen), none when either kind is missing.
    """
    if n_pairs < 1:
        raise ValueError(f"n_pairs must be at least 1, got {n_pairs}")
    table = images.sort_values("image_id", kind="stable").reset_index(drop=True)
    category = categories(table, tolerance)
    rng = np.random.default_rng(seed)
    trivial = _queues(table[category == "trivial"], rng)
    impossible = _queues(table[category == "impossible"], rng)
    chosen: list[tuple[int, int]] = []
    while len(chosen) < n_pairs:
        both = [c for c in sorted(trivial) if trivial[c] and impossible.get(c)]
        if not both:
            break
        for c in rng.permutation(both).tolist()[: n_pairs - len(chosen)]:
            chosen.append((trivial[c].pop(), impossible[c].pop()))
    across = zip(_round_robin(trivial, rng), _round_robin(impossible, rng), strict=False)
    chosen += list(across)[: n_pairs - len(chosen)]
    rows = [table.loc[[t for t, _ in chosen]], table.loc[[i for _, i in chosen]]]
    easy, hard = (r.reset_index(drop=True) for r in rows)
    return pd.DataFrame({
        "pair": np.arange(1, len(chosen) + 1),
        "trivial_id": easy["image_id"].astype(np.int64), "trivial_label": easy["label"],
        "trivial_share_right": easy["share_right"],
        "impossible_id": hard["image_id"].astype(np.int64),
        "impossible_label": hard["label"], "impossible_share_right": hard["share_right"],
        "same_class": easy["label"].to_numpy() == hard["label"].to_numpy(),
    }, columns=PAIR_COLUMNS)
