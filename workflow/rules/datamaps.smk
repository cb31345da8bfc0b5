# Data maps (docs/datamaps.md): studies whose decision tables record p_true and margin.


rule datamaps:
    input:
        unpack(decision_tables),
        unpack(image_flags),
        images="results/{study}/analysis/images.parquet",
    output:
        maps="results/{study}/analysis/datamaps.parquet",
        regions="results/{study}/tables/datamap_regions.csv",
        auc="results/{study}/tables/datamap_auc.csv",
    log:
        "logs/{study}/datamaps.log",
    conda:
        ANALYSIS_ENV
    params:
        runs=lambda wc: STUDIES[wc.study].run_ids,
        histogram_runs=histogram_runs,
        confidence=config["analysis"]["datamaps"]["confidence"],
        variability=config["analysis"]["datamaps"]["variability"],
        flag_column=flag_column,
        flag_format=flag_format,
    script:
        "../scripts/datamaps.py"
