rule dataset:
    output:
        data="results/{study}/data/dataset.npz",
        manifest="results/{study}/data/manifest.json",
    params:
        spec=dataset_spec,
    log:
        "logs/{study}/dataset.log",
    script:
        "../scripts/dataset.py"
