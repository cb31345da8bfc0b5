# ddd-workflow: how similarly do neural networks err, image by image?
# Run: snakemake --cores all            (embedded default: config.yaml)
#      snakemake --cores all --configfile config/<study>.yaml   (replaces config.yaml)


from snakemake.utils import min_version

min_version("9.0")


if not workflow.overwrite_configfiles:

    configfile: "config.yaml"


report: "workflow/report/workflow.rst"


include: "workflow/rules/common.smk"
include: "workflow/rules/datasets.smk"
include: "workflow/rules/train.smk"
include: "workflow/rules/infer.smk"
include: "workflow/rules/references.smk"
include: "workflow/rules/analysis.smk"
include: "workflow/rules/scaling.smk"
include: "workflow/rules/figures.smk"
include: "workflow/rules/representations.smk"
include: "workflow/rules/experiment.smk"
include: "workflow/rules/confusion.smk"
include: "workflow/rules/given.smk"


rule all:
    default_target: True
    input:
        all_targets(),
        experiment_targets(),
        confusion.targets(CONFUSION),


onsuccess:
    print_summaries()
