"""Statistics of class-confusion experiments (ddd.confusion.design): how confusing A with B
changes what a network does on every other class T.

Per run and class the score is the test accuracy of the class and the information the
run's decisions carry about it, I_T = I(1[y = T]; 1[ŷ = T]) in bits: the mutual
information between "the image is T" and "the network says T" over the run's test images
(the KL divergence between their joint distribution and the product of its marginals).
It is 0 when saying T is independent of being T and H(share of T) for a perfect T-detector.

Per confused pair and class T, confused runs are compared with the controls by Welch's
t-test (scipy.stats.ttest_ind, equal_var=False) on the accuracies; the effect in standard
deviations is (mean confused - mean control) / (sample std of the controls, ddof 1).
The p-values of all (pair, T) tests with T outside the pair form one family, corrected by
Benjamini-Hochberg (false discovery rate) or Holm (family-wise error rate).
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from ddd import decisions
from ddd.confusion.design import CONTROL

CORRECTIONS = ("benjamini_hochberg", "holm")


def one_vs_rest_bits(labels: np.ndarray, predictions: np.ndarray, cls: int) -> float:
    """I(1[label = cls]; 1[prediction = cls]) in bits over the given images."""
    truth = np.asarray(labels) == cls
    said = np.asarray(predictions) == cls
    joint = np.array([[np.mean(~truth & ~said), np.mean(~truth & said)],
                      [np.mean(truth & ~said), np.mean(truth & said)]])
    outer = joint.sum(1, keepdims=True) * joint.sum(0, keepdims=True)
    nonzero = joint > 0
    return float(np.sum(joint[nonzero] * np.log2(joint[nonzero] / outer[nonzero])))


def class_scores(labels: np.ndarray, predictions: np.ndarray,
                 classes: list[int] | tuple[int, ...]) -> pd.DataFrame:
    """Per class: test images, accuracy and one-vs-rest information (bits)."""
    labels, predictions = np.asarray(labels), np.asarray(predictions)
    rows = []
    for cls in classes:
        mine = labels == cls
        if not mine.any():
            raise ValueError(f"class {cls} has no test images")
        rows.append({"class": int(cls), "images": int(mine.sum()),
                     "accuracy": float(np.mean(predictions[mine] == cls)),
                     "bits": one_vs_rest_bits(labels, predictions, cls)})
    return pd.DataFrame(rows)


def run_scores(tables: Sequence[str | os.PathLike]) -> pd.DataFrame:
    """Class scores of the final epoch of every confusion run's decision table: pair, a, b
    (-1 for controls), repeat, class, images, accuracy, bits."""
    frames = []
    for path in tables:
        meta = decisions.read_metadata(path)
        final = decisions.read(path, epoch=-1)
        scores = class_scores(final["label"].to_numpy(), final["prediction"].to_numpy(),
                              meta["classes"])
        frames.append(scores.assign(pair=meta["pair"],
                                    a=-1 if meta["a"] is None else meta["a"],
                                    b=-1 if meta["b"] is None else meta["b"],
                                    repeat=meta["repeat"]))
    scores = pd.concat(frames, ignore_index=True)
    return scores[["pair", "a", "b", "repeat", "class", "images", "accuracy", "bits"]]


def adjust(p_values: np.ndarray, method: str) -> np.ndarray:
    """Multiple-comparison adjusted p-values; NaNs stay NaN and are not counted.

    benjamini_hochberg: scipy.stats.false_discovery_control. holm: step-down,
    p_(i) * (m - i + 1) for the i-th smallest, made monotone, capped at 1.
    """
    p_values = np.asarray(p_values, dtype=float)
    out = np.full(p_values.shape, np.nan)
    valid = ~np.isnan(p_values)
    p = p_values[valid]
    if p.size == 0:
        return out
    if method == "benjamini_hochberg":
        out[valid] = stats.false_discovery_control(p, method="bh")
    elif method == "holm":
        order = np.argsort(p)
        scaled = np.maximum.accumulate(p[order] * (p.size - np.arange(p.size)))
        adjusted = np.empty_like(p)
        adjusted[order] = np.minimum(scaled, 1.0)
        out[valid] = adjusted
    else:
        raise ValueError(f"unknown correction {method!r}; valid: {', '.join(CORRECTIONS)}")
    return out


def welch(confused: np.ndarray, control: np.ndarray) -> tuple[float, float]:
    """Welch's t statistic and two-sided p-value; NaN when a group has fewer than two
    values or both have no variance."""
    confused, control = np.asarray(confused, float), np.asarray(control, float)
    if len(confused) < 2 or len(control) < 2:
        return np.nan, np.nan
    if np.var(confused) == 0 and np.var(control) == 0:
        return np.nan, np.nan
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        result = stats.ttest_ind(confused, control, equal_var=False)
    return float(result.statistic), float(result.pvalue)


def std_devs(confused: np.ndarray, control: np.ndarray) -> float:
    """(mean confused - mean control) in units of the controls' sample std (ddof 1)."""
    diff = np.mean(confused) - np.mean(control)
    spread = np.std(control, ddof=1) if len(control) > 1 else np.nan
    if spread == 0:
        return 0.0 if diff == 0 else float(np.sign(diff) * np.inf)
    return float(diff / spread)


