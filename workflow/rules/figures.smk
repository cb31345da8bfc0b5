rule fig02_kappa_vs_base:
    input:
        table="results/{study}/analysis/kappa_vs_base.parquet",
        reference="results/{study}/analysis/kappa_difficulty.parquet",
    output:
        png=report(
            "results/{study}/figures/fig02_kappa_vs_base.png",
            caption="../report/fig02_kappa_vs_base.rst",
            category="{study}",
            subcategory="figures",
        ),
        pdf="results/{study}/figures/fig02_kappa_vs_base.pdf",
    log:
        "logs/{study}/figures/fig02_kappa_vs_base.log",
    conda:
        ANALYSIS_ENV
    params:
        dpi=config["figures"]["dpi"],
        ylim=config["figures"]["kappa_vs_base"]["ylim"],
    script:
        "../scripts/figures/fig02_kappa_vs_base.py"


rule fig03_histogram:
    input:
        table="results/{study}/analysis/histogram.parquet",
    output:
        png=report(
            "results/{study}/figures/fig03_histogram.png",
            caption="../report/fig03_histogram.rst",
            category="{study}",
            subcategory="figures",
        ),
        pdf="results/{study}/figures/fig03_histogram.pdf",
    log:
        "logs/{study}/figures/fig03_histogram.log",
    conda:
        ANALYSIS_ENV
    params:
        dpi=config["figures"]["dpi"],
        title=config["figures"]["histogram"]["title"],
        flag_label=flag_label,
    script:
        "../scripts/figures/fig03_histogram.py"


rule fig04_base_over_epochs:
    input:
        table=lambda wc: f"results/{wc.study}/decisions/{base_run(wc)}.parquet",
    output:
        png=report(
            "results/{study}/figures/fig04_base_over_epochs.png",
            caption="../report/fig04_base_over_epochs.rst",
            category="{study}",
            subcategory="figures",
        ),
        pdf="results/{study}/figures/fig04_base_over_epochs.pdf",
    log:
        "logs/{study}/figures/fig04_base_over_epochs.log",
    conda:
        ANALYSIS_ENV
    params:
        dpi=config["figures"]["dpi"],
    script:
        "../scripts/figures/fig04_base_over_epochs.py"


rule fig05_runs_over_epochs:
    input:
        share_right="results/{study}/analysis/share_right_over_epochs.parquet",
        atlas="results/{study}/analysis/atlas.parquet",
    output:
        png=report(
            "results/{study}/figures/fig05_runs_over_epochs.png",
            caption="../report/fig05_runs_over_epochs.rst",
            category="{study}",
            subcategory="figures",
        ),
        pdf="results/{study}/figures/fig05_runs_over_epochs.pdf",
    log:
        "logs/{study}/figures/fig05_runs_over_epochs.log",
    conda:
        ANALYSIS_ENV
    params:
        dpi=config["figures"]["dpi"],
    script:
        "../scripts/figures/fig05_runs_over_epochs.py"


rule fig06_class_accuracy:
    input:
        table="results/{study}/analysis/class_accuracy.parquet",
    output:
        png=report(
            "results/{study}/figures/fig06_class_accuracy.png",
            caption="../report/fig06_class_accuracy.rst",
            category="{study}",
            subcategory="figures",
        ),
        pdf="results/{study}/figures/fig06_class_accuracy.pdf",
    log:
        "logs/{study}/figures/fig06_class_accuracy.log",
    conda:
        ANALYSIS_ENV
    params:
        dpi=config["figures"]["dpi"],
        base_run=base_run,
    script:
        "../scripts/figures/fig06_class_accuracy.py"


rule fig07_accuracy:
    input:
        runs="results/{study}/analysis/runs.parquet",
        manifest="results/{study}/data/manifest.json",
    output:
        png=report(
            "results/{study}/figures/fig07_accuracy.png",
            caption="../report/fig07_accuracy.rst",
            category="{study}",
            subcategory="figures",
        ),
        pdf="results/{study}/figures/fig07_accuracy.pdf",
    log:
        "logs/{study}/figures/fig07_accuracy.log",
    conda:
        ANALYSIS_ENV
    params:
        dpi=config["figures"]["dpi"],
    script:
        "../scripts/figures/fig07_accuracy.py"


rule fig10_kappa_matrix:
    input:
        table="results/{study}/analysis/kappa_conditions.parquet",
    output:
        png=report(
            "results/{study}/figures/fig10_kappa_matrix.png",
            caption="../report/fig10_kappa_matrix.rst",
            category="{study}",
            subcategory="figures",
        ),
        pdf="results/{study}/figures/fig10_kappa_matrix.pdf",
    log:
        "logs/{study}/figures/fig10_kappa_matrix.log",
    conda:
        ANALYSIS_ENV
    params:
        dpi=config["figures"]["dpi"],
        annotate=config["figures"]["kappa_matrix"]["annotate"],
    script:
        "../scripts/figures/fig10_kappa_matrix.py"


