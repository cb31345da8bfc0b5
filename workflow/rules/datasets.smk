rule dataset:
    output:
        data="results/{study}/data/dataset.npz",
        manifest="results/{study}/data/manifest.json",
    log:
        "logs/{study}/dataset.log",
    conda:
        # torch and torchvision: ImageNet's index reads its images with them
        TRAIN_ENV
    params:
        spec=dataset_spec,
    script:
        "../scripts/dataset.py"