def effects(scores: pd.DataFrame, alpha: float = 0.05,
            correction: str = "benjamini_hochberg") -> pd.DataFrame:
    """Per confused pair and class: confused vs control accuracy and information.

    `scores` has one row per (pair, repeat, class) with columns pair, a, b, repeat, class,
    accuracy, bits; pair "control" holds the control runs. Output, one row per (pair,
    class): pair, a, b, target, role ("A", "B" or "other"), n_confused, n_control, accuracy
    means and control std, difference, std_devs, t, p_value, p_adjusted (the family of
    "other" targets; NaN for A and B), significant (p_adjusted < alpha), bits means and
    bits_difference (confused - control).
    """
    missing = {"pair", "a", "b", "repeat", "class", "accuracy", "bits"} - set(scores.columns)
    if missing:
        raise ValueError(f"scores lack columns {sorted(missing)}")
    control = scores[scores["pair"] == CONTROL].set_index("class")
    if control.empty:
        raise ValueError("no control runs: the confusion effects need runs on clean labels")
    rows = []
    confused_runs = scores[scores["pair"] != CONTROL]
    for (pair, a, b), runs in confused_runs.groupby(["pair", "a", "b"], sort=False):
        for target, group in runs.groupby("class", sort=True):
            base = control.loc[[target]]
            acc, acc0 = group["accuracy"].to_numpy(), base["accuracy"].to_numpy()
            t, p = welch(acc, acc0)
            # pandas-stubs type groupby keys as any scalar; these columns hold class indices
            rows.append({
                "pair": pair, "a": int(a), "b": int(b),  # type: ignore[call-overload]
                "target": int(target),  # type: ignore[arg-type]
                "role": "A" if target == a else "B" if target == b else "other",
                "n_confused": len(acc), "n_control": len(acc0),
                "accuracy_confused": acc.mean(), "accuracy_control": acc0.mean(),
                "std_control": np.std(acc0, ddof=1) if len(acc0) > 1 else np.nan,
                "difference": acc.mean() - acc0.mean(), "std_devs": std_devs(acc, acc0),
                "t": t, "p_value": p,
                "bits_confused": group["bits"].mean(), "bits_control": base["bits"].mean(),
            })
    if not rows:
        raise ValueError("no confused runs: configure at least one confusion pair")
    out = pd.DataFrame(rows)
    out["bits_difference"] = out["bits_confused"] - out["bits_control"]
    other = (out["role"] == "other").to_numpy()
    adjusted = np.full(len(out), np.nan)
    adjusted[other] = adjust(out.loc[other, "p_value"].to_numpy(), correction)
    p_value = out.columns.get_loc("p_value")
    assert isinstance(p_value, int), "column names are unique"
    out.insert(p_value + 1, "p_adjusted", adjusted)
    out.insert(p_value + 2, "significant", adjusted < alpha)
    return out


def source_table(effects_table: pd.DataFrame, names: dict[int, str],
                 both_ways: bool = False) -> pd.DataFrame:
    """The source's table for the targets outside each pair: target, confused ("A -> B",
    or "A <-> B" with both_ways), std_devs, p_value, p_adjusted, significant, both mean
    accuracies and bits_difference; sorted by p."""
    other = effects_table[effects_table["role"] == "other"]
    arrow = "<->" if both_ways else "->"
    table = pd.DataFrame({
        "target": other["target"].map(names),
        "confused": [f"{names[a]} {arrow} {names[b]}" for a, b in zip(other["a"], other["b"],
                                                                 strict=True)],
        "std_devs": other["std_devs"].round(3),
        "p_value": other["p_value"],
        "p_adjusted": other["p_adjusted"],
        "significant": other["significant"],
        "accuracy_control": other["accuracy_control"],
        "accuracy_confused": other["accuracy_confused"],
        "bits_difference": other["bits_difference"].round(5),
    })
    return table.sort_values(["p_value", "confused", "target"], na_position="last",
                             kind="stable").reset_index(drop=True)
