import sys
from pathlib import Path

import jsonschema
import yaml

# The package is imported from the source tree; Snakemake passes this search path on to
# every script, so conda envs need only the libraries.
sys.path.insert(0, str(Path(workflow.basedir) / "workflow"))

import pandas as pd

from ddd import analysis
from ddd.plots import registry as plots
from ddd.study import build_study

STUDIES = {name: build_study(name, spec) for name, spec in config["studies"].items()}


def _check_recipes():
    """Every resolved recipe (base plus a condition's changes) must match the schema."""
    schema_path = Path(workflow.basedir) / "workflow/schemas/config.schema.yaml"
    schema = yaml.safe_load(schema_path.read_text())
    recipe_schema = {
        "definitions": schema["definitions"],
        **schema["definitions"]["recipe"],
    }
    for study in STUDIES.values():
        if study.inferred and study.dataset["kind"] != "imagenet":
            raise ValueError(
                f"config: study {study.name!r}: pretrained models are ImageNet "
                f"classifiers; give the study an imagenet dataset"
            )
        for run in study.runs:
            if run.recipe is None:
                continue
            if run.recipe.bn_recalibration and study.dataset["kind"] == "imagenet":
                raise ValueError(
                    f"config: study {study.name!r}, condition {run.condition!r}: "
                    f"bn_recalibration needs in-memory data; set it to 0 for imagenet"
                )
            try:
                jsonschema.validate(run.recipe.as_dict(), recipe_schema)
            except jsonschema.ValidationError as err:
                path = ".".join(str(p) for p in err.absolute_path)
                raise ValueError(
                    f"config: study {study.name!r}, condition {run.condition!r}, instance "
                    f"{run.instance}: recipe value {path!r}: {err.message}"
                ) from None


def _check_producers():
    """A run id is trained in every study that has it or inferred in every one: the train
    and infer rules tell their outputs apart by run id alone."""
    trained = {run for study in STUDIES.values() for run in study.trained}
    inferred = {run for study in STUDIES.values() for run in study.inferred}
    if trained & inferred:
        raise ValueError(
            f"config: {sorted(trained & inferred)} name a trained run in one study and a "
            f"pretrained model in another; rename the condition or the model"
        )
    return trained, inferred


_check_recipes()
TRAINED_RUNS, INFERRED_RUNS = _check_producers()


def one_of(names):
    """A wildcard pattern matching exactly these names (none: matches nothing)."""
    return "|".join(sorted(names)) or "(?!)"


wildcard_constraints:
    study="|".join(STUDIES),
    run=r"[A-Za-z][A-Za-z0-9_]*-[0-9]+",


def dataset_spec(wildcards):
    """The study's dataset settings, key-sorted so reordering the config reruns nothing."""
    return dict(sorted(STUDIES[wildcards.study].dataset.items()))


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
    if STUDIES[wildcards.study].dataset["kind"] != "imagenet":
        return 0
    return config["train"]["workers"]


def pretrained_model(wildcards):
    """Name, source and checkpoint of a pretrained run."""
    model = STUDIES[wildcards.study].run(wildcards.run).pretrained
    return {"name": model.name, "source": model.source, "checkpoint": model.checkpoint}


def run_info(wildcards):
    run = STUDIES[wildcards.study].run(wildcards.run)
    return {"study": run.study, "condition": run.condition, "instance": run.instance}


def base_run(wildcards):
    """The base condition's first instance: the reference of Fig 2 and Fig 4."""
    study = STUDIES[wildcards.study]
    return next(r.run_id for r in study.runs if r.condition == study.base_condition)


def histogram_runs(wildcards):
    """Runs entering the per-image statistics (config analysis.histogram_runs)."""
    runs = pd.DataFrame(
        [
            {"run": r.run_id, "condition": r.condition, "instance": r.instance}
            for r in STUDIES[wildcards.study].runs
        ]
    )
    return analysis.histogram_runs(runs, config["analysis"]["histogram_runs"])


def histogram_decision_tables(wildcards):
    return {
        run: f"results/{wildcards.study}/decisions/{run}.parquet"
        for run in histogram_runs(wildcards)
    }


def image_flags(wildcards):
    """The optional per-image flags file of a study (empty: none configured): the
    configured image_flags file, or the label errors the workflow finds or reads."""
    flags = flags_spec(wildcards)
    return {"flags": flags["path"]} if flags else {}


def flags_spec(wildcards):
    """A study's image flags (path, column, label), from image_flags or label_errors."""
    spec = config["studies"][wildcards.study]
    if "image_flags" in spec and "label_errors" in spec:
        raise ValueError(
            f"config: study {wildcards.study!r} gives both image_flags and label_errors; "
            f"Fig 3 draws one kind of flags: remove one of them"
        )
    if "label_errors" in spec:
        source = spec["label_errors"]["source"]
        default = (
            "label errors (cleanlab)" if source == "cleanlab" else "known label errors"
        )
        return {
            "path": f"results/{wildcards.study}/analysis/label_errors.parquet",
            "column": "label_error",
            "label": spec["label_errors"].get("label", default),
        }
    return spec.get("image_flags")


def flag_column(wildcards):
    return (flags_spec(wildcards) or {}).get("column")


def flag_label(wildcards):
    return (flags_spec(wildcards) or {}).get("label")


def label_errors_spec(wildcards):
    return config["studies"][wildcards.study]["label_errors"]


def label_error_inputs(wildcards):
    """Every run's features (cleanlab) or the file of known label errors."""
    spec = label_errors_spec(wildcards)
    if spec["source"] == "cleanlab":
        if STUDIES[wildcards.study].inferred:
            raise ValueError(
                f"config: study {wildcards.study!r}: label_errors from cleanlab needs the "
                f"logits of trained runs; with pretrained models give source: file"
            )
        return feature_files(wildcards)
    if "path" not in spec:
        raise ValueError(
            f"config: study {wildcards.study!r}: label_errors with source 'file' needs "
            f"path: a file of known label errors"
        )
    return {"known": spec["path"]}


def feature_files(wildcards):
    study = STUDIES[wildcards.study]
    return {run: f"results/{study.name}/features/{run}.npz" for run in study.run_ids}


def run_table(wildcards):
    """Run, condition and instance of every run of a study, in run order."""
    return [
        {"run": r.run_id, "condition": r.condition, "instance": r.instance}
        for r in STUDIES[wildcards.study].runs
    ]


def within_conditions(wildcards):
    """Conditions compared among their own instances (disjoint data), not against base."""
    runs = STUDIES[wildcards.study].runs
    return sorted({run.condition for run in runs if run.reference == "within"})


def all_targets():
    """Summary, tables and every figure (PNG and PDF) of every study."""
    targets = []
    for name, study in STUDIES.items():
        targets += [
            f"results/{name}/summary.txt",
            f"results/{name}/tables/b8_easiest_hardest_classes.csv",
            f"results/{name}/analysis/balanced_subset.parquet",
        ]
        targets += plots.study_targets(
            name, pretrained=bool(study.inferred), dataset=study.dataset["kind"]
        )
    if len(STUDIES) > 1:
        targets += plots.shared_targets()
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
