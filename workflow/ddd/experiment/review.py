"""The error-review page: for the impossible images first, then the in-between ones, a
reviewer sees the image, its dataset label and the runs' most common wrong answers, and
marks each candidate answer as acceptable or not. Built like the experiment page (one
self-contained HTML file, stimuli beside it, one downloaded CSV per reviewer); the answer
files score into the acceptable-labels table format (ddd.analysis.acceptable) with
ddd.experiment.review_scoring.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ddd.experiment import stimuli
from ddd.experiment.page import ASSETS, STIMULI, fill, script_json

REVIEW_COLUMNS = ["reviewer", "item", "image_id", "candidate", "acceptable"]
ORDER = ("impossible", "in_between")  # reviewed first to last
ANSWERS = 3  # most common wrong answers shown per image


def select(images: pd.DataFrame, predictions: pd.DataFrame, runs: list[str], count: int
           ) -> pd.DataFrame:
    """Up to `count` images to review: impossible ones first, then in-between ones (fewest
    runs right first, then by image id), each with its candidates: the dataset label and
    up to ANSWERS most common wrong answers of `runs` with how many runs gave each.

    Columns: item (1-based), image_id, label, category, n_correct, candidates (a list of
    (class, runs) pairs; runs None for the dataset label).
    """
    chosen = images[images["category"].isin(ORDER)].assign(
        rank=lambda t: t["category"].map({c: k for k, c in enumerate(ORDER)}))
    chosen = chosen.sort_values(["rank", "n_correct", "image_id"]).head(count)
    answers = predictions.loc[chosen["image_id"].to_numpy(), list(runs)].to_numpy()
    rows = []
    fields = chosen[["image_id", "label", "category", "n_correct"]].itertuples(index=False)
    for k, ((image_id, label, category, n_correct), given) in enumerate(
            zip(fields, answers, strict=True), 1):
        wrong = given[given != label]
        classes, counts = np.unique(wrong, return_counts=True)
        order = np.lexsort((classes, -counts))[:ANSWERS]
        rows.append({"item": k, "image_id": int(image_id), "label": int(label),
                     "category": category, "n_correct": int(n_correct),
                     "candidates": [(int(label), None)]
                     + [(int(classes[i]), int(counts[i])) for i in order]})
    return pd.DataFrame(rows, columns=["item", "image_id", "label", "category", "n_correct",
                                       "candidates"])


def manifest(items: pd.DataFrame, study: str, class_names: list[str], runs: int,
             display_size: int) -> dict:
    """The review's description: settings and per item the image, its stimulus file and
    its candidates (class, name, runs that gave it; the dataset label's runs is null)."""
    return {
        "study": study, "display_size": int(display_size), "runs": int(runs),
        "csv_columns": REVIEW_COLUMNS,
        "items": [{"item": int(item), "image_id": int(image_id),
                   "label": int(label), "category": category,
                   "file": f"{STIMULI}/{stimuli.file_name(image_id)}",
                   "candidates": [{"class": c, "name": _name(class_names, c), "runs": n}
                                  for c, n in candidates]}
                  for item, image_id, label, category, candidates
                  in items[["item", "image_id", "label", "category", "candidates"]]
                  .itertuples(index=False)],
    }


def _name(class_names: list[str], index: int) -> str:
    return class_names[index] if index < len(class_names) else f"class {index}"


def render(manifest: dict) -> str:
    """index.html of the review: the items embedded as JSON, style and script inline."""
    return fill("review.html", {
        "@@STYLE@@": (ASSETS / "experiment.css").read_text()
        + (ASSETS / "review.css").read_text(),
        "@@SCRIPT@@": (ASSETS / "review.js").read_text(), "@@DATA@@": script_json(manifest),
        "@@ITEMS@@": str(len(manifest["items"])), "@@RUNS@@": str(manifest["runs"]),
        "@@SIZE@@": str(manifest["display_size"])})
