"""Data maps: each image's confidence over the epochs of a run, against its many-run category.

Dataset Cartography (Swayamdipta et al. 2020) places every example by the model's
probability of its true class over the epochs: confidence is the mean of p_true,
variability its standard deviation (population, ddof 0) and correctness the fraction of
epochs right. The area under the margin (Pleiss et al. 2020) is the mean of the logit
margin (ddd.decisions.CONFIDENCE). Here the examples are the evaluation images, and the
epochs are a run's evaluations after training epochs 1..E: epoch 0, the untrained model,
is left out (a pretrained model's single evaluation is its map). A study's pooled map
takes every evaluation of the histogram runs together.

Regions partition the map under two thresholds (`Thresholds`): ambiguous where
variability >= `variability`, else easy-to-learn where confidence >= `confidence`, else
hard-to-learn. (The paper names its regions by the top and bottom thirds of the map; fixed
thresholds give regions that mean the same in every run and study.)
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import rankdata

from ddd import decisions
from ddd.analysis.difficulty import CATEGORIES

REGIONS = ("easy_to_learn", "ambiguous", "hard_to_learn")
POOLED = "pooled"  # the run name of a study's pooled map
MAP_COLUMNS = ["run", "image_id", "label", "evaluations", "confidence", "variability",
               "correctness", "aum", "region"]
SCORES = ("confidence", "correctness", "aum")  # per-image scores whose ROC AUC is reported


@dataclass(frozen=True)
class Thresholds:
    """Region thresholds: ambiguous at variability >= `variability`, else easy-to-learn at
    confidence >= `confidence`, else hard-to-learn."""

    confidence: float = 0.5
    variability: float = 0.2


@dataclass
class Moments:
    """Per-image sums over evaluations, so runs pool without holding every epoch."""

    image_ids: np.ndarray
    labels: np.ndarray
    count: np.ndarray  # evaluations with a finite p_true and margin
    p_sum: np.ndarray
    p_squares: np.ndarray
    right: np.ndarray
    margin_sum: np.ndarray

    def __add__(self, other: Moments) -> Moments:
        if not (np.array_equal(self.image_ids, other.image_ids)
                and np.array_equal(self.labels, other.labels)):
            raise ValueError("the runs do not hold the same images with the same labels")
        return Moments(self.image_ids, self.labels, self.count + other.count,
                       self.p_sum + other.p_sum, self.p_squares + other.p_squares,
                       self.right + other.right, self.margin_sum + other.margin_sum)


def training_epochs(frame: pd.DataFrame) -> pd.DataFrame:
    """The rows of a run's evaluations after training epochs (all rows of a run with a
    single evaluation)."""
    trained = frame[frame["epoch"] > 0]
    return trained if len(trained) else frame


def moments(frame: pd.DataFrame, source: str = "the decision table") -> Moments:
    """Per-image sums of one run's decision table (as ddd.decisions.read returns it) over
    its training epochs; an error naming `source` if it lacks p_true and margin."""
    if not decisions.has_confidence(frame):
        raise ValueError(f"{source} has no p_true and margin columns, which data maps "
                         f"need: set train.confidence: true in the workflow's config (its "
                         f"runs are then trained again), or write the table with them "
                         f"(ddd.decisions.from_predictions)")
    rows = training_epochs(frame)
    epochs = rows["epoch"].nunique()
    shape = (epochs, len(rows) // epochs)
    p_true = rows["p_true"].to_numpy(np.float64).reshape(shape)
    margin = rows["margin"].to_numpy(np.float64).reshape(shape)
    finite = np.isfinite(p_true) & np.isfinite(margin)
    first = rows.iloc[:shape[1]]
    return Moments(first["image_id"].to_numpy(), first["label"].to_numpy(),
                   finite.sum(axis=0), np.where(finite, p_true, 0).sum(axis=0),
                   np.where(finite, p_true**2, 0).sum(axis=0),
                   (rows["correct"].to_numpy().reshape(shape) & finite).sum(axis=0),
                   np.where(finite, margin, 0).sum(axis=0))


def regions(confidence: np.ndarray, variability: np.ndarray, thresholds: Thresholds
            ) -> np.ndarray:
    """Region name of each image (REGIONS); images without evaluations get None."""
    out = np.where(variability >= thresholds.variability, REGIONS[1],
                   np.where(confidence >= thresholds.confidence, REGIONS[0], REGIONS[2]))
    return np.where(np.isnan(confidence), np.array(None), out).astype(object)


def image_map(run: str, sums: Moments, thresholds: Thresholds) -> pd.DataFrame:
    """One map (MAP_COLUMNS): confidence, variability, correctness and AUM per image;
    NaN where an image has no finite evaluation."""
    with np.errstate(invalid="ignore", divide="ignore"):
        n = np.where(sums.count > 0, sums.count, np.nan)
        confidence = sums.p_sum / n
        variability = np.sqrt(np.clip(sums.p_squares / n - confidence**2, 0, None))
        correctness = sums.right / n
        aum = sums.margin_sum / n
    return pd.DataFrame({
        "run": run, "image_id": sums.image_ids, "label": sums.labels,
        "evaluations": sums.count, "confidence": confidence, "variability": variability,
        "correctness": correctness, "aum": aum,
        "region": regions(confidence, variability, thresholds),
    }, columns=MAP_COLUMNS)


def study_maps(runs: Iterable[tuple[str, Moments]], pooled: Iterable[str],
               thresholds: Thresholds) -> pd.DataFrame:
    """Every run's map and the map of the `pooled` runs' evaluations together (run
    POOLED), one long table."""
    pooled = set(pooled)
    maps, total = [], None
    for run, sums in runs:
        maps.append(image_map(run, sums, thresholds))
        if run in pooled:
            total = sums if total is None else total + sums
    if total is None:
        raise ValueError(f"none of the runs to pool {sorted(pooled)} has a map")
    return pd.concat([*maps, image_map(POOLED, total, thresholds)], ignore_index=True)


def with_categories(maps: pd.DataFrame, images: pd.DataFrame) -> pd.DataFrame:
    """The maps with each image's many-run category (images.parquet's column)."""
    category = images.set_index("image_id")["category"]
    missing = ~maps["image_id"].isin(category.index)
    if missing.any():
        raise ValueError(f"{int(missing.sum())} map rows name images the image table lacks "
                         f"(e.g. image {maps.loc[missing, 'image_id'].iloc[0]})")
    return maps.assign(category=maps["image_id"].map(category).to_numpy())


def with_flags(maps: pd.DataFrame, image_ids: np.ndarray, flagged: np.ndarray
               ) -> pd.DataFrame:
    """The maps with each image's flag (e.g. a label error; `flagged` aligned with
    `image_ids`)."""
    by_image = pd.Series(np.asarray(flagged, dtype=bool), index=image_ids)
    return maps.assign(flagged=maps["image_id"].map(by_image).fillna(False).astype(bool))


def region_table(maps: pd.DataFrame) -> pd.DataFrame:
    """Images per (map, region, category), with the share of the category's images (and
    how many are flagged, where the maps have flags)."""
    keys = ["run", "region", "category"]
    grouped = maps.dropna(subset=["region"]).groupby(keys, sort=False)
    counts = grouped.size().rename("images").to_frame()
    if "flagged" in maps:
        counts["flagged"] = grouped["flagged"].sum()
    full = pd.MultiIndex.from_product([maps["run"].unique(), REGIONS, CATEGORIES], names=keys)
    table = counts.reindex(full, fill_value=0).reset_index()
    per_category = table.groupby(["run", "category"])["images"].transform("sum")
    table.insert(4, "share_of_category", table["images"] / per_category.where(per_category > 0))
    return table


def roc_auc(score: np.ndarray, positive: np.ndarray) -> float:
    """Area under the ROC curve of `score` for the `positive` images: the chance that a
    random positive scores higher than a random negative, ties counting half (NaN without
    both classes, or with non-finite scores)."""
    positive = np.asarray(positive, dtype=bool)
    n_pos, n_neg = int(positive.sum()), int((~positive).sum())
    if n_pos == 0 or n_neg == 0 or not np.all(np.isfinite(score)):
        return float("nan")
    ranks = rankdata(score)
    return float((ranks[positive].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def auc_table(maps: pd.DataFrame, histogram_runs: Iterable[str]) -> pd.DataFrame:
    """Per map: how well each score (SCORES) separates impossible images from the rest
    (low score: impossible) and trivial images from the rest (high score: trivial).
    `in_histogram`: the run is one of those that define the categories."""
    histogram_runs = set(histogram_runs)
    rows = []
    for run, one in maps.groupby("run", sort=False):
        for score in SCORES:
            values = one[score].to_numpy()
            for category, sign in (("impossible", -1), ("trivial", 1)):
                positive = (one["category"] == category).to_numpy()
                rows.append({"run": run, "category": category, "score": score,
                             "auc": roc_auc(sign * values, positive),
                             "images": len(one), "positives": int(positive.sum()),
                             "in_histogram": run in histogram_runs or run == POOLED})
    return pd.DataFrame(rows)


def read_maps(paths: Mapping[str, str | os.PathLike], pooled: Iterable[str],
              thresholds: Thresholds) -> pd.DataFrame:
    """study_maps of decision table files by run name, read one at a time."""
    return study_maps(((run, moments(decisions.read(path), str(path)))
                       for run, path in paths.items()), pooled, thresholds)
