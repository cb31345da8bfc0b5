import dataclasses
from pathlib import Path

from ddd import plan
from ddd import verify as verification
from ddd.io.workdir import check_space, check_writable
from ddd.plots import registry as plots

PLAN = plan.load(
    config
)  # validates, fills the schema's defaults in, resolves every run
plan.check_files(PLAN)  # hand-made per-image files: there and readable
check_writable()  # before Snakemake deletes any output it cannot rebuild
check_space()  # before Snakemake writes its own records
STUDIES = PLAN.studies  # with the runs of scaling grids, which only `scaling` builds
MAIN_STUDIES = {name: STUDIES[name] for name in PLAN.main_studies}
TRAINED_IDS, PRETRAINED_IDS = PLAN.trained_ids, PLAN.pretrained_ids
# What every job of a kind shares: the conda env of rules that run models (GPU jobs) and
# of the analyses, and a GPU job's threads and resources.
TRAIN_ENV = "../../envs/train.yaml"
ANALYSIS_ENV = "../../envs/analysis.yaml"
GPU_THREADS = config["train"]["threads"]
GPU_JOB = {"gpu": 1}


def one_of(names):
    """A wildcard pattern matching exactly these names (none: matches nothing)."""
    return "|".join(sorted(names)) or "(?!)"


wildcard_constraints:
    study="|".join(STUDIES),
    run=r"[A-Za-z][A-Za-z0-9_]*-[0-9]+",


def dataset_spec(wildcards):
    """The study's dataset settings (key-sorted: reordering the config reruns nothing),
    without its image store's: adding a store rebuilds no dataset index."""
    return {
        key: value
        for key, value in STUDIES[wildcards.study].dataset.items()
        if key != "store"
    }


STORE_STUDIES = [name for name, s in STUDIES.items() if "store" in s.dataset]


def image_store_spec(wildcards):
    """The study's image store settings (dataset.store)."""
    return STUDIES[wildcards.study].dataset["store"]


def image_store(wildcards):
    """The image store folder of a study that has one, for the jobs that read images."""
    if "store" not in STUDIES[wildcards.study].dataset:
        return {}
    return {"store": f"results/{wildcards.study}/data/store"}


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
    return dataclasses.asdict(STUDIES[wildcards.study].run(wildcards.run).pretrained)


def run_info(wildcards):
    return STUDIES[wildcards.study].run(wildcards.run).info()


def base_run(wildcards):
    """The base condition's first instance: the reference of Fig 2 and Fig 4."""
    return STUDIES[wildcards.study].base_run


def histogram_runs(wildcards):
    """Runs entering the per-image statistics (config analysis.histogram_runs)."""
    return STUDIES[wildcards.study].histogram_runs(config["analysis"]["histogram_runs"])


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


def flag_format(wildcards):
    flags = STUDIES[wildcards.study].flags
    return flags.format if flags else None


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


def print_summaries():
    for name in MAIN_STUDIES:
        for file in ("summary.txt", "rectified/summary.txt"):
            path = Path(f"results/{name}/{file}")
            if path.exists():
                print(path.read_text(), end="")
    print(verification.last_line())


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
    studies = [name for name in MAIN_STUDIES if response_files(name)]
    if not studies:
        folders = ", ".join(f"{response_folder(name)}/" for name in MAIN_STUDIES)
        raise ValueError(
            f"no answer files (*.csv) to score in {folders}: run the experiment "
            f"(results/<study>/experiment/index.html) and put the downloaded files there"
        )
    return [f"results/{name}/experiment/scores/summary.txt" for name in studies]


def references_of(kind):
    return {r.name for s in STUDIES.values() for r in s.references if r.kind == kind}


def reference_paths(study):
    """Reference name -> its decision table, for a study."""
    return {
        r.name: f"results/{study}/references/{r.name}.parquet"
        for r in STUDIES[study].references
    }


def reference_tables(wildcards):
    return reference_paths(wildcards.study)


def vs_reference_table(wildcards):
    """The runs against the study's references (none without references)."""
    if not STUDIES[wildcards.study].references:
        return {}
    return {"vs_reference": f"results/{wildcards.study}/analysis/vs_reference.parquet"}


# Values of the study plan that figures name in their inputs or settings.
FIGURE_PLAN = {
    "base_run": base_run,
    "flag_label": flag_label,
    "studies": lambda wildcards: list(MAIN_STUDIES),
    "both_ways": lambda wildcards: CONFUSION[wildcards.study].both_ways,
    "correction": lambda wildcards: CONFUSION[wildcards.study].correction,
}
FIGURE_STUDIES = {
    "confusion": one_of(PLAN.confusion_studies),
    "acceptable": one_of(name for name, s in STUDIES.items() if s.acceptable),
}


def config_value(key):
    """The config value at a dotted key (figures.histogram.title)."""
    value = config
    for part in key.split("."):
        value = value[part]
    return value


def figure_inputs(figure):
    def inputs(wildcards):
        studies = list(MAIN_STUDIES) if figure.scope == "studies" else [wildcards.study]
        return figure.input_paths(studies, lambda name: FIGURE_PLAN[name](wildcards))

    return inputs


def figure_params(figure):
    """dpi, the digest of the drawing code, and the figure's own settings only."""
    return {
        "dpi": config["figures"]["dpi"],
        "code": figure.digest(),
        **{name: config_value(key) for name, key in figure.config.items()},
        **{name: FIGURE_PLAN[name] for name in figure.plan},
    }


def given_source(wildcards):
    return STUDIES[wildcards.study].given


def given_inputs(wildcards):
    """Every given file of a study, and its class-name file if one is configured."""
    source = given_source(wildcards)
    names = source.class_names
    return [*source.files, *([names] if isinstance(names, str) else [])]


def given_run(wildcards):
    return STUDIES[wildcards.study].run(wildcards.run).given


def given_run_files(wildcards):
    """A given run's file; the whole matrix or model-vs-human folder for those sources."""
    source = given_source(wildcards)
    return [given_run(wildcards).path] if source.kind == "runs" else list(source.files)
