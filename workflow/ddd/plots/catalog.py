"""Every figure of the workflow, registered once: inputs, settings and scope (see
`ddd.plots.registry`), and how its loaded inputs become a `ddd.plots.*` drawing."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from ddd import decisions
from ddd.analysis import datamaps, dynamics
from ddd.datasets import arrays, gaussian
from ddd.datasets.arrays import read_manifest
from ddd.experiment.stimuli import test_images
from ddd.plots import (
    acceptable,
    classes,
    confusion,
    difficulty,
    epochs,
    kappa,
    prototypes,
    references,
    rsa,
)
from ddd.plots import datamaps as data_map_plots
from ddd.plots.registry import Inputs, figure

ANALYSIS = "results/{study}/analysis"
MANIFEST = "results/{study}/data/manifest.json"
RSA = {"layer": "analysis.rsa.layer", "comparison": "analysis.rsa.comparison"}
ANNOTATE = {"annotate": "figures.kappa_matrix.annotate"}
EFFECTS = {"effects": "results/{study}/confusion/effects.parquet", "manifest": MANIFEST}
VS_REFERENCE = {"vs_reference": f"{ANALYSIS}/vs_reference.parquet",
                "classes": f"{ANALYSIS}/class_accuracy_vs_reference.parquet"}


def _by_reference(table: pd.DataFrame, key: str, value: str) -> dict[str, pd.Series]:
    """Reference name: `value` indexed by `key`, from a vs-reference table (maybe empty)."""
    return {str(name): group.groupby(key, sort=False)[value].mean()
            for name, group in table.groupby("reference", sort=False)}  # names are strings


@figure("fig02_kappa_vs_base", {"table": f"{ANALYSIS}/kappa_vs_base.parquet",
                                "reference": f"{ANALYSIS}/kappa_difficulty.parquet",
                                "vs_reference": f"{ANALYSIS}/vs_reference.parquet",
                                "runs": f"{ANALYSIS}/runs.parquet"},
        config={"ylim": "figures.kappa_vs_base.ylim"})
def kappa_vs_base(inputs: Inputs, study: str, ylim: list[float]) -> plt.Figure:
    """Fig 2: kappa of each condition vs base, with intervals, range and DDD reference;
    red crosses: each condition's mean kappa with a reference decision maker."""
    reference = pd.read_parquet(inputs["reference"]).set_index("subset")["kappa_difficulty"]
    conditions = pd.read_parquet(inputs["runs"]).set_index("run")["condition"]
    vs = pd.read_parquet(inputs["vs_reference"])
    return kappa.kappa_vs_base(pd.read_parquet(inputs["table"]),
                               f"{study}: error consistency vs base", (ylim[0], ylim[1]),
                               difficulty_kappa=reference.get("all"),
                               reference_kappa=_by_reference(
                                   vs.assign(condition=vs["run"].map(conditions)),
                                   "condition", "kappa"))


@figure("fig03_histogram", {"table": f"{ANALYSIS}/histogram.parquet",
                            "bins": f"{ANALYSIS}/histogram_vs_reference.parquet"},
        config={"title": "figures.histogram.title"}, plan=("flag_label",))
def histogram(inputs: Inputs, study: str, title: str, flag_label: str | None) -> plt.Figure:
    """Fig 3/14: how many runs classify each image correctly, against three references;
    hatched: the part of each bar a reference decision maker gets right."""
    return difficulty.difficulty_histogram(
        pd.read_parquet(inputs["table"]), f"{study}: {title}", flag_label=flag_label,
        reference_right=_by_reference(pd.read_parquet(inputs["bins"]), "n_correct",
                                      "reference_right"))


@figure("fig04_base_over_epochs", {"table": "results/{study}/decisions/{base_run}.parquet"},
        scope="trained")
def base_over_epochs(inputs: Inputs, study: str) -> plt.Figure:
    """Fig 4: the base run's decision on every image at every epoch."""
    run = dynamics.epoch_matrices(decisions.read(inputs["table"]))
    return epochs.base_over_epochs(run.correct, run.epochs, dynamics.order_by_mean(run.correct),
                                   f"{study}: base run over epochs")


@figure("fig05_runs_over_epochs", {"share_right": f"{ANALYSIS}/share_right_over_epochs.parquet",
                                   "atlas": f"{ANALYSIS}/atlas.parquet"}, scope="trained")
def runs_over_epochs(inputs: Inputs, study: str) -> plt.Figure:
    """Fig 5: share of runs right on every image at every epoch."""
    table = pd.read_parquet(inputs["share_right"])
    atlas = pd.read_parquet(inputs["atlas"]).set_index("image_id").loc[table.index]
    share = table.to_numpy(dtype=np.float32).T  # (epochs, images)
    order = dynamics.order_by_mean(share, final=atlas["share_right"].to_numpy())
    return epochs.runs_over_epochs(share, table.columns.astype(int).to_numpy(), order,
                                   int(atlas["runs"].iloc[0]), f"{study}: all runs over epochs")


