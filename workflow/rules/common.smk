import sys
from pathlib import Path

import jsonschema
import yaml

# The package is imported from the source tree; Snakemake passes this search path on to
# every script, so conda envs need only the libraries.
sys.path.insert(0, str(Path(workflow.basedir) / "workflow"))

from ddd.study import build_study

STUDIES = {name: build_study(name, spec) for name, spec in config["studies"].items()}
FIGURES = [
    "fig02_kappa_vs_base",
    "fig03_histogram",
    "fig10_kappa_matrix",
    "fig16_kappa_in_between",
]


def _check_recipes():
    """Every resolved recipe (base plus a condition's changes) must match the schema."""
    schema_path = Path(workflow.basedir) / "workflow/schemas/config.schema.yaml"
    schema = yaml.safe_load(schema_path.read_text())
    recipe_schema = {
        "definitions": schema["definitions"],
        **schema["definitions"]["recipe"],
    }
    for study in STUDIES.values():
        for run in study.runs:
            try:
                jsonschema.validate(run.recipe.as_dict(), recipe_schema)
            except jsonschema.ValidationError as err:
                path = ".".join(str(p) for p in err.absolute_path)
                raise ValueError(
                    f"config: study {study.name!r}, condition {run.condition!r}, instance "
                    f"{run.instance}: recipe value {path!r}: {err.message}"
                ) from None


_check_recipes()


wildcard_constraints:
    study="|".join(STUDIES),
    run=r"[A-Za-z][A-Za-z0-9_]*-[0-9]+",
    ext="png|pdf|svg",


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


def run_info(wildcards):
    run = STUDIES[wildcards.study].run(wildcards.run)
    return {"study": run.study, "condition": run.condition, "instance": run.instance}


def within_conditions(wildcards):
    """Conditions compared among their own instances (disjoint data), not against base."""
    runs = STUDIES[wildcards.study].runs
    return sorted({run.condition for run in runs if run.reference == "within"})


def all_targets():
    targets = []
    for name in STUDIES:
        targets.append(f"results/{name}/summary.txt")
        for fig in FIGURES:
            for ext in config["figures"]["formats"]:
                targets.append(f"results/{name}/figures/{fig}.{ext}")
    return targets


def print_summaries():
    for name in STUDIES:
        path = Path(f"results/{name}/summary.txt")
        if path.exists():
            print(path.read_text(), end="")
