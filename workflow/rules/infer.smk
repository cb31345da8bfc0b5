rule infer:
    input:
        data="results/{study}/data/dataset.npz",
        manifest="results/{study}/data/manifest.json",
    output:
        decisions="results/{study}/decisions/{run}.parquet",
    log:
        "logs/{study}/infer/{run}.log",
    benchmark:
        "results/{study}/benchmarks/infer/{run}.tsv"
    wildcard_constraints:
        run=one_of(PRETRAINED_IDS),
    conda:
        TRAIN_ENV
    threads: GPU_THREADS
    resources:
        **GPU_JOB,
    params:
        model=pretrained_model,
        run=run_info,
        device=config["train"]["device"],
        eval_batch_size=config["train"]["eval_batch_size"],
        confidence=config["train"]["confidence"],
        workers=loader_workers,
    script:
        "../scripts/infer.py"