rule fig11_decision_changes:
    input:
        table="results/{study}/analysis/decision_changes.parquet",
    output:
        png=report(
            "results/{study}/figures/fig11_decision_changes.png",
            caption="../report/fig11_decision_changes.rst",
            category="{study}",
            subcategory="figures",
        ),
        pdf="results/{study}/figures/fig11_decision_changes.pdf",
    log:
        "logs/{study}/figures/fig11_decision_changes.log",
    conda:
        ANALYSIS_ENV
    params:
        dpi=config["figures"]["dpi"],
    script:
        "../scripts/figures/fig11_decision_changes.py"


rule fig16_kappa_in_between:
    input:
        table="results/{study}/analysis/kappa_conditions.parquet",
    output:
        png=report(
            "results/{study}/figures/fig16_kappa_in_between.png",
            caption="../report/fig16_kappa_in_between.rst",
            category="{study}",
            subcategory="figures",
        ),
        pdf="results/{study}/figures/fig16_kappa_in_between.pdf",
    log:
        "logs/{study}/figures/fig16_kappa_in_between.log",
    conda:
        ANALYSIS_ENV
    params:
        dpi=config["figures"]["dpi"],
        annotate=config["figures"]["kappa_matrix"]["annotate"],
    script:
        "../scripts/figures/fig16_kappa_in_between.py"


rule fig18_kl_vs_accuracy:
    input:
        table="results/{study}/analysis/class_accuracy.parquet",
        manifest="results/{study}/data/manifest.json",
    output:
        png=report(
            "results/{study}/figures/fig18_kl_vs_accuracy.png",
            caption="../report/fig18_kl_vs_accuracy.rst",
            category="{study}",
            subcategory="figures",
        ),
        pdf="results/{study}/figures/fig18_kl_vs_accuracy.pdf",
    log:
        "logs/{study}/figures/fig18_kl_vs_accuracy.log",
    conda:
        ANALYSIS_ENV
    params:
        dpi=config["figures"]["dpi"],
        skip_classes=config["figures"]["kl_vs_accuracy"]["skip_classes"],
    script:
        "../scripts/figures/fig18_kl_vs_accuracy.py"


rule fig13_kappa_vs_base_datasets:
    input:
        tables=expand("results/{study}/analysis/kappa_vs_base.parquet", study=STUDIES),
    output:
        png=report(
            "results/figures/fig13_kappa_vs_base_datasets.png",
            caption="../report/fig13_kappa_vs_base_datasets.rst",
            category="all studies",
            subcategory="figures",
        ),
        pdf="results/figures/fig13_kappa_vs_base_datasets.pdf",
    log:
        "logs/figures/fig13_kappa_vs_base_datasets.log",
    conda:
        ANALYSIS_ENV
    params:
        dpi=config["figures"]["dpi"],
        studies=list(STUDIES),
    script:
        "../scripts/figures/fig13_kappa_vs_base_datasets.py"


rule fig17_rsa_vs_base:
    input:
        table="results/{study}/analysis/rsa_vs_base.parquet",
    output:
        png=report(
            "results/{study}/figures/fig17_rsa_vs_base.png",
            caption="../report/fig17_rsa_vs_base.rst",
            category="{study}",
            subcategory="figures",
        ),
        pdf="results/{study}/figures/fig17_rsa_vs_base.pdf",
    log:
        "logs/{study}/figures/fig17_rsa_vs_base.log",
    conda:
        ANALYSIS_ENV
    params:
        dpi=config["figures"]["dpi"],
        layer=config["analysis"]["rsa"]["layer"],
        comparison=config["analysis"]["rsa"]["comparison"],
        images=config["analysis"]["rsa"]["images"],
    script:
        "../scripts/figures/fig17_rsa_vs_base.py"


rule fig17_rsa_matrix:
    input:
        table="results/{study}/analysis/rsa_conditions.parquet",
    output:
        png=report(
            "results/{study}/figures/fig17_rsa_matrix.png",
            caption="../report/fig17_rsa_matrix.rst",
            category="{study}",
            subcategory="figures",
        ),
        pdf="results/{study}/figures/fig17_rsa_matrix.pdf",
    log:
        "logs/{study}/figures/fig17_rsa_matrix.log",
    conda:
        ANALYSIS_ENV
    params:
        dpi=config["figures"]["dpi"],
        annotate=config["figures"]["kappa_matrix"]["annotate"],
        layer=config["analysis"]["rsa"]["layer"],
        comparison=config["analysis"]["rsa"]["comparison"],
        images=config["analysis"]["rsa"]["images"],
    script:
        "../scripts/figures/fig17_rsa_matrix.py"
