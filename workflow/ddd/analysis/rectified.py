"""Rectified correctness: a run is right on an image when its prediction is one of the image's
acceptable labels (ddd.analysis.acceptable), not only the one dataset label; images without
an acceptable label are left out. Every rectified analysis runs the original one on the
rectified correctness matrix, and the tables here set the two side by side.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

import numpy as np
import pandas as pd

from ddd import collect
from ddd.analysis import acceptable, difficulty

LEFT_OUT = "left_out"  # the rectified category of an image without acceptable labels
CAUSES = ("label_error", "acceptable_answer", "both", "neither", "no_acceptable_label")


def final_predictions(paths: Mapping[str, str | os.PathLike], study: str | None = None,
                      dataset_sha256: str | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Each run's final-epoch predictions, checked as collect.final_epoch checks them:
    (runs, predictions indexed by image_id with the label and one column per run)."""
    return collect.final_epoch(paths, study, dataset_sha256, column="prediction")


def rectify(runs: pd.DataFrame, predictions: pd.DataFrame, table: pd.DataFrame,
            histogram_runs: list[str]) -> dict[str, pd.DataFrame]:
    """Rectified correctness of every run on the images with acceptable labels.

    Returns runs and correct in correctness.parquet's format (collect.final_epoch), so the
    original analyses read them unchanged; accuracy per run both ways (original on all
    images, original on the kept images, rectified); and per image (every study image):
    its number of acceptable labels, whether the dataset label is one, and how many of
    `histogram_runs` give a wrong answer that is acceptable.
    """
    ids = predictions.index.to_numpy()
    run_ids = runs["run"].tolist()
    answers = predictions[run_ids].to_numpy().T
    original = answers == predictions["label"].to_numpy()
    keep = acceptable.rated(table, ids)
    if not keep.any():
        raise ValueError("no image has an acceptable label: every image would be left out")
    all_right = acceptable.accepted(table, ids, answers)
    right = all_right[:, keep]
    correct = pd.DataFrame({"label": predictions["label"].to_numpy()[keep],
                            **dict(zip(run_ids, right, strict=True))},
                           index=pd.Index(ids[keep], name="image_id"))
    chosen = np.isin(run_ids, histogram_runs)
    wrong_accepted = all_right & ~original
    per_image = pd.DataFrame({
        "image_id": ids, "label": predictions["label"].to_numpy(),
        "acceptable": table.groupby("image_id").size().reindex(ids, fill_value=0).to_numpy(),
        "label_accepted": acceptable.accepted(table, ids, predictions["label"].to_numpy()),
        "errors_accepted": wrong_accepted[chosen].sum(axis=0)})
    accuracy = pd.DataFrame({
        "run": run_ids, "condition": runs["condition"].to_numpy(),
        "images": len(ids), "kept": int(keep.sum()),
        "original": original.mean(axis=1), "original_kept": original[:, keep].mean(axis=1),
        "rectified": right.mean(axis=1)})
    return {"runs": runs.assign(accuracy=right.mean(axis=1)), "correct": correct,
            "accuracy": accuracy, "images": per_image}


def transitions(original: pd.DataFrame, rectified: pd.DataFrame) -> pd.DataFrame:
    """Where each original category's images go under rectified correctness: images per
    (original, rectified) category, left-out images under LEFT_OUT."""
    moved = original.set_index("image_id")["category"].to_frame("original")
    moved["rectified"] = rectified.set_index("image_id")["category"].reindex(moved.index)
    moved["rectified"] = moved["rectified"].fillna(LEFT_OUT)
    counts = moved.groupby(["original", "rectified"]).size()
    full = pd.MultiIndex.from_product([difficulty.CATEGORIES, (*difficulty.CATEGORIES,
                                                                LEFT_OUT)],
                                      names=["original", "rectified"])
    out = counts.reindex(full, fill_value=0).rename("images").reset_index()
    out["share_of_original"] = out["images"] / out.groupby("original")["images"].transform(
        "sum").replace(0, np.nan)
    return out


