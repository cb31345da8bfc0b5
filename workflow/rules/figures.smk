rule fig02_kappa_vs_base:
    input:
        "results/{study}/analysis/kappa_vs_base.parquet",
    output:
        "results/{study}/figures/fig02_kappa_vs_base.{ext}",
    log:
        "logs/{study}/figures/fig02_kappa_vs_base.{ext}.log",
    conda:
        "../../envs/analysis.yaml"
    params:
        dpi=config["figures"]["dpi"],
        ylim=config["figures"]["kappa_vs_base"]["ylim"],
    script:
        "../scripts/figures/fig02_kappa_vs_base.py"


rule fig03_histogram:
    input:
        "results/{study}/analysis/histogram.parquet",
    output:
        "results/{study}/figures/fig03_histogram.{ext}",
    log:
        "logs/{study}/figures/fig03_histogram.{ext}.log",
    conda:
        "../../envs/analysis.yaml"
    params:
        dpi=config["figures"]["dpi"],
        title=config["figures"]["histogram"]["title"],
    script:
        "../scripts/figures/fig03_histogram.py"


rule fig10_kappa_matrix:
    input:
        "results/{study}/analysis/kappa_conditions.parquet",
    output:
        "results/{study}/figures/fig10_kappa_matrix.{ext}",
    log:
        "logs/{study}/figures/fig10_kappa_matrix.{ext}.log",
    conda:
        "../../envs/analysis.yaml"
    params:
        dpi=config["figures"]["dpi"],
        annotate=config["figures"]["kappa_matrix"]["annotate"],
    script:
        "../scripts/figures/fig10_kappa_matrix.py"


rule fig16_kappa_in_between:
    input:
        "results/{study}/analysis/kappa_conditions.parquet",
    output:
        "results/{study}/figures/fig16_kappa_in_between.{ext}",
    log:
        "logs/{study}/figures/fig16_kappa_in_between.{ext}.log",
    conda:
        "../../envs/analysis.yaml"
    params:
        dpi=config["figures"]["dpi"],
        annotate=config["figures"]["kappa_matrix"]["annotate"],
    script:
        "../scripts/figures/fig16_kappa_in_between.py"
