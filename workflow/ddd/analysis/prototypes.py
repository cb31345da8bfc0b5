"""Prototypes and criticisms of every class as each run sees it (MMD-critic on the run's
stored features), set beside image difficulty.

Features: the activations each run's features file holds (config analysis.rsa.layer, on the
fixed class-stratified RSA image subset). Two modes: "label" (a class = the subset's images
of that class) and "prediction" (a class = the images the run assigns to it). Statistics:
Fisher's exact test of whether a role (prototype, criticism) is enriched in a difficulty
category, over every (run, mode, class) selection of a study; and a kernel two-sample test
(MMD^2, permutation p-value) between the features of trivial and impossible images per run.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import fisher_exact

from ddd import features
from ddd.analysis import mmd_critic
from ddd.analysis.difficulty import CATEGORIES

MODES = ("label", "prediction")
ROLES = ("prototype", "criticism")
TABLE_COLUMNS = ["run", "mode", "class", "image_id", "role", "rank", "witness", "category",
                 "runs_right", "class_images"]


@dataclass(frozen=True)
class Settings:
    """config analysis.mmd_critic: counts per class, criticism scoring, and the two-sample
    test's permutations, seed and images per group."""

    prototypes: int = 4
    criticisms: int = 4
    regularizer: str = "none"
    witness: str = "positive"
    permutations: int = 500
    seed: int = 0
    test_images: int = 300


def class_members(found: features.Features, mode: str) -> dict[int, np.ndarray]:
    """Rows of the activations (RSA subset) in each class, by label or by the run's
    prediction (argmax of its logits)."""
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r}; valid: {MODES}")
    rows = np.searchsorted(found.image_ids, found.rsa_image_ids)
    classes = (found.labels[rows] if mode == "label"
               else found.logits[rows].astype(np.float32).argmax(1))
    return {int(c): np.flatnonzero(classes == c) for c in np.unique(classes)}


def run_selection(run: str, found: features.Features, images: pd.DataFrame,
                  settings: Settings) -> pd.DataFrame:
    """Every class's prototypes and criticisms of one run in both modes (TABLE_COLUMNS).
    `images`: the per-image difficulty table (image_id, n_correct, category)."""
    info = images.set_index("image_id")
    activations = found.activations.astype(np.float64)
    rows = []
    for mode in MODES:
        for cls, members in class_members(found, mode).items():
            picked = mmd_critic.mmd_critic(activations[members], settings.prototypes,
                                           settings.criticisms, settings.regularizer,
                                           settings.witness)
            for role, chosen in (("prototype", picked.prototypes),
                                 ("criticism", picked.criticisms)):
                for rank, index in enumerate(chosen, start=1):
                    image = int(found.rsa_image_ids[members[index]])
                    rows.append((run, mode, cls, image, role, rank,
                                 float(picked.witness[index]), info.at[image, "category"],
                                 # pandas-stubs type .at as any scalar (None too);
                                 # n_correct holds counts
                                 int(info.at[image, "n_correct"]),  # type: ignore[arg-type]
                                 len(members)))
    return pd.DataFrame(rows, columns=TABLE_COLUMNS)


def candidates(run: str, found: features.Features, images: pd.DataFrame) -> pd.DataFrame:
    """How many images of each category MMD-critic chose from, per mode, for one run
    (every image of the subset in both modes)."""
    category = images.set_index("image_id").loc[found.rsa_image_ids, "category"]
    counts = category.value_counts().reindex(list(CATEGORIES), fill_value=0)
    return pd.DataFrame([(run, mode, cat, int(counts[cat])) for mode in MODES
                         for cat in CATEGORIES], columns=["run", "mode", "category", "images"])


def enrichment(table: pd.DataFrame, pool: pd.DataFrame) -> pd.DataFrame:
    """Fisher's exact test (one-sided: more than chance) of each role in each category,
    per mode, over every run and class: selected images in / outside the category against
    the candidates that were not selected. `pool`: `candidates` of every run."""
    rows = []
    for mode in MODES:
        offered = pool[pool["mode"] == mode].groupby("category")["images"].sum()
        offered = offered.reindex(list(CATEGORIES), fill_value=0)
        for role in ROLES:
            chosen = table[(table["mode"] == mode) & (table["role"] == role)]
            picked = chosen["category"].value_counts().reindex(list(CATEGORIES), fill_value=0)
            for cat in CATEGORIES:
                a, b = int(picked[cat]), int(picked.sum() - picked[cat])
                c = int(offered[cat] - picked[cat])
                d = int(offered.sum() - offered[cat]) - b
                odds, p = (fisher_exact([[a, b], [c, d]], alternative="greater")
                           if a + b and c + d else (np.nan, np.nan))
                rows.append((mode, role, cat, a, b, c, d, a / max(a + b, 1),
                             (a + c) / max(a + b + c + d, 1), float(odds), float(p)))
    return pd.DataFrame(rows, columns=[
        "mode", "role", "category", "selected_in", "selected_out", "other_in", "other_out",
        "share_selected", "share_all", "odds_ratio", "p_value"])


def two_sample(run: str, found: features.Features, images: pd.DataFrame,
               settings: Settings) -> dict:
    """MMD^2 between the features of the run's trivial and impossible subset images (at
    most `test_images` of each, a seeded sample) and its permutation p-value."""
    category = images.set_index("image_id").loc[found.rsa_image_ids, "category"].to_numpy()
    rng = np.random.default_rng(settings.seed)
    groups = {}
    for cat in ("trivial", "impossible"):
        rows = np.flatnonzero(category == cat)
        groups[cat] = (rng.choice(rows, settings.test_images, replace=False)
                       if len(rows) > settings.test_images else rows)
    out = {"run": run, "trivial": len(groups["trivial"]),
           "impossible": len(groups["impossible"]), "mmd2": np.nan, "p_value": np.nan,
           "bandwidth": np.nan}
    if min(len(groups["trivial"]), len(groups["impossible"])) >= 2:
        x = found.activations[groups["trivial"]].astype(np.float64)
        y = found.activations[groups["impossible"]].astype(np.float64)
        out["mmd2"], out["p_value"], out["bandwidth"] = mmd_critic.permutation_test(
            x, y, settings.permutations, settings.seed)
    return out


def study_tables(paths: Mapping[str, str | os.PathLike], images: pd.DataFrame,
                 settings: Settings) -> dict[str, pd.DataFrame]:
    """The selection table, the enrichment tests and the two-sample tests of a study's
    runs (run name: features file)."""
    selections, pools, tests = [], [], []
    for run, path in paths.items():
        found = features.load(path)
        selections.append(run_selection(run, found, images, settings))
        pools.append(candidates(run, found, images))
        tests.append(two_sample(run, found, images, settings))
    table = pd.concat(selections, ignore_index=True)
    return {"selection": table, "enrichment": enrichment(table, pd.concat(pools)),
            "two_sample": pd.DataFrame(tests)}
