# Acceptable labels (docs/acceptable-labels.md): rectified correctness, the original
# analyses run again on it, the two side by side, and why images are impossible. Only
# the rectified jobs read the acceptable-labels file, so changing it reruns only them.


rule rectified_correctness:
    input:
        unpack(decision_tables),
        manifest="results/{study}/data/manifest.json",
        acceptable=acceptable_file,
    output:
        acceptable=f"{RECTIFIED}/acceptable.parquet",
        runs=f"{RECTIFIED}/runs.parquet",
        correct=f"{RECTIFIED}/correctness.parquet",
        accuracy=f"{RECTIFIED}/accuracy.parquet",
        images=f"{RECTIFIED}/per_image.parquet",
    log:
        "logs/{study}/rectified/correctness.log",
    wildcard_constraints:
        study=ACCEPTABLE_STUDIES,
    conda:
        ANALYSIS_ENV
    params:
        runs=lambda wc: STUDIES[wc.study].run_ids,
        format=lambda wc: STUDIES[wc.study].acceptable["format"],
        histogram_runs=histogram_runs,
    script:
        "../scripts/rectified_correctness.py"


use rule image_table as rectified_image_table with:
    input:
        correct=f"{RECTIFIED}/correctness.parquet",
    output:
        f"{RECTIFIED}/images.parquet",
    log:
        "logs/{study}/rectified/image_table.log",
    wildcard_constraints:
        study=ACCEPTABLE_STUDIES,


use rule difficulty as rectified_difficulty with:
    input:
        runs=f"{RECTIFIED}/runs.parquet",
        images=f"{RECTIFIED}/images.parquet",
    output:
        histogram=f"{RECTIFIED}/histogram.parquet",
        shares=f"{RECTIFIED}/shares.parquet",
    log:
        "logs/{study}/rectified/difficulty.log",
    wildcard_constraints:
        study=ACCEPTABLE_STUDIES,
    params:
        histogram_runs=histogram_runs,
        shares_all_but=config["analysis"]["difficulty"]["shares_all_but"],
        flag_column=None,
        flag_format=None,


use rule kappa as rectified_kappa with:
    input:
        runs=f"{RECTIFIED}/runs.parquet",
        correct=f"{RECTIFIED}/correctness.parquet",
        images=f"{RECTIFIED}/images.parquet",
    output:
        pairs=f"{RECTIFIED}/kappa_pairs.parquet",
        vs_base=f"{RECTIFIED}/kappa_vs_base.parquet",
        conditions=f"{RECTIFIED}/kappa_conditions.parquet",
        reference=f"{RECTIFIED}/kappa_difficulty.parquet",
    log:
        "logs/{study}/rectified/kappa.log",
    wildcard_constraints:
        study=ACCEPTABLE_STUDIES,


rule rectified_tables:
    input:
        acceptable=f"{RECTIFIED}/acceptable.parquet",
        accuracy=f"{RECTIFIED}/accuracy.parquet",
        original_images="results/{study}/analysis/images.parquet",
        rectified_images=f"{RECTIFIED}/images.parquet",
        original_shares="results/{study}/analysis/shares.parquet",
        rectified_shares=f"{RECTIFIED}/shares.parquet",
        original_vs_base="results/{study}/analysis/kappa_vs_base.parquet",
        rectified_vs_base=f"{RECTIFIED}/kappa_vs_base.parquet",
        original_reference="results/{study}/analysis/kappa_difficulty.parquet",
        rectified_reference=f"{RECTIFIED}/kappa_difficulty.parquet",
    output:
        comparison="results/{study}/tables/rectified.csv",
        accuracy="results/{study}/tables/rectified_accuracy.csv",
        transitions=f"{RECTIFIED}/transitions.csv",
        summary=f"{RECTIFIED}/summary.txt",
    log:
        "logs/{study}/rectified/tables.log",
    wildcard_constraints:
        study=ACCEPTABLE_STUDIES,
    conda:
        ANALYSIS_ENV
    script:
        "../scripts/rectified_tables.py"


rule impossible_causes:
    input:
        unpack(image_flags),
        unpack(rectified_per_image),
        images="results/{study}/analysis/images.parquet",
    output:
        "results/{study}/tables/impossible_causes.csv",
    log:
        "logs/{study}/impossible_causes.log",
    conda:
        ANALYSIS_ENV
    params:
        flag_column=flag_column,
        flag_format=flag_format,
    script:
        "../scripts/impossible_causes.py"


rule review_page:
    input:
        unpack(histogram_decision_tables),
        images="results/{study}/analysis/images.parquet",
        data="results/{study}/data/dataset.npz",
        data_manifest="results/{study}/data/manifest.json",
    output:
        page="results/{study}/review/index.html",
        manifest="results/{study}/review/manifest.json",
        stimuli=directory("results/{study}/review/stimuli"),
    log:
        "logs/{study}/review/page.log",
    conda:
        ANALYSIS_ENV
    params:
        runs=histogram_runs,
        images=config["review"]["images"],
        display_size=config["experiment"]["display_size"],
    script:
        "../scripts/review_page.py"


rule review_scores:
    input:
        manifest="results/{study}/review/manifest.json",
        responses=review_responses,
    output:
        acceptable="results/{study}/review/acceptable.csv",
        agreement="results/{study}/review/agreement.csv",
        reviews="results/{study}/review/reviews.csv",
        summary="results/{study}/review/summary.txt",
    log:
        "logs/{study}/review/scores.log",
    conda:
        ANALYSIS_ENV
    params:
        rule=config["review"]["rule"],
    script:
        "../scripts/review_scores.py"
