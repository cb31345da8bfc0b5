# Class-confusion experiments (docs/methods.md, "Class confusion"): studies with a `confusion:`
# section train R repeats per confused pair (A, B) and R controls, one job each.

from ddd.confusion import design

CONFUSION = {name: STUDIES[name].confusion for name in PLAN.confusion_studies}
CONFUSION_STUDIES = one_of(CONFUSION)  # rules below match only these


rule confusion_train:
    input:
        data="results/{study}/data/dataset.npz",
        manifest="results/{study}/data/manifest.json",
    output:
        decisions="results/{study}/confusion/decisions/{pair}/{repeat}.parquet",
    log:
        "logs/{study}/confusion/train/{pair}/{repeat}.log",
    wildcard_constraints:
        study=CONFUSION_STUDIES,
        pair=r"control|[0-9]+-[0-9]+",
        repeat=r"[0-9]+",
    conda:
        TRAIN_ENV
    threads: GPU_THREADS
    resources:
        **GPU_JOB,
    params:
        recipe=lambda wc: STUDIES[wc.study]
        .confusion_recipe(wc.pair, int(wc.repeat))
        .as_dict(),
        classes=lambda wc: list(CONFUSION[wc.study].classes),
        train_per_class=lambda wc: CONFUSION[wc.study].train_per_class,
        # controls do not depend on both_ways, so changing it reruns only the pairs
        both_ways=lambda wc: wc.pair != design.CONTROL and CONFUSION[wc.study].both_ways,
        dataset=lambda wc: STUDIES[wc.study].kind,
        device=config["train"]["device"],
        eval_batch_size=config["train"]["eval_batch_size"],
        precision=config["train"]["precision"],
        channels_last=config["train"]["channels_last"],
        checkpoint="results/{study}/confusion/checkpoints/{pair}/{repeat}.pt",
    script:
        "../scripts/train_confusion.py"


rule confusion_effects:
    input:
        tables=lambda wc: CONFUSION[wc.study].decision_tables(wc.study),
        manifest="results/{study}/data/manifest.json",
    output:
        scores="results/{study}/confusion/class_scores.parquet",
        effects="results/{study}/confusion/effects.parquet",
        table=report(
            "results/{study}/confusion/effects.csv",
            caption="../report/confusion_table.rst",
            category="{study}",
            subcategory="class confusion",
        ),
    log:
        "logs/{study}/confusion/effects.log",
    wildcard_constraints:
        study=CONFUSION_STUDIES,
    conda:
        ANALYSIS_ENV
    params:
        alpha=lambda wc: CONFUSION[wc.study].alpha,
        correction=lambda wc: CONFUSION[wc.study].correction,
        both_ways=lambda wc: CONFUSION[wc.study].both_ways,
    script:
        "../scripts/confusion_effects.py"
