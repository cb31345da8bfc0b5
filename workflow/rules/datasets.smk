rule dataset:
    output:
        data="results/{study}/data/dataset.npz",
        manifest="results/{study}/data/manifest.json",
    log:
        "logs/{study}/dataset.log",
    conda:
        "../../envs/analysis.yaml"
    params:
        spec=dataset_spec,
    script:
        "../scripts/dataset.py"
