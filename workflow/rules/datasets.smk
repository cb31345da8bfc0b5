rule dataset:
    output:
        data="results/{study}/data/dataset.npz",
        manifest="results/{study}/data/manifest.json",
    params:
        spec=lambda wc: config["studies"][wc.study]["dataset"],
    log:
        "logs/{study}/dataset.log",
    script:
        "../scripts/dataset.py"