@figure("fig06_class_accuracy", {"table": f"{ANALYSIS}/class_accuracy.parquet"},
        plan=("base_run",))
def class_accuracy(inputs: Inputs, study: str, base_run: str) -> plt.Figure:
    """Fig 6/15: class-wise accuracy of every run, sorted."""
    return classes.class_accuracy(pd.read_parquet(inputs["table"]), base_run,
                                  f"{study}: class-wise accuracy")


@figure("fig07_accuracy", {"runs": f"{ANALYSIS}/runs.parquet", "manifest": MANIFEST})
def accuracy(inputs: Inputs, study: str) -> plt.Figure:
    """Fig 7: accuracy of every condition."""
    chance = 1 / read_manifest(inputs["manifest"])["splits"]["test"]["classes"]
    return classes.accuracy_per_condition(pd.read_parquet(inputs["runs"]), chance,
                                          f"{study}: accuracy per condition")


@figure("fig10_kappa_matrix", {"table": f"{ANALYSIS}/kappa_conditions.parquet"},
        config=ANNOTATE)
def kappa_matrix(inputs: Inputs, study: str, annotate: bool) -> plt.Figure:
    """Fig 10: mean kappa between every two conditions."""
    return kappa.kappa_matrix(pd.read_parquet(inputs["table"]),
                              f"{study}: error consistency between conditions", annotate)


@figure("fig11_decision_changes", {"table": f"{ANALYSIS}/decision_changes.parquet"},
        scope="trained")
def decision_changes(inputs: Inputs, study: str) -> plt.Figure:
    """Fig 11: share of decisions that change from one epoch to the next."""
    return epochs.decision_changes(pd.read_parquet(inputs["table"]),
                                   f"{study}: decisions changing between epochs")


@figure("fig13_kappa_vs_base_datasets", {"tables": f"{ANALYSIS}/kappa_vs_base.parquet"},
        scope="studies", plan=("studies",))
def kappa_vs_base_datasets(inputs: Inputs, study: str | None, studies: list[str]) -> plt.Figure:
    """Fig 13: kappa vs base per condition for every study side by side."""
    tables = {name: pd.read_parquet(path)
              for name, path in zip(studies, inputs["tables"], strict=True)}
    return kappa.kappa_vs_base_datasets(tables, "error consistency vs base, by study")


@figure("fig16_kappa_in_between", {"table": f"{ANALYSIS}/kappa_conditions.parquet"},
        config=ANNOTATE)
def kappa_in_between(inputs: Inputs, study: str, annotate: bool) -> plt.Figure:
    """Fig 16: kappa between conditions on all images and on in-between images only."""
    return kappa.kappa_all_vs_in_between(pd.read_parquet(inputs["table"]),
                                         f"{study}: all vs in-between images", annotate)


@figure("fig17_rsa_vs_base", {"table": f"{ANALYSIS}/rsa_vs_base.parquet"}, scope="rsa",
        config=RSA)
def rsa_vs_base(inputs: Inputs, study: str, layer: str | dict[str, str],
                comparison: str) -> plt.Figure:
    """Fig 17 (left): RSA of each condition's runs with the base run."""
    table = pd.read_parquet(inputs["table"])
    title = (f"{study}: RSA vs base, layer {rsa.layer_name(layer)}, "
             f"{table['images'].max() if len(table) else 0} images")
    return rsa.rsa_vs_base(table, title, f"{comparison} of RDMs")


@figure("fig17_rsa_matrix", {"table": f"{ANALYSIS}/rsa_conditions.parquet"}, scope="rsa",
        config={**ANNOTATE, **RSA})
def rsa_matrix(inputs: Inputs, study: str, annotate: bool, layer: str | dict[str, str],
               comparison: str) -> plt.Figure:
    """Fig 17 (right): mean RSA between every two conditions."""
    table = pd.read_parquet(inputs["table"])
    title = (f"{study}: RSA between conditions, layer {rsa.layer_name(layer)}, "
             f"{table['images'].iloc[0]} images")
    return rsa.rsa_matrix(table, title, comparison, annotate)


@figure("fig_mmd_gallery", {"table": f"{ANALYSIS}/mmd_critic.parquet",
                        "data": "results/{study}/data/dataset.npz", "manifest": MANIFEST},
        scope="rsa", config={"classes": "figures.mmd_gallery.classes"}, plan=("base_run",))
def mmd_gallery(inputs: Inputs, study: str, classes: int, base_run: str) -> plt.Figure:
    """Prototypes and criticisms (MMD-critic) of the base run, by label and by prediction,
    framed in each image's difficulty category."""
    table = pd.read_parquet(inputs["table"])
    table = table[table["run"] == base_run]
    names = dict(enumerate(arrays.dataset_class_names(inputs["manifest"])))
    return prototypes.gallery(table, test_images(inputs["data"], inputs["manifest"]),
                              prototypes.gallery_classes(table["class"].to_numpy(), classes),
                              names, f"{study}: prototypes and criticisms, run {base_run}")


