import os
import sys
from pathlib import Path

# The workflow's own package comes first, in this process and in every job: Snakemake
# appends its search path after site-packages, so an installed copy of ddd (an editable
# install of another checkout) would otherwise win in the scripts.
PACKAGE_DIR = str(Path(workflow.basedir) / "workflow")
sys.path.insert(0, PACKAGE_DIR)
os.environ["PYTHONPATH"] = os.pathsep.join(
    [PACKAGE_DIR, *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))]
)

import pandas as pd

from ddd import analysis, plan

PLAN = plan.load(
    config
)  # validates, fills the schema's defaults in, resolves every run
STUDIES = PLAN.studies
TRAINED_RUNS, INFERRED_RUNS = PLAN.trained_runs, PLAN.inferred_runs
TRAIN_ENV = "../../envs/train.yaml"  # rules that run models (GPU jobs)
ANALYSIS_ENV = "../../envs/analysis.yaml"
GPU_THREADS = config["train"]["threads"]
FIGURES = [
    "fig02_kappa_vs_base",
    "fig03_histogram",
    "fig06_class_accuracy",
    "fig07_accuracy",
    "fig10_kappa_matrix",
    "fig16_kappa_in_between",
]
# Decisions over training epochs: studies without pretrained models only.
EPOCH_FIGURES = [
    "fig04_base_over_epochs",
    "fig05_runs_over_epochs",
    "fig11_decision_changes",
]
# RSA of trained runs' activations (features of pretrained models are not captured yet).
RSA_FIGURES = ["fig17_rsa_vs_base", "fig17_rsa_matrix"]
GAUSSIAN_FIGURES = ["fig18_kl_vs_accuracy"]


def one_of(names):
    """A wildcard pattern matching exactly these names (none: matches nothing)."""
    return "|".join(sorted(names)) or "(?!)"


wildcard_constraints:
    study="|".join(STUDIES),
    run=r"[A-Za-z][A-Za-z0-9_]*-[0-9]+",


def dataset_spec(wildcards):
    """The study's dataset settings (key-sorted: reordering the config reruns nothing)."""
    return STUDIES[wildcards.study].dataset


def decision_tables(wildcards):
    study = STUDIES[wildcards.study]
    return {
        run: f"results/{study.name}/decisions/{run}.parquet" for run in study.run_ids
    }


def run_recipe(wildcards):
    return STUDIES[wildcards.study].run(wildcards.run).recipe.as_dict()


def loader_workers(wildcards):
    """Image-decoding workers: file datasets only (in-memory data needs none), so changing
    train.workers reruns nothing else."""
    if STUDIES[wildcards.study].kind not in plan.FILE_KINDS:
        return 0
    return config["train"]["workers"]


def pretrained_model(wildcards):
    """Name, source and checkpoint of a pretrained run."""
    return STUDIES[wildcards.study].run(wildcards.run).pretrained.__dict__


def run_info(wildcards):
    return STUDIES[wildcards.study].run(wildcards.run).info()


def base_run(wildcards):
    """The base condition's first instance: the reference of Fig 2 and Fig 4."""
    return STUDIES[wildcards.study].base_run


def histogram_runs(wildcards):
    """Runs entering the per-image statistics (config analysis.histogram_runs)."""
    runs = pd.DataFrame(STUDIES[wildcards.study].run_table())
    return analysis.histogram_runs(runs, config["analysis"]["histogram_runs"])


def histogram_decision_tables(wildcards):
    return {
        run: f"results/{wildcards.study}/decisions/{run}.parquet"
        for run in histogram_runs(wildcards)
    }


def image_flags(wildcards):
    """The optional per-image flags file of a study (empty: none configured): the
    configured image_flags file, or the label errors the workflow finds or reads."""
    flags = STUDIES[wildcards.study].flags
    return {"flags": flags.path} if flags else {}


def flag_column(wildcards):
    flags = STUDIES[wildcards.study].flags
    return flags.column if flags else None


def flag_label(wildcards):
    flags = STUDIES[wildcards.study].flags
    return flags.label if flags else None


def label_errors_spec(wildcards):
    return STUDIES[wildcards.study].label_errors


def label_error_inputs(wildcards):
    """Every run's features (cleanlab) or the file of known label errors."""
    spec = label_errors_spec(wildcards)
    if spec["source"] == "cleanlab":
        return feature_files(wildcards)
    return {"known": spec["path"]}


def feature_files(wildcards):
    study = STUDIES[wildcards.study]
    return {run: f"results/{study.name}/features/{run}.npz" for run in study.run_ids}


def run_table(wildcards):
    """Run, condition and instance of every run of a study, in run order."""
    return STUDIES[wildcards.study].run_table()


def within_conditions(wildcards):
    """Conditions compared among their own instances (disjoint data), not against base."""
    return STUDIES[wildcards.study].within_conditions


def all_targets():
    """Summary, tables and every figure (PNG and PDF) of every study."""
    targets = []
    for name, study in STUDIES.items():
        figures = (
            FIGURES
            + (EPOCH_FIGURES if not study.inferred else [])
            + (RSA_FIGURES if not study.inferred else [])
            + (GAUSSIAN_FIGURES if study.kind == "gaussian" else [])
        )
        targets += [
            f"results/{name}/summary.txt",
            f"results/{name}/tables/b8_easiest_hardest_classes.csv",
            f"results/{name}/analysis/balanced_subset.parquet",
        ]
        targets += [
            f"results/{name}/figures/{fig}.{ext}"
            for fig in figures
            for ext in ("png", "pdf")
        ]
    if len(STUDIES) > 1:
        targets += [
            f"results/figures/fig13_kappa_vs_base_datasets.{ext}"
            for ext in ("png", "pdf")
        ]
    return targets


def print_summaries():
    for name in STUDIES:
        path = Path(f"results/{name}/summary.txt")
        if path.exists():
            print(path.read_text(), end="")


def experiment_targets():
    """Page, manifest, stimuli and Fig 12 of every study (none with experiment.pairs 0)."""
    if config["experiment"]["pairs"] == 0:
        return []
    return [
        f"results/{name}/experiment/{file}"
        for name in STUDIES
        for file in ("index.html", "manifest.json", "stimuli")
    ] + [
        f"results/{name}/figures/fig12_experiment_pairs.{ext}"
        for name in STUDIES
        for ext in ("png", "pdf")
    ]


def response_folder(study):
    return config["experiment"]["responses"].format(study=study)


def response_files(study):
    """The answer files (*.csv) in a study's responses folder, sorted."""
    return sorted(str(path) for path in Path(response_folder(study)).glob("*.csv"))


def experiment_responses(wildcards):
    files = response_files(wildcards.study)
    if not files:
        raise ValueError(
            f"no answer files (*.csv) in {response_folder(wildcards.study)}/: put the "
            f"files the experiment page (results/{wildcards.study}/experiment/index.html) "
            f"downloads there, or set experiment.responses"
        )
    return files


def scored_studies(wildcards):
    """Scores of every study with answer files; an error when no study has any."""
    studies = [name for name in STUDIES if response_files(name)]
    if not studies:
        folders = ", ".join(f"{response_folder(name)}/" for name in STUDIES)
        raise ValueError(
            f"no answer files (*.csv) to score in {folders}: run the experiment "
            f"(results/<study>/experiment/index.html) and put the downloaded files there"
        )
    return [f"results/{name}/experiment/scores/summary.txt" for name in studies]
