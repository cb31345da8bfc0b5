# What the models see (docs/what-models-see.md): prototypes and criticisms of every class
# (MMD-critic) on each run's stored features, with their enrichment among difficulty
# categories and a trivial-vs-impossible kernel two-sample test; attribution maps (captum)
# of a sample of images, compared between runs beside their kappa; and the planted
# shortcut's kappas on clean and cue-conflict images.


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
    benchmark:
        "results/{study}/benchmarks/mmd_critic.tsv"
    conda:
        ANALYSIS_ENV
    params:
        runs=lambda wc: STUDIES[wc.study].run_ids,
        settings=config["analysis"]["mmd_critic"],
    script:
        "../scripts/mmd_critic.py"


rule shortcut:
    input:
        unpack(decision_tables),
        manifest="results/{study}/data/manifest.json",
        selection="results/{study}/analysis/mmd_critic.parquet",
    output:
        pairs="results/{study}/analysis/shortcut_pairs.parquet",
        kappa="results/{study}/tables/shortcut_kappa.csv",
        runs="results/{study}/tables/shortcut_runs.csv",
    log:
        "logs/{study}/shortcut.log",
    wildcard_constraints:
        study=one_of(shortcut_studies()),
    conda:
        ANALYSIS_ENV
    params:
        runs=lambda wc: STUDIES[wc.study].run_ids,
        cue_runs=cue_runs,
    script:
        "../scripts/shortcut.py"


rule explain:
    input:
        data="results/{study}/data/dataset.npz",
        manifest="results/{study}/data/manifest.json",
        model="results/{study}/models/{run}.pt",
        decisions="results/{study}/decisions/{run}.parquet",
        images="results/{study}/analysis/images.parquet",
    output:
        "results/{study}/explanations/{run}.npz",
    log:
        "logs/{study}/explanations/{run}.log",
    benchmark:
        "results/{study}/benchmarks/explain/{run}.tsv"
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
        per_category=config["analysis"]["explanations"]["per_category"],
        conflicts=config["analysis"]["explanations"]["conflicts"],
        seed=config["analysis"]["explanations"]["seed"],
        steps=config["analysis"]["explanations"]["steps"],
    script:
        "../scripts/explain.py"


rule explanation_pairs:
    input:
        unpack(explanation_files),
        kappa="results/{study}/analysis/kappa_pairs.parquet",
        manifest="results/{study}/data/manifest.json",
    output:
        pairs="results/{study}/analysis/explanation_pairs.parquet",
        table="results/{study}/tables/explanation_pairs.csv",
        patch="results/{study}/tables/explanation_patch.csv",
    log:
        "logs/{study}/explanation_pairs.log",
    benchmark:
        "results/{study}/benchmarks/explanation_pairs.tsv"
    conda:
        ANALYSIS_ENV
    params:
        runs=explained_runs,
    script:
        "../scripts/explanation_pairs.py"


rule explanation_figures:
    input:
        unpack(explanation_files),
        pairs="results/{study}/analysis/explanation_pairs.parquet",
        images="results/{study}/analysis/images.parquet",
        data="results/{study}/data/dataset.npz",
        manifest="results/{study}/data/manifest.json",
    output:
        grid="results/{study}/figures/fig_explanations.png",
        grid_pdf="results/{study}/figures/fig_explanations.pdf",
        scatter="results/{study}/figures/fig_explanations_vs_kappa.png",
        scatter_pdf="results/{study}/figures/fig_explanations_vs_kappa.pdf",
    log:
        "logs/{study}/figures/explanation_figures.log",
    benchmark:
        "results/{study}/benchmarks/explanation_figures.tsv"
    conda:
        ANALYSIS_ENV
    params:
        runs=explained_runs,
        dpi=config["figures"]["dpi"],
    script:
        "../scripts/explanation_figures.py"
