rule collect_decisions:
    input:
        unpack(decision_tables),
        manifest="results/{study}/data/manifest.json",
    output:
        runs="results/{study}/analysis/runs.parquet",
        correct="results/{study}/analysis/correctness.parquet",
    log:
        "logs/{study}/collect_decisions.log",
    conda:
        ANALYSIS_ENV
    params:
        runs=lambda wc: STUDIES[wc.study].run_ids,
    script:
        "../scripts/collect_decisions.py"


rule image_table:
    input:
        correct="results/{study}/analysis/correctness.parquet",
    output:
        "results/{study}/analysis/images.parquet",
    log:
        "logs/{study}/image_table.log",
    conda:
        ANALYSIS_ENV
    params:
        runs=histogram_runs,
        tolerance=config["analysis"]["difficulty"]["tolerance"],
    script:
        "../scripts/image_table.py"


rule difficulty:
    input:
        unpack(image_flags),
        runs="results/{study}/analysis/runs.parquet",
        images="results/{study}/analysis/images.parquet",
    output:
        histogram="results/{study}/analysis/histogram.parquet",
        shares="results/{study}/analysis/shares.parquet",
    log:
        "logs/{study}/difficulty.log",
    conda:
        ANALYSIS_ENV
    params:
        histogram_runs=histogram_runs,
        shares_all_but=config["analysis"]["difficulty"]["shares_all_but"],
        flag_column=flag_column,
        flag_format=flag_format,
    script:
        "../scripts/difficulty.py"


rule kappa:
    input:
        runs="results/{study}/analysis/runs.parquet",
        correct="results/{study}/analysis/correctness.parquet",
        images="results/{study}/analysis/images.parquet",
    output:
        pairs="results/{study}/analysis/kappa_pairs.parquet",
        vs_base="results/{study}/analysis/kappa_vs_base.parquet",
        conditions="results/{study}/analysis/kappa_conditions.parquet",
        reference="results/{study}/analysis/kappa_difficulty.parquet",
    log:
        "logs/{study}/kappa.log",
    conda:
        ANALYSIS_ENV
    params:
        base_condition=lambda wc: STUDIES[wc.study].base_condition,
        within_conditions=within_conditions,
        histogram_runs=histogram_runs,
        bootstrap=config["analysis"]["bootstrap"],
    script:
        "../scripts/kappa.py"


rule epoch_dynamics:
    input:
        unpack(histogram_decision_tables),
        images="results/{study}/analysis/images.parquet",
    output:
        changes="results/{study}/analysis/decision_changes.parquet",
        share_right="results/{study}/analysis/share_right_over_epochs.parquet",
        atlas="results/{study}/analysis/atlas.parquet",
    log:
        "logs/{study}/epoch_dynamics.log",
    conda:
        ANALYSIS_ENV
    params:
        runs=histogram_runs,
    script:
        "../scripts/epoch_dynamics.py"


rule balanced_subset:
    input:
        images="results/{study}/analysis/images.parquet",
    output:
        "results/{study}/analysis/balanced_subset.parquet",
    log:
        "logs/{study}/balanced_subset.log",
    conda:
        ANALYSIS_ENV
    params:
        per_bin=config["analysis"]["balanced_subset"]["per_bin"],
        seed=config["analysis"]["balanced_subset"]["seed"],
    script:
        "../scripts/balanced_subset.py"


rule class_accuracy:
    input:
        runs="results/{study}/analysis/runs.parquet",
        correct="results/{study}/analysis/correctness.parquet",
        manifest="results/{study}/data/manifest.json",
    output:
        accuracy="results/{study}/analysis/class_accuracy.parquet",
        table=report(
            "results/{study}/tables/b8_easiest_hardest_classes.csv",
            caption="../report/table_b8.rst",
            category="{study}",
            subcategory="tables",
        ),
    log:
        "logs/{study}/class_accuracy.log",
    conda:
        ANALYSIS_ENV
    params:
        base_run=base_run,
        classes=config["analysis"]["class_table"]["classes"],
    script:
        "../scripts/class_accuracy.py"


rule summary:
    input:
        unpack(vs_reference_table),
        runs="results/{study}/analysis/runs.parquet",
        vs_base="results/{study}/analysis/kappa_vs_base.parquet",
        shares="results/{study}/analysis/shares.parquet",
        correct="results/{study}/analysis/correctness.parquet",
        reference="results/{study}/analysis/kappa_difficulty.parquet",
        manifest="results/{study}/data/manifest.json",
    output:
        "results/{study}/summary.txt",
    log:
        "logs/{study}/summary.log",
    conda:
        ANALYSIS_ENV
    params:
        flag_label=flag_label,
    script:
        "../scripts/summary.py"