def comparison(accuracy: pd.DataFrame, shares: Mapping[str, pd.DataFrame],
               vs_base: Mapping[str, pd.DataFrame],
               reference: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """The measures both ways, one row each (columns original, rectified): mean accuracy,
    mean kappa vs base on all and on in-between images, the kappa difficulty alone
    predicts, and the trivial / in-between / impossible shares (observed and binomial) at
    each tolerance. The mappings hold each measure's table under "original" and
    "rectified"."""
    ways = ("original", "rectified")
    rows = [{"measure": "accuracy (mean over runs)", "original": accuracy["original"].mean(),
             "rectified": accuracy["rectified"].mean()},
            {"measure": "images", "original": float(accuracy["images"].iloc[0]),
             "rectified": float(accuracy["kept"].iloc[0])}]
    for subset in ("all", "in_between"):
        rows.append({"measure": f"kappa vs base ({subset.replace('_', '-')} images)", **{
            way: vs_base[way].loc[vs_base[way]["subset"] == subset, "kappa"].mean()
            for way in ways}})
        rows.append({"measure": f"kappa from difficulty alone ({subset.replace('_', '-')} "
                                f"images)", **{
            way: reference[way].set_index("subset")["kappa_difficulty"].get(subset, np.nan)
            for way in ways}})
    for tol in sorted(shares["original"]["tolerance"].unique()):
        label = "exact" if tol == 0 else f"all but {tol}"
        for column, what in (("share", "share"), ("binomial", "binomial share")):
            for category in difficulty.CATEGORIES:
                rows.append({"measure": f"{what} {category.replace('_', '-')} ({label})", **{
                    way: _share(shares[way], tol, category, column) for way in ways}})
    return pd.DataFrame(rows, columns=["measure", *ways])


def _share(shares: pd.DataFrame, tolerance: int, category: str, column: str) -> float:
    row = shares[(shares["tolerance"] == tolerance) & (shares["category"] == category)]
    return float(row[column].iloc[0]) if len(row) else np.nan


def causes(images: pd.DataFrame, flags: np.ndarray | None, answer_accepted: np.ndarray | None,
           left_out: np.ndarray | None) -> pd.DataFrame:
    """Why the impossible and in-between images are what they are, one row per (category,
    cause): a label error (`flags`), an acceptable answer (`answer_accepted`: some run's
    wrong answer is acceptable), both, neither (no known reason), or no acceptable label at
    all (`left_out`: the acceptable set is empty). None: that cause is not known for the
    study (no flags, no acceptable labels). Columns: category, cause, images,
    share_of_category, share_of_all, and which causes were known."""
    n = len(images)
    flag = np.zeros(n, bool) if flags is None else np.asarray(flags, bool)
    answer = np.zeros(n, bool) if answer_accepted is None else np.asarray(answer_accepted, bool)
    empty = np.zeros(n, bool) if left_out is None else np.asarray(left_out, bool)
    cause = np.select([empty, flag & answer, flag, answer],
                      ["no_acceptable_label", "both", "label_error", "acceptable_answer"],
                      "neither")
    rows = []
    for category in ("impossible", "in_between"):
        in_category = images["category"].to_numpy() == category
        for name in CAUSES:
            count = int(np.sum(in_category & (cause == name)))
            rows.append({"category": category, "cause": name, "images": count,
                         "share_of_category": count / in_category.sum()
                         if in_category.any() else np.nan,
                         "share_of_all": count / n})
    return pd.DataFrame(rows).assign(label_errors_known=flags is not None,
                                     acceptable_known=answer_accepted is not None)


def summary_lines(study: str, table: pd.DataFrame, comparison: pd.DataFrame,
                  moved: pd.DataFrame, accuracy: pd.DataFrame) -> str:
    """The rectified summary: the acceptable labels, then each measure original -> rectified,
    and where the impossible images go."""
    sizes = table.groupby("image_id").size()
    images, kept = int(accuracy["images"].iloc[0]), int(accuracy["kept"].iloc[0])
    value = comparison.set_index("measure")
    lines = [f"study {study}, rectified (a prediction among the image's acceptable labels "
             f"is right):",
             f"  acceptable labels: {kept} of {images} images kept ({images - kept} without "
             f"an acceptable label left out), {int((sizes > 1).sum())} accept more than one",
             f"  accuracy: mean {accuracy['original'].mean():.1%} -> "
             f"{accuracy['rectified'].mean():.1%} (on the kept images "
             f"{accuracy['original_kept'].mean():.1%} -> {accuracy['rectified'].mean():.1%}); "
             f"range {accuracy['rectified'].min():.1%} .. {accuracy['rectified'].max():.1%}"]
    for measure in value.index:
        if measure.startswith(("kappa", "share")):
            row = value.loc[measure]
            lines.append(f"  {measure}: {row['original']:.3f} -> {row['rectified']:.3f}")
    impossible = moved[moved["original"] == "impossible"]
    total = impossible["images"].sum()
    if total:
        lines.append("  the originally impossible images (" + str(total) + "): " + ", ".join(
            f"{images} {rectified.replace('_', '-')}"
            for images, rectified in impossible[["images", "rectified"]].itertuples(index=False)
            if images))
    return "\n".join(lines) + "\n"
