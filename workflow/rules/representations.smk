rule features:
    input:
        unpack(image_store),
        data="results/{study}/data/dataset.npz",
        manifest="results/{study}/data/manifest.json",
        model="results/{study}/models/{run}.pt",
        decisions="results/{study}/decisions/{run}.parquet",
    output:
        "results/{study}/features/{run}.npz",
    log:
        "logs/{study}/features/{run}.log",
    benchmark:
        "results/{study}/benchmarks/features/{run}.tsv"
    wildcard_constraints:
        run=one_of(TRAINED_IDS),
    conda:
        TRAIN_ENV
    threads: GPU_THREADS
    resources:
        **GPU_JOB,
    params:
        recipe=run_recipe,
        device=config["train"]["device"],
        eval_batch_size=config["train"]["eval_batch_size"],
        workers=loader_workers,
        layer=config["analysis"]["rsa"]["layer"],
        images=config["analysis"]["rsa"]["images"],
        seed=config["analysis"]["rsa"]["seed"],
    script:
        "../scripts/features.py"


rule rsa:
    input:
        unpack(feature_files),
    output:
        pairs="results/{study}/analysis/rsa_pairs.parquet",
        vs_base="results/{study}/analysis/rsa_vs_base.parquet",
        conditions="results/{study}/analysis/rsa_conditions.parquet",
    log:
        "logs/{study}/rsa.log",
    conda:
        ANALYSIS_ENV
    params:
        runs=run_table,
        base_condition=lambda wc: STUDIES[wc.study].base_condition,
        within_conditions=within_conditions,
        comparison=config["analysis"]["rsa"]["comparison"],
    script:
        "../scripts/rsa.py"


rule label_errors:
    input:
        unpack(label_error_inputs),
        correct="results/{study}/analysis/correctness.parquet",
    output:
        "results/{study}/analysis/label_errors.parquet",
    log:
        "logs/{study}/label_errors.log",
    conda:
        ANALYSIS_ENV
    params:
        source=lambda wc: label_errors_spec(wc)["source"],
        filter_by=lambda wc: label_errors_spec(wc).get("filter_by"),
        format=lambda wc: label_errors_spec(wc).get("format"),
        runs=lambda wc: STUDIES[wc.study].run_ids,
    script:
        "../scripts/label_errors.py"
