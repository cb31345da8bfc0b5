"""The short text summary printed at the end of a run."""

from __future__ import annotations

import numpy as np
import pandas as pd


def share_lines(shares: pd.DataFrame) -> list[str]:
    """One line per tolerance: trivial / impossible / in-between, observed and binomial."""
    lines = []
    for tol, group in shares.groupby("tolerance"):
        s = group.set_index("category")
        share, binomial = s["share"], s["binomial"]
        label = "exact" if tol == 0 else f"all but {tol}"
        lines.append(
            f"  {label:>10}: trivial {share['trivial']:6.1%}, impossible "
            f"{share['impossible']:6.1%}, in-between {share['in_between']:6.1%}"
            f"  (binomial: {binomial['trivial']:.1%}, "
            f"{binomial['impossible']:.1%}, {binomial['in_between']:.1%})")
    return lines


def flagged_lines(shares: pd.DataFrame, flag_label: str) -> list[str]:
    """Impossible images that are not flagged (e.g. not label errors), per tolerance."""
    lines = []
    for tol, group in shares.groupby("tolerance"):
        s = group.set_index("category").loc["impossible"]
        label = "exact" if tol == 0 else f"all but {tol}"
        part = s["not_flagged"] / s["share"] if s["share"] > 0 else np.nan
        lines.append(f"  {label:>10}: impossible and not {flag_label} {s['not_flagged']:6.1%} "
                     f"of images ({part:.1%} of the impossible ones)")
    return lines


def reference_lines(vs_reference: pd.DataFrame) -> list[str]:
    """Per reference decision maker: its accuracy, the runs' accuracy relative to it, their
    kappa with it, and the share of their errors it also makes."""
    lines = []
    for name, group in vs_reference.groupby("reference", sort=False):
        rel, kappa = group["relative_accuracy"], group["kappa"]
        lines += [
            f"  against {name} (accuracy {group['reference_accuracy'].iloc[0]:.1%}):",
            f"    runs' accuracy {rel.mean():.1%} of its ({rel.min():.1%} .. {rel.max():.1%}),"
            f" kappa with it mean {kappa.mean():.3f} ({kappa.min():.3f} .. {kappa.max():.3f})",
            f"    share of the runs' errors it makes too: mean "
            f"{group['errors_shared'].mean():.1%}"]
    return lines


def study_summary(study: str, runs: pd.DataFrame, vs_base: pd.DataFrame,
                  shares: pd.DataFrame, n_images: int, n_classes: int | None,
                  reference: pd.DataFrame | None = None, flag_label: str | None = None,
                  vs_reference: pd.DataFrame | None = None) -> str:
    """Accuracy, mean kappa vs base (all and in-between images), the kappa image difficulty
    alone predicts (`reference`, from analysis.difficulty_kappa) and the three shares; with
    image flags (`flag_label`), the share of impossible images that are not flagged; with
    reference decision makers (`vs_reference`), how far the runs are from each. n_classes
    None: not known (given correctness alone), no chance level."""
    acc = runs["accuracy"]
    mean_kappa = vs_base.groupby("subset")["kappa"].mean()  # NaN (undefined) pairs skipped
    by_condition = vs_base.pivot_table(index="condition", columns="subset", values="kappa",
                                       aggfunc="mean", sort=False)
    lines = [
        f"study {study}: {len(runs)} runs, {n_images} evaluation images, "
        + (f"{n_classes} classes (chance {1 / n_classes:.1%})" if n_classes
           else "classes not given"),
        f"  accuracy: mean {acc.mean():.1%}, range {acc.min():.1%} .. {acc.max():.1%}",
        f"  mean kappa vs base: {mean_kappa.get('all', np.nan):.3f} on all images, "
        f"{mean_kappa.get('in_between', np.nan):.3f} on in-between images",
        *([] if reference is None else [
            "  kappa predicted by image difficulty alone: "
            + ", ".join(f"{kappa:.3f} on {subset.replace('_', '-')} images"
                        for kappa, subset in zip(reference["kappa_difficulty"],
                                                 reference["subset"], strict=True))]),
        "  kappa vs base by condition (all / in-between images):",
        *[f"    {condition:<24} {row.get('all', np.nan):6.3f} / "
          f"{row.get('in_between', np.nan):6.3f}" for condition, row in by_condition.iterrows()],
        "  image difficulty (histogram runs):",
        *share_lines(shares),
        *(flagged_lines(shares, flag_label)
          if flag_label is not None and "not_flagged" in shares else []),
        *([] if vs_reference is None else reference_lines(vs_reference)),
    ]
    return "\n".join(lines) + "\n"
