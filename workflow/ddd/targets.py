"""What a plain `snakemake` builds (rule all): every configured study's summary, tables and
figures (PNG and PDF), the human experiment's page, and the class-confusion results.

Named targets (scaling, score_experiment, ...) are not here: a user asks for them.
"""

from __future__ import annotations

from typing import Any

from ddd.confusion import design
from ddd.plan import Plan
from ddd.plots import registry as plots
from ddd.study import Study


def default_targets(plan: Plan, config: dict[str, Any]) -> list[str]:
    """Everything rule all asks for, in a stable order."""
    return (study_targets(plan) + experiment_targets(plan, config["experiment"]["pairs"])
            + design.targets({name: spec for name in plan.confusion_studies
                              if (spec := plan.studies[name].confusion) is not None}))


def study_targets(plan: Plan) -> list[str]:
    """Summary, tables and every figure of every configured study."""
    targets = []
    for name in plan.main_studies:
        study = plan.studies[name]
        if study.given:
            targets += given_targets(study)
            continue
        if study.references:
            targets.append(f"results/{name}/tables/vs_reference.csv")
        targets += [
            f"results/{name}/summary.txt",
            f"results/{name}/tables/b8_easiest_hardest_classes.csv",
            f"results/{name}/analysis/balanced_subset.parquet",
        ]
        targets += plots.study_targets(name, pretrained=bool(study.pretrained_ids),
                                       dataset=study.kind, references=bool(study.references))
    if len(plan.main_studies) > 1:
        targets += plots.shared_targets()
    return targets


def experiment_targets(plan: Plan, pairs: int) -> list[str]:
    """Page, manifest, stimuli and Fig 12 of every study with images (none with
    experiment.pairs 0; none for given decisions, which have no pixels)."""
    if pairs == 0:
        return []
    names = [name for name in plan.main_studies if not plan.studies[name].given]
    return ([f"results/{name}/experiment/{file}" for name in names
             for file in ("index.html", "manifest.json", "stimuli")]
            + [f"results/{name}/figures/fig12_experiment_pairs.{ext}" for name in names
               for ext in ("png", "pdf")])


def given_targets(study: Study) -> list[str]:
    """Summary and every figure of a given study that needs no pixels: class accuracy and
    B.8 only with labels, Fig 7 only with a known class count, epoch figures only with
    epochs; no RSA, features, experiment or class confusion."""
    source = study.given
    assert source is not None, f"study {study.name!r} has no given decisions"
    skip = {"fig07_accuracy"} if not source.classes_known else set()
    if not source.labels:
        skip.add("fig06_class_accuracy")
    scopes = {"study", "trained"} if source.epochs else {"study"}
    figures = [fig.name for fig in plots.figures().values()
               if fig.scope in scopes and fig.name not in skip]
    tables = ([f"results/{study.name}/tables/b8_easiest_hardest_classes.csv"]
              if source.labels else [])
    return ([f"results/{study.name}/summary.txt",
             f"results/{study.name}/analysis/balanced_subset.parquet", *tables]
            + [f"results/{study.name}/figures/{fig}.{ext}" for fig in figures
               for ext in ("png", "pdf")])
