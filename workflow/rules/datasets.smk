rule dataset:
    output:
        data="results/{study}/data/dataset.npz",
        manifest="results/{study}/data/manifest.json",
    log:
        "logs/{study}/dataset.log",
    benchmark:
        "results/{study}/benchmarks/dataset.tsv"
    conda:
        # torch and torchvision: ImageNet's index reads its images with them
        TRAIN_ENV
    params:
        spec=dataset_spec,
    script:
        "../scripts/dataset.py"


# The optional image store of a file dataset (dataset.store): its images shrunk and
# re-encoded once, in a few shard files, read by the training and features jobs.
rule image_store:
    input:
        data="results/{study}/data/dataset.npz",
        manifest="results/{study}/data/manifest.json",
    output:
        directory("results/{study}/data/store"),
    log:
        "logs/{study}/image_store.log",
    benchmark:
        "results/{study}/benchmarks/image_store.tsv"
    wildcard_constraints:
        study=one_of(STORE_STUDIES),
    conda:
        TRAIN_ENV
    threads: max(1, config["train"]["workers"])
    params:
        store=image_store_spec,
    script:
        "../scripts/image_store.py"
