# What the models see (docs/what-models-see.md): prototypes and criticisms of every class
# (MMD-critic) on each run's stored features, with their enrichment among difficulty
# categories and a trivial-vs-impossible kernel two-sample test; attribution maps (captum)
# of a sample of images, compared between runs beside their kappa; and the planted
# shortcut's kappas on clean and cue-conflict images.


def mmd_critic_studies():
    """Studies whose runs all have features: trained, not given, no pretrained runs."""
    return [
        name
        for name, study in MAIN_STUDIES.items()
        if not study.given and not study.pretrained_ids
    ]


def shortcut_studies():
    """Studies with a planted shortcut (dataset.shortcut) and trained runs."""
    return [
        name for name in mmd_critic_studies() if "shortcut" in STUDIES[name].dataset
    ]


def explained_run_ids(name):
    """The runs whose attribution maps are computed: the first analysis.explanations.runs
    runs of the study (null: all); none for file datasets."""
    study = STUDIES[name]
    if study.kind in plan.FILE_KINDS:
        return []
    count = config["analysis"]["explanations"]["runs"]
    return study.run_ids[:count] if count is not None else study.run_ids


def explained_runs(wildcards):
    return explained_run_ids(wildcards.study)


def explanation_files(wildcards):
    return {
        run: f"results/{wildcards.study}/explanations/{run}.npz"
        for run in explained_runs(wildcards)
    }


def explanation_studies():
    """Studies with at least two explained runs (a pair to compare)."""
    return [name for name in mmd_critic_studies() if len(explained_run_ids(name)) >= 2]


def what_models_see_targets():
    """The MMD-critic tables of every study with trained runs; the explanation tables of
    every study with two explained runs; the shortcut tables of every study with a planted
    shortcut."""
    return (
        [
            f"results/{name}/{file}"
            for name in explanation_studies()
            for file in (
                "tables/explanation_pairs.csv",
                "tables/explanation_patch.csv",
                "figures/fig_explanations.png",
            )
        ]
        + [
            f"results/{name}/{file}"
            for name in mmd_critic_studies()
            for file in (
                "analysis/mmd_critic.parquet",
                "analysis/mmd_two_sample.parquet",
                "tables/mmd_enrichment.csv",
            )
        ]
        + [
            f"results/{name}/tables/shortcut_{table}.csv"
            for name in shortcut_studies()
            for table in ("kappa", "runs")
        ]
    )


def cue_runs(wildcards):
    """The runs of a study trained with the planted cue (recipe shortcut: true)."""
    study = STUDIES[wildcards.study]
    return [run.run_id for run in study.runs if run.recipe and run.recipe.shortcut]


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
    conda:
        ANALYSIS_ENV
    params:
        runs=explained_runs,
        dpi=config["figures"]["dpi"],
    script:
        "../scripts/explanation_figures.py"
