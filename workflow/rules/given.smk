# Studies of given decisions (README, "Given decisions"): no dataset, training or inference.
# The given files are inputs only; these rules write the identity file in place of a
# dataset's manifest and each given run's standard decision table.
GIVEN_STUDIES = one_of(PLAN.given_studies)  # rules below match only these
GIVEN_RUNS = PLAN.given_runs


ruleorder: given_manifest > dataset


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


def given_targets(study):
    """Summary and every figure of a given study that needs no pixels: class accuracy and
    B.8 only with labels, Fig 7 only with a known class count, epoch figures only with
    epochs; no RSA, features, experiment or class confusion."""
    source = study.given
    figures = [
        "fig02_kappa_vs_base",
        "fig03_histogram",
        "fig10_kappa_matrix",
        "fig16_kappa_in_between",
        *(["fig07_accuracy"] if source.classes_known else []),
        *(["fig06_class_accuracy"] if source.labels else []),
        *(EPOCH_FIGURES if source.epochs else []),
    ]
    targets = [
        f"results/{study.name}/summary.txt",
        f"results/{study.name}/analysis/balanced_subset.parquet",
        *(
            [f"results/{study.name}/tables/b8_easiest_hardest_classes.csv"]
            if source.labels
            else []
        ),
    ]
    return targets + [
        f"results/{study.name}/figures/{fig}.{ext}"
        for fig in figures
        for ext in ("png", "pdf")
    ]


rule given_manifest:
    input:
        given_inputs,
    output:
        "results/{study}/data/manifest.json",
    log:
        "logs/{study}/given_manifest.log",
    wildcard_constraints:
        study=GIVEN_STUDIES,
    conda:
        ANALYSIS_ENV
    params:
        spec=lambda wc: given_source(wc).spec(),
        runs=lambda wc: {run.run_id: run.given.name for run in STUDIES[wc.study].runs},
        paths=lambda wc: {
            run.given.name: run.given.path for run in STUDIES[wc.study].runs
        },
    script:
        "../scripts/given_manifest.py"


rule given_decisions:
    input:
        manifest="results/{study}/data/manifest.json",
        files=given_run_files,
    output:
        "results/{study}/decisions/{run}.parquet",
    log:
        "logs/{study}/given/{run}.log",
    wildcard_constraints:
        study=GIVEN_STUDIES,
        run=one_of(GIVEN_RUNS),
    conda:
        ANALYSIS_ENV
    params:
        spec=lambda wc: given_source(wc).spec(),
        run=run_info,
        name=lambda wc: given_run(wc).name,
        path=lambda wc: given_run(wc).path,
    script:
        "../scripts/given_decisions.py"
