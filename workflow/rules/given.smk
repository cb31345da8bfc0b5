# Studies of given decisions (docs/given.md): no dataset, training or inference.
# The given files are inputs only; these rules write the identity file in place of a
# dataset's manifest and each given run's standard decision table.
GIVEN_STUDIES = one_of(PLAN.given_studies)  # rules below match only these
GIVEN_RUNS = PLAN.given_ids


ruleorder: given_manifest > dataset


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
