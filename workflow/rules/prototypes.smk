# What the models see (docs/what-models-see.md): prototypes and criticisms of every class
# (MMD-critic) on each run's stored features, with their enrichment among difficulty
# categories and a trivial-vs-impossible kernel two-sample test.


def mmd_critic_studies():
    """Studies whose runs all have features: trained, not given, no pretrained runs."""
    return [
        name
        for name, study in MAIN_STUDIES.items()
        if not study.given and not study.inferred
    ]


def prototype_targets():
    """The MMD-critic tables of every study with trained runs."""
    return [
        f"results/{name}/{file}"
        for name in mmd_critic_studies()
        for file in (
            "analysis/mmd_critic.parquet",
            "analysis/mmd_two_sample.parquet",
            "tables/mmd_enrichment.csv",
        )
    ]


rule mmd_critic:
    input:
        unpack(feature_files),
        images="results/{study}/analysis/images.parquet",
    output:
        selection="results/{study}/analysis/mmd_critic.parquet",
        two_sample="results/{study}/analysis/mmd_two_sample.parquet",
        enrichment="results/{study}/tables/mmd_enrichment.csv",
    log:
        "logs/{study}/mmd_critic.log",
    conda:
        ANALYSIS_ENV
    params:
        runs=lambda wc: STUDIES[wc.study].run_ids,
        settings=config["analysis"]["mmd_critic"],
    script:
        "../scripts/mmd_critic.py"
