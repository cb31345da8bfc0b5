# Data maps (docs/datamaps.md): studies whose decision tables record p_true and margin.


def datamap_studies():
    """Studies with data maps: every trained or pretrained study when train.confidence."""
    if not config["train"]["confidence"]:
        return []
    return [name for name, study in MAIN_STUDIES.items() if not study.given]


def datamap_targets():
    """The data maps' tables and figure of every study that has them."""
    figure = plots.figures()["fig_data_map"]
    return [
        path.format(study=name)
        for name in datamap_studies()
        for path in (
            "results/{study}/tables/datamap_regions.csv",
            "results/{study}/tables/datamap_auc.csv",
            figure.output("png"),
            figure.output("pdf"),
        )
    ]


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
