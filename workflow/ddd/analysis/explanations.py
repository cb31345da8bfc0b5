"""Explanations beside error consistency: which images are explained (a seeded sample of
trivial, in-between and impossible images, and cue-conflict images of a planted shortcut),
how alike two runs' attribution maps are on the same images (Spearman correlation of the
maps, averaged over images), and how much of a map's mass lies on the planted patch.

The maps themselves come from ddd.train.explain (captum) and are stored per run as .npz:
image_ids, targets ("true", "predicted") and one (images, targets, H, W) array per method.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

import numpy as np
import pandas as pd
from scipy.stats import spearmanr

from ddd.analysis.difficulty import CATEGORIES
from ddd.io.atomic import atomic_path

TARGETS = ("true", "predicted")
METHODS = ("integrated_gradients", "grad_cam")


def sample(images: pd.DataFrame, per_category: int, seed: int,
           conflict_ids: np.ndarray, conflicts: int) -> pd.DataFrame:
    """The explained images: `per_category` of each difficulty category among the clean
    images (fewer where a category has fewer) and `conflicts` cue-conflict images, a seeded
    choice; columns image_id, label, category, conflict, in that order."""
    rng = np.random.default_rng(seed)
    is_conflict = images["image_id"].isin(conflict_ids).to_numpy()
    parts = []
    for cat in CATEGORIES:
        pool = images[(images["category"] == cat).to_numpy() & ~is_conflict]
        parts.append(pool.iloc[np.sort(rng.permutation(len(pool))[:per_category])])
    pool = images[is_conflict]
    parts.append(pool.iloc[np.sort(rng.permutation(len(pool))[:conflicts])])
    out = pd.concat(parts)[["image_id", "label", "category"]]
    return out.assign(conflict=out["image_id"].isin(conflict_ids)).reset_index(drop=True)


def save(path: str | os.PathLike, image_ids: np.ndarray, maps: Mapping[str, np.ndarray]
         ) -> None:
    """Write one run's maps atomically: method -> (images, targets, H, W) float32."""
    with atomic_path(path) as tmp, open(tmp, "wb") as handle:
        # numpy's stubs read the **maps as possibly holding the flag allow_pickle
        np.savez(handle, image_ids=np.asarray(image_ids, dtype=np.int64),
                 targets=np.array(TARGETS),
                 **{m: np.asarray(v, np.float32)  # type: ignore[arg-type]
                    for m, v in maps.items()})


def load(path: str | os.PathLike) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """A run's image ids and maps by method."""
    with np.load(path) as archive:
        missing = [k for k in ("image_ids", *METHODS) if k not in archive]
        if missing:
            raise ValueError(f"{path}: lacks arrays {missing}; rebuild it: snakemake --cores 1 "
                             f"--force {path}")
        return archive["image_ids"], {m: archive[m] for m in METHODS}


def map_similarity(a: np.ndarray, b: np.ndarray) -> float:
    """Mean Spearman correlation of two runs' maps of the same images ((images, H, W)),
    over the images where both maps vary (NaN when none does)."""
    values = []
    for p, q in zip(a, b, strict=True):
        if np.ptp(p) > 0 and np.ptp(q) > 0:
            values.append(spearmanr(p.ravel(), q.ravel())[0])
    return float(np.mean(values)) if values else float("nan")


def pair_table(maps: Mapping[str, dict[str, np.ndarray]], kappa: pd.DataFrame
               ) -> pd.DataFrame:
    """Map similarity of every pair of runs per method and target, beside the pair's kappa
    on all images (kappa_pairs.parquet's subset "all")."""
    kappas = kappa[kappa["subset"] == "all"].set_index(["run_a", "run_b"])["kappa"]
    runs = list(maps)
    rows = []
    for i, a in enumerate(runs):
        for b in runs[i + 1:]:
            pair_kappa = kappas.get((a, b), kappas.get((b, a), np.nan))
            for method in METHODS:
                for t, target in enumerate(TARGETS):
                    rows.append((a, b, method, target,
                                 map_similarity(maps[a][method][:, t], maps[b][method][:, t]),
                                 float(pair_kappa)))
    return pd.DataFrame(rows, columns=["run_a", "run_b", "method", "target", "similarity",
                                       "kappa"])


def patch_mask(shape: tuple[int, int], spec: Mapping[str, int]) -> np.ndarray:
    """The planted patch's pixels (ddd.datasets.shortcut.patch) as a bool (H, W) mask."""
    mask = np.zeros(shape, dtype=bool)
    height, width = shape
    size, margin = spec["size"], spec["margin"]
    mask[height - margin - size:height - margin, width - margin - size:width - margin] = True
    return mask


def patch_share(run_maps: dict[str, np.ndarray], rows: np.ndarray, mask: np.ndarray
                ) -> dict[tuple[str, str], float]:
    """Share of absolute attribution mass on the patch, over the images at `rows`, per
    (method, target)."""
    out = {}
    for method in METHODS:
        for t, target in enumerate(TARGETS):
            mass = np.abs(run_maps[method][rows, t])
            total = mass.sum()
            out[method, target] = float(mass[:, mask].sum() / total) if total > 0 else np.nan
    return out
