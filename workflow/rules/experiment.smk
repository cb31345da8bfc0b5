# The human experiment (paper section 3.3, appendix B.4): pairs, page and stimuli are
# built by default; scoring is the named target `score_experiment` once answer files lie
# in each study's responses folder (config experiment.responses).


rule experiment_pairs:
    input:
        images="results/{study}/analysis/images.parquet",
    output:
        pairs="results/{study}/experiment/pairs.csv",
    log:
        "logs/{study}/experiment/pairs.log",
    conda:
        ANALYSIS_ENV
    params:
        pairs=config["experiment"]["pairs"],
        seed=config["experiment"]["seed"],
        tolerance=PLAN.experiment_tolerance,
    script:
        "../scripts/experiment_pairs.py"


rule experiment_page:
    input:
        pairs="results/{study}/experiment/pairs.csv",
        data="results/{study}/data/dataset.npz",
        data_manifest="results/{study}/data/manifest.json",
    output:
        page="results/{study}/experiment/index.html",
        manifest="results/{study}/experiment/manifest.json",
        stimuli=directory("results/{study}/experiment/stimuli"),
        png=report(
            "results/{study}/figures/fig12_experiment_pairs.png",
            caption="../report/fig12_experiment_pairs.rst",
            category="{study}",
            subcategory="figures",
        ),
        pdf="results/{study}/figures/fig12_experiment_pairs.pdf",
    log:
        "logs/{study}/experiment/page.log",
    conda:
        ANALYSIS_ENV
    params:
        display_size=config["experiment"]["display_size"],
        selection={
            "pairs": config["experiment"]["pairs"],
            "seed": config["experiment"]["seed"],
            "tolerance": PLAN.experiment_tolerance,
        },
        figure_pairs=config["experiment"]["figure_pairs"],
        dpi=config["figures"]["dpi"],
    script:
        "../scripts/experiment_page.py"


rule experiment_scores:
    input:
        manifest="results/{study}/experiment/manifest.json",
        responses=experiment_responses,
    output:
        subjects="results/{study}/experiment/scores/subjects.csv",
        kappa="results/{study}/experiment/scores/kappa.csv",
        responses="results/{study}/experiment/scores/responses.csv",
        summary="results/{study}/experiment/scores/summary.txt",
        png="results/{study}/experiment/scores/scores.png",
        pdf="results/{study}/experiment/scores/scores.pdf",
    log:
        "logs/{study}/experiment/scores.log",
    conda:
        ANALYSIS_ENV
    params:
        dpi=config["figures"]["dpi"],
    script:
        "../scripts/experiment_scores.py"


rule score_experiment:
    input:
        scored_studies,
