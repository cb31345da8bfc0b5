rule train:
    input:
        unpack(image_store),
        data="results/{study}/data/dataset.npz",
        manifest="results/{study}/data/manifest.json",
    output:
        decisions="results/{study}/decisions/{run}.parquet",
        model="results/{study}/models/{run}.pt",
    log:
        "logs/{study}/train/{run}.log",
    benchmark:
        "results/{study}/benchmarks/train/{run}.tsv"
    wildcard_constraints:
        run=one_of(TRAINED_IDS),
    conda:
        TRAIN_ENV
    threads: GPU_THREADS
    resources:
        **GPU_JOB,
    params:
        recipe=run_recipe,
        run=run_info,
        dataset=lambda wc: STUDIES[wc.study].kind,
        device=config["train"]["device"],
        eval_batch_size=config["train"]["eval_batch_size"],
        confidence=config["train"]["confidence"],
        precision=config["train"]["precision"],
        channels_last=config["train"]["channels_last"],
        workers=loader_workers,
        checkpoint="results/{study}/checkpoints/{run}.pt",
    script:
        "../scripts/train.py"