@figure("fig18_kl_vs_accuracy", {"table": f"{ANALYSIS}/class_accuracy.parquet",
                                 "manifest": MANIFEST, "classes": VS_REFERENCE["classes"]},
        scope="gaussian", config={"skip_classes": "figures.kl_vs_accuracy.skip_classes"})
def kl_vs_accuracy(inputs: Inputs, study: str, skip_classes: int) -> plt.Figure:
    """Fig 18 (Gaussian set): KL between neighbouring classes against class accuracy, with
    the reference decision makers' (the ideal observer's) per-class accuracy."""
    kl = gaussian.kl_adjacent(np.asarray(read_manifest(inputs["manifest"])["sigmas"]))
    accuracy = pd.read_parquet(inputs["table"]).groupby("class")["accuracy"].mean()
    per_class = pd.read_parquet(inputs["classes"])
    refs = _by_reference(per_class[per_class["is_reference"].astype(bool)], "class",
                         "accuracy")
    return classes.kl_vs_accuracy(kl, accuracy.to_numpy()[: len(kl)], skip_classes,
                                  f"{study}: KL divergence vs accuracy",
                                  {name: ref.to_numpy() for name, ref in refs.items()})


@figure("fig19_vs_reference", VS_REFERENCE, scope="references")
def vs_reference(inputs: Inputs, study: str) -> plt.Figure:
    """How far from the reference (the ideal observer): relative accuracy and kappa per
    run, accuracy per class."""
    return references.vs_reference(pd.read_parquet(inputs["vs_reference"]),
                                   pd.read_parquet(inputs["classes"]),
                                   f"{study}: the runs against their references")


@figure("confusion_effects", EFFECTS, scope="confusion", plan=("both_ways", "correction"),
        rule="confusion_fig_effects")
def confusion_effects(inputs: Inputs, study: str, both_ways: bool,
                      correction: str) -> plt.Figure:
    """Class confusion: change of every class's accuracy per confused pair, in std devs."""
    names = dict(enumerate(arrays.dataset_class_names(inputs["manifest"])))
    return confusion.effects_heatmap(
        pd.read_parquet(inputs["effects"]), names, both_ways, correction,
        f"{study}: accuracy on T, confused vs control (Welch's t-test)")


@figure("confusion_information", EFFECTS, scope="confusion", plan=("both_ways",),
        rule="confusion_fig_information")
def confusion_information(inputs: Inputs, study: str, both_ways: bool) -> plt.Figure:
    """Class confusion: bits of one-vs-rest information on every class gained or lost."""
    names = dict(enumerate(arrays.dataset_class_names(inputs["manifest"])))
    return confusion.information_heatmap(pd.read_parquet(inputs["effects"]), names, both_ways,
                                         f"{study}: information on T, confused - control")


@figure("fig20_rectified", {"original": f"{ANALYSIS}/histogram.parquet",
                            "rectified": "results/{study}/rectified/histogram.parquet",
                            "transitions": "results/{study}/rectified/transitions.csv"},
        scope="acceptable")
def rectified(inputs: Inputs, study: str) -> plt.Figure:
    """The difficulty histogram with the dataset labels and with acceptable labels side by
    side, and where the originally impossible and in-between images go."""
    return acceptable.rectified_histograms(
        pd.read_parquet(inputs["original"]), pd.read_parquet(inputs["rectified"]),
        pd.read_csv(inputs["transitions"]), f"{study}: which errors are errors")


@figure("fig21_impossible_causes", {"table": "results/{study}/tables/impossible_causes.csv"})
def impossible_causes(inputs: Inputs, study: str) -> plt.Figure:
    """Impossible and in-between images by cause: label error, acceptable answer, both,
    neither, no acceptable label."""
    return acceptable.cause_bars(pd.read_csv(inputs["table"]),
                                 f"{study}: why images are impossible or in between")


@figure("fig_data_map", {"maps": f"{ANALYSIS}/datamaps.parquet"}, scope="confidence",
        config={"confidence": "analysis.datamaps.confidence",
                "variability": "analysis.datamaps.variability"},
        plan=("base_run", "flag_label"))
def datamap(inputs: Inputs, study: str, confidence: float, variability: float,
            base_run: str, flag_label: str | None) -> plt.Figure:
    """Data maps of the base run and of the histogram runs pooled, coloured by category;
    flagged images (label errors) ringed."""
    maps = pd.read_parquet(inputs["maps"])
    shown = {name: maps[maps["run"] == name] for name in (base_run, datamaps.POOLED)}
    return data_map_plots.data_maps(shown, confidence, variability, f"{study}: data maps",
                                    flag_label)
