# Reference decision makers (docs/methods.md): the ideal observer of a Gaussian
# study; every run is measured against each of them.


rule ideal_observer:
    input:
        data="results/{study}/data/dataset.npz",
        manifest="results/{study}/data/manifest.json",
    output:
        "results/{study}/references/{reference}.parquet",
    log:
        "logs/{study}/references/{reference}.log",
    wildcard_constraints:
        reference=one_of(references_of("ideal_observer")),
    conda:
        ANALYSIS_ENV
    params:
        dataset=dataset_spec,
    script:
        "../scripts/ideal_observer.py"


rule vs_reference:
    input:
        unpack(reference_tables),
        runs="results/{study}/analysis/runs.parquet",
        correct="results/{study}/analysis/correctness.parquet",
        images="results/{study}/analysis/images.parquet",
        manifest="results/{study}/data/manifest.json",
    output:
        runs="results/{study}/analysis/vs_reference.parquet",
        classes="results/{study}/analysis/class_accuracy_vs_reference.parquet",
        bins="results/{study}/analysis/histogram_vs_reference.parquet",
        table=report(
            "results/{study}/tables/vs_reference.csv",
            caption="../report/vs_reference.rst",
            category="{study}",
            subcategory="tables",
        ),
    log:
        "logs/{study}/vs_reference.log",
    conda:
        ANALYSIS_ENV
    params:
        references=lambda wc: [r.name for r in STUDIES[wc.study].references],
        bootstrap=config["analysis"]["bootstrap"],
    script:
        "../scripts/vs_reference.py"
