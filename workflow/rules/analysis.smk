rule collect_decisions:
    input:
        unpack(decision_tables),
    output:
        runs="results/{study}/analysis/runs.parquet",
        correct="results/{study}/analysis/correctness.parquet",
    log:
        "logs/{study}/collect_decisions.log",
    conda:
        "../../envs/analysis.yaml"
    params:
        runs=lambda wc: STUDIES[wc.study].run_ids,
    script:
        "../scripts/collect_decisions.py"


rule difficulty:
    input:
        runs="results/{study}/analysis/runs.parquet",
        correct="results/{study}/analysis/correctness.parquet",
    output:
        images="results/{study}/analysis/images.parquet",
        histogram="results/{study}/analysis/histogram.parquet",
        shares="results/{study}/analysis/shares.parquet",
    log:
        "logs/{study}/difficulty.log",
    conda:
        "../../envs/analysis.yaml"
    params:
        histogram_runs=config["analysis"]["histogram_runs"],
        tolerance=config["analysis"]["tolerance"],
    script:
        "../scripts/difficulty.py"


rule kappa:
    input:
        runs="results/{study}/analysis/runs.parquet",
        correct="results/{study}/analysis/correctness.parquet",
    output:
        pairs="results/{study}/analysis/kappa_pairs.parquet",
        vs_base="results/{study}/analysis/kappa_vs_base.parquet",
        conditions="results/{study}/analysis/kappa_conditions.parquet",
    log:
        "logs/{study}/kappa.log",
    conda:
        "../../envs/analysis.yaml"
    params:
        base_condition=lambda wc: STUDIES[wc.study].base_condition,
        within_conditions=within_conditions,
        histogram_runs=config["analysis"]["histogram_runs"],
        in_between_tolerance=config["analysis"]["in_between_tolerance"],
    script:
        "../scripts/kappa.py"


rule summary:
    input:
        runs="results/{study}/analysis/runs.parquet",
        vs_base="results/{study}/analysis/kappa_vs_base.parquet",
        shares="results/{study}/analysis/shares.parquet",
        correct="results/{study}/analysis/correctness.parquet",
    output:
        "results/{study}/summary.txt",
    log:
        "logs/{study}/summary.log",
    conda:
        "../../envs/analysis.yaml"
    script:
        "../scripts/summary.py"
