"""Scoring the subjects' answer files: accuracy per subject, its mean and spread, and error
consistency (kappa) between subjects, as in paper section 3.3."""

from __future__ import annotations

import math
import os
from collections.abc import Iterable

import numpy as np
import pandas as pd
from scipy.stats import binomtest

from ddd.analysis import consistency
from ddd.experiment.answers import integer, read_files, read_rows
from ddd.experiment.page import CSV_COLUMNS


def _row(fields: dict[str, str], pairs: dict[frozenset, tuple[int, int]]) -> dict:
    """One validated answer: the CSV fields plus the pair and the chosen image."""
    subject = fields["subject"].strip()
    if not subject:
        raise ValueError("subject is empty")
    left, right = (integer(fields[c], c, 0) for c in ("left_image", "right_image"))
    pair = pairs.get(frozenset((left, right)))
    if pair is None:
        raise ValueError(f"images {left} and {right} are not a pair of the experiment")
    choice = fields["choice"].strip()
    if choice not in ("left", "right"):
        raise ValueError(f"choice {choice!r} is neither 'left' nor 'right'")
    correct = fields["correct"].strip()
    if correct not in ("0", "1"):
        raise ValueError(f"correct {correct!r} is neither 0 nor 1")
    chosen = left if choice == "left" else right
    if (chosen == pair[1]) != (correct == "1"):
        raise ValueError(f"correct is {correct} but the chosen image {chosen} is the "
                         f"{'impossible' if chosen == pair[1] else 'trivial'} one")
    try:
        rt = float(fields["rt_ms"])
    except ValueError:
        raise ValueError(f"rt_ms {fields['rt_ms']!r} is not a number") from None
    if not math.isfinite(rt) or rt < 0:
        raise ValueError(f"rt_ms {rt} is not a non-negative number")
    return {"subject": subject, "trial": integer(fields["trial"], "trial", 1), "pair": pair[0],
            "left_image": left, "right_image": right, "choice": choice,
            "correct": correct == "1", "rt_ms": rt}


def read_responses(path: str | os.PathLike, pairs: pd.DataFrame) -> tuple[pd.DataFrame,
                                                                          list[str]]:
    """One subject's answer file, checked against the experiment's pairs (columns pair,
    trivial_id, impossible_id).

    Returns the answers (CSV_COLUMNS plus pair, sorted by trial) and a list of problems,
    each "file:line: what is wrong": rows with a wrong number of fields or bad values,
    images that are not a pair, `correct` that disagrees with the choice, another subject
    id than the first row's, a trial or pair answered twice, pairs never answered.
    """
    lookup = {frozenset((int(t), int(i))): (int(p), int(i))
              for p, t, i in pairs[["pair", "trivial_id", "impossible_id"]].itertuples(
                  index=False)}
    rows, problems, seen = read_rows(
        path, CSV_COLUMNS, lambda fields: _row(fields, lookup), "subject",
        lambda row: [(f"{key} {row[key]}", (key, row[key])) for key in ("trial", "pair")])
    answered = {key[1] for key in seen if isinstance(key, tuple) and key[0] == "pair"}
    missed = sorted(set(pairs["pair"]) - answered)
    if rows and missed and not problems:
        problems.append(f"{path}: answers {len(answered)} of {len(pairs)} pairs; "
                        f"missing pairs {missed[:10]}{' ...' if len(missed) > 10 else ''}; "
                        f"an unfinished session cannot be scored")
    table = pd.DataFrame(rows)
    return (table.sort_values("trial", ignore_index=True) if rows else table), problems


def read_all(paths: Iterable[str | os.PathLike], pairs: pd.DataFrame) -> pd.DataFrame:
    """Every subject's answers with a `file` column; raises ResponseError listing every
    malformed row (file and line) and every subject id used by more than one file."""
    return read_files(paths, lambda path: read_responses(path, pairs), "subject",
                      "answer files")


