"""Scoring the error-review page's answer files: every row checked against the review's
manifest (as the experiment's answer files are), the reviewers' decisions turned into the
acceptable-labels table format by a rule (majority or any reviewer), and the agreement
between reviewers (pairwise Cohen's kappa and Fleiss' kappa)."""

from __future__ import annotations

import os
from collections.abc import Iterable

import numpy as np
import pandas as pd

from ddd.experiment.answers import integer, read_files, read_rows
from ddd.experiment.review import REVIEW_COLUMNS
from ddd.experiment.scoring import pair_kappa

RULES = ("majority", "any")


def _row(fields: dict[str, str], items: dict[int, dict]) -> dict:
    reviewer = fields["reviewer"].strip()
    if not reviewer:
        raise ValueError("reviewer is empty")
    item = integer(fields["item"], "item")
    if item not in items:
        raise ValueError(f"item {item} is not an item of the review")
    image = integer(fields["image_id"], "image_id")
    if image != items[item]["image_id"]:
        raise ValueError(f"image_id {image} is not item {item}'s image "
                         f"{items[item]['image_id']}")
    candidate = integer(fields["candidate"], "candidate")
    shown = [c["class"] for c in items[item]["candidates"]]
    if candidate not in shown:
        raise ValueError(f"candidate {candidate} is not shown with item {item} (shown: "
                         f"{shown}); score the files of this study's review page")
    accepted = fields["acceptable"].strip()
    if accepted not in ("0", "1"):
        raise ValueError(f"acceptable {accepted!r} is neither 0 nor 1")
    return {"reviewer": reviewer, "item": item, "image_id": image, "candidate": candidate,
            "acceptable": accepted == "1"}


def read_review(path: str | os.PathLike, manifest: dict) -> tuple[pd.DataFrame, list[str]]:
    """One reviewer's answer file, checked against the review's manifest. Returns the
    answers and a list of problems, each "file:line: what is wrong" (bad values, another
    reviewer than the first row's, a candidate answered twice, candidates never answered).
    """
    items = {item["item"]: item for item in manifest["items"]}
    rows, problems, seen = read_rows(
        path, REVIEW_COLUMNS, lambda fields: _row(fields, items), "reviewer",
        lambda row: [(f"item {row['item']} candidate {row['candidate']}",
                      (row["item"], row["candidate"]))])
    expected = {(i, c["class"]) for i, item in items.items() for c in item["candidates"]}
    missed = sorted(expected - seen.keys())
    if rows and missed and not problems:
        problems.append(f"{path}: answers {len(seen)} of {len(expected)} candidates; missing "
                        f"(item, candidate) {missed[:5]}{' ...' if len(missed) > 5 else ''}; "
                        f"an unfinished review cannot be scored")
    return pd.DataFrame(rows, columns=REVIEW_COLUMNS), problems


def read_all(paths: Iterable[str | os.PathLike], manifest: dict) -> pd.DataFrame:
    """Every reviewer's answers with a `file` column; raises ResponseError listing every
    malformed row (file and line) and every reviewer id used by more than one file."""
    return read_files(paths, lambda path: read_review(path, manifest), "reviewer",
                      "review files")


def acceptable_table(reviews: pd.DataFrame, rule: str) -> pd.DataFrame:
    """The reviewed images' acceptable labels in the table format (image_id, label): a
    candidate is acceptable when more than half of the reviewers (majority) or at least
    one (any) accept it; an image with none gets one row with an empty label (left out)."""
    if rule not in RULES:
        raise ValueError(f"review.rule {rule!r} is not one of {', '.join(RULES)}")
    votes = reviews.groupby(["image_id", "candidate"])["acceptable"].agg(["sum", "size"])
    reviewers = reviews["reviewer"].nunique()
    accepted = votes["sum"] > reviewers / 2 if rule == "majority" else votes["sum"] > 0
    rows = [{"image_id": image, "label": label}
            for (image, label), ok in zip(accepted.index, accepted, strict=True) if ok]
    empty = sorted(set(reviews["image_id"]) - {row["image_id"] for row in rows})
    rows += [{"image_id": image, "label": None} for image in empty]
    table = pd.DataFrame(rows, columns=["image_id", "label"]).astype({"label": "Int64"})
    return table.sort_values(["image_id", "label"], ignore_index=True)


def decisions(reviews: pd.DataFrame) -> pd.DataFrame:
    """reviewers x (item, candidate): whether the reviewer accepted the candidate."""
    return reviews.pivot(index="reviewer", columns=["item", "candidate"],
                         values="acceptable").astype(bool)


def pairwise_kappa(reviews: pd.DataFrame) -> pd.DataFrame:
    """Cohen's kappa of every two reviewers over all (item, candidate) decisions:
    reviewer_a, reviewer_b, agreement (c_obs), c_exp, kappa (NaN where undefined)."""
    return pair_kappa(decisions(reviews), "reviewer").rename(columns={"c_obs": "agreement"})


def fleiss_kappa(reviews: pd.DataFrame) -> float:
    """Fleiss' kappa of all reviewers over the (item, candidate) decisions (two
    categories: acceptable or not); NaN with fewer than two reviewers or no variation."""
    table = decisions(reviews).to_numpy()
    raters = len(table)
    if raters < 2:
        return float("nan")
    yes = table.sum(axis=0)
    counts = np.stack([yes, raters - yes], axis=1)  # decisions x categories
    p_i = ((counts ** 2).sum(axis=1) - raters) / (raters * (raters - 1))
    p_j = counts.sum(axis=0) / counts.sum()
    p_e = float((p_j ** 2).sum())
    return float("nan") if p_e == 1 else float((p_i.mean() - p_e) / (1 - p_e))


def verdicts(table: pd.DataFrame, manifest: dict) -> dict[str, int]:
    """How many reviewed images accept the dataset label only, a network's answer only,
    both, or neither (under the scoring rule's table)."""
    accepted = table.dropna().groupby("image_id")["label"].apply(set)
    counts = dict.fromkeys(("given label", "a prediction", "both", "neither"), 0)
    for item in manifest["items"]:
        labels = accepted.get(item["image_id"], set())
        label = item["label"] in labels
        answer = bool(labels - {item["label"]})
        counts[{(True, False): "given label", (False, True): "a prediction",
                (True, True): "both", (False, False): "neither"}[(label, answer)]] += 1
    return counts


def summary_text(study: str, reviews: pd.DataFrame, table: pd.DataFrame, rule: str,
                 manifest: dict, pairs: pd.DataFrame) -> str:
    """The review in words: reviewers, images, what the rule accepted, the agreement."""
    counts = verdicts(table, manifest)
    lines = [f"error review {study}: {reviews['reviewer'].nunique()} reviewers, "
             f"{len(manifest['items'])} images, rule {rule}",
             "  acceptable: " + ", ".join(f"{name} {n}" for name, n in counts.items()),
             f"  agreement: Fleiss' kappa {fleiss_kappa(reviews):.3f}"
             + (f", pairwise kappa mean {pairs['kappa'].mean():.3f}" if len(pairs) else "")]
    return "\n".join(lines) + "\n"
