# Class-confusion experiments (README, "Class confusion"): studies with a `confusion:`
# section train R repeats per confused pair (A, B) and R controls, one job each.

from ddd import confusion

CONFUSION = {
    name: confusion.build_spec(
        spec["confusion"], confusion.dataset_classes(spec["dataset"])
    )
    for name, spec in config["studies"].items()
    if "confusion" in spec
}


def confusion_spec(wildcards):
    """The study's confusion spec; the pair and repeat must be among its runs."""
    spec = CONFUSION.get(wildcards.study)
    if spec is None:
        raise ValueError(f"study {wildcards.study!r} has no confusion section in the config")
    if wildcards.pair not in spec.pair_ids or not 1 <= int(wildcards.repeat) <= spec.repeats:
        raise ValueError(
            f"study {wildcards.study!r}: no confusion run {wildcards.pair}/"
            f"{wildcards.repeat}; pairs {spec.pair_ids}, repeats 1..{spec.repeats}"
        )
    return spec


def confusion_recipe(wildcards):
    """Study recipe, confusion changes and the repeat's seeds; key-sorted."""
    recipe = confusion_spec(wildcards).repeat_recipe(
        config["studies"][wildcards.study]["recipe"], int(wildcards.repeat)
    )
    return dict(sorted(recipe.items()))


def confusion_decision_tables(wildcards):
    spec = CONFUSION[wildcards.study]
    return [
        f"results/{wildcards.study}/confusion/decisions/{pair}/{repeat}.parquet"
        for pair in spec.pair_ids
        for repeat in range(1, spec.repeats + 1)
    ]


def confusion_targets():
    """The confusion table and figures (PNG and PDF) of every study that configures it."""
    targets = []
    for name in CONFUSION:
        targets.append(f"results/{name}/confusion/effects.csv")
        targets += [
            f"results/{name}/confusion/figures/{fig}.{ext}"
            for fig in ("confusion_effects", "confusion_information")
            for ext in ("png", "pdf")
        ]
    return targets


rule confusion_train:
    input:
        data="results/{study}/data/dataset.npz",
        manifest="results/{study}/data/manifest.json",
    output:
        decisions="results/{study}/confusion/decisions/{pair}/{repeat}.parquet",
    log:
        "logs/{study}/confusion/train/{pair}/{repeat}.log",
    wildcard_constraints:
        pair=r"control|[0-9]+-[0-9]+",
        repeat=r"[0-9]+",
    conda:
        "../../envs/train.yaml"
    threads: config["train"]["threads"]
    resources:
        gpu=1,
    params:
        recipe=confusion_recipe,
        classes=lambda wc: list(confusion_spec(wc).classes),
        train_per_class=lambda wc: confusion_spec(wc).train_per_class,
        # controls do not depend on both_ways, so changing it reruns only the pairs
        both_ways=lambda wc: wc.pair != confusion.CONTROL
        and confusion_spec(wc).both_ways,
        dataset=lambda wc: STUDIES[wc.study].dataset["kind"],
        device=config["train"]["device"],
        eval_batch_size=config["train"]["eval_batch_size"],
        checkpoint="results/{study}/confusion/checkpoints/{pair}/{repeat}.pt",
    script:
        "../scripts/train_confusion.py"


rule confusion_effects:
    input:
        tables=confusion_decision_tables,
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
    conda:
        "../../envs/analysis.yaml"
    params:
        alpha=lambda wc: CONFUSION[wc.study].alpha,
        correction=lambda wc: CONFUSION[wc.study].correction,
        both_ways=lambda wc: CONFUSION[wc.study].both_ways,
    script:
        "../scripts/confusion_effects.py"


rule confusion_fig_effects:
    input:
        effects="results/{study}/confusion/effects.parquet",
        manifest="results/{study}/data/manifest.json",
    output:
        png=report(
            "results/{study}/confusion/figures/confusion_effects.png",
            caption="../report/confusion_effects.rst",
            category="{study}",
            subcategory="class confusion",
        ),
        pdf="results/{study}/confusion/figures/confusion_effects.pdf",
    log:
        "logs/{study}/confusion/fig_effects.log",
    conda:
        "../../envs/analysis.yaml"
    params:
        dpi=config["figures"]["dpi"],
        both_ways=lambda wc: CONFUSION[wc.study].both_ways,
        correction=lambda wc: CONFUSION[wc.study].correction,
    script:
        "../scripts/figures/confusion_effects.py"


rule confusion_fig_information:
    input:
        effects="results/{study}/confusion/effects.parquet",
        manifest="results/{study}/data/manifest.json",
    output:
        png=report(
            "results/{study}/confusion/figures/confusion_information.png",
            caption="../report/confusion_information.rst",
            category="{study}",
            subcategory="class confusion",
        ),
        pdf="results/{study}/confusion/figures/confusion_information.pdf",
    log:
        "logs/{study}/confusion/fig_information.log",
    conda:
        "../../envs/analysis.yaml"
    params:
        dpi=config["figures"]["dpi"],
        both_ways=lambda wc: CONFUSION[wc.study].both_ways,
    script:
        "../scripts/figures/confusion_information.py"