def correctness(responses: pd.DataFrame) -> pd.DataFrame:
    """subjects x pairs: whether the subject picked the impossible image."""
    return responses.pivot(index="subject", columns="pair", values="correct").astype(bool)


def subject_scores(responses: pd.DataFrame) -> pd.DataFrame:
    """Per subject: file, trials, correct, accuracy, median reaction time and the
    two-sided binomial p-value of the correct count against guessing (50%)."""
    scores = responses.groupby("subject", sort=True).agg(
        file=("file", "first"), trials=("correct", "size"), correct=("correct", "sum"),
        median_rt_ms=("rt_ms", "median"))
    scores["accuracy"] = scores["correct"] / scores["trials"]
    scores["p_value"] = [binomtest(int(k), int(n), 0.5).pvalue
                         for k, n in zip(scores["correct"], scores["trials"], strict=True)]
    return scores.reset_index()[["subject", "file", "trials", "correct", "accuracy",
                                 "median_rt_ms", "p_value"]]


def pair_kappa(table: pd.DataFrame, who: str) -> pd.DataFrame:
    """Kappa of every two rows of a boolean table (people x decisions; ddd.analysis.
    consistency): {who}_a, {who}_b, c_obs, c_exp, kappa (NaN where undefined)."""
    result = consistency.kappa_matrix(table.to_numpy())
    a, b = np.triu_indices(len(table), k=1)
    names = table.index.to_numpy()
    return pd.DataFrame({f"{who}_a": names[a], f"{who}_b": names[b],
                         "c_obs": result.c_obs[a, b], "c_exp": result.c_exp[a, b],
                         "kappa": result.kappa[a, b]})


def subject_kappa(responses: pd.DataFrame) -> pd.DataFrame:
    """Error consistency of every two subjects over the pairs: subject_a, subject_b,
    c_obs, c_exp, kappa (NaN where both are all right or all wrong)."""
    return pair_kappa(correctness(responses), "subject")


def _spread(values: pd.Series) -> dict[str, float]:
    """Mean, sample standard deviation (ddof 1), min and max; NaN where undefined."""
    values = values.dropna()
    return {"mean": float(values.mean()) if len(values) else math.nan,
            "sd": float(values.std(ddof=1)) if len(values) > 1 else math.nan,
            "min": float(values.min()) if len(values) else math.nan,
            "max": float(values.max()) if len(values) else math.nan}


def summary(scores: pd.DataFrame, kappa: pd.DataFrame) -> dict:
    """Accuracy over subjects and kappa over pairs of subjects: mean, sd, min, max."""
    return {"subjects": len(scores), "pairs": int(scores["trials"].max()),
            "accuracy": _spread(scores["accuracy"]),
            "subject_pairs": len(kappa), "kappa": _spread(kappa["kappa"]),
            "undefined_kappa": int(kappa["kappa"].isna().sum())}


def summary_text(study: str, stats: dict) -> str:
    """The summary in words, as paper section 3.3 reports it."""
    acc, kap = stats["accuracy"], stats["kappa"]
    lines = [f"experiment {study}: {stats['subjects']} subjects, {stats['pairs']} pairs of "
             f"one trivial and one impossible image (chance 50%)",
             f"  accuracy: mean {acc['mean']:.2%}, sd "
             f"{'n/a' if math.isnan(acc['sd']) else format(acc['sd'], '.2%')}, range "
             f"{acc['min']:.2%} .. {acc['max']:.2%}"]
    if stats["subject_pairs"]:
        lines.append(f"  kappa between subjects ({stats['subject_pairs']} pairs of subjects): "
                     f"mean {kap['mean']:.3f}, sd {kap['sd']:.3f}, range {kap['min']:.3f} .. "
                     f"{kap['max']:.3f}")
        if stats["undefined_kappa"]:
            lines.append(f"    ({stats['undefined_kappa']} pairs of subjects both all right or "
                         f"all wrong: kappa undefined, left out)")
    else:
        lines.append("  kappa between subjects: needs at least two subjects")
    return "\n".join(lines) + "\n"
