# ddd-workflow: how similarly do neural networks err, image by image?
# Run: snakemake --cores all            (embedded default: config.yaml)
#      snakemake --cores all --configfile config/<study>.yaml   (replaces config.yaml)


import sys
from pathlib import Path

from snakemake.utils import min_version

min_version("9.0")

# The workflow's own package, ahead of any installed copy, here and in every job.
PACKAGE_DIR = str(Path(workflow.basedir) / "workflow")
sys.path.insert(0, PACKAGE_DIR)
import ddd
from ddd import plan, targets
from ddd.io import yamlfile

ddd.jobs_import_from(PACKAGE_DIR)


if not workflow.overwrite_configfiles:
    # A YAML error in config.yaml names the line here; Snakemake's message does not.
    if Path("config.yaml").is_file():
        yamlfile.read_config("config.yaml")

    configfile: "config.yaml"


report: "workflow/report/workflow.rst"


include: "workflow/rules/common.smk"
include: "workflow/rules/inputs.smk"
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
include: "workflow/rules/acceptable.smk"
include: "workflow/rules/datamaps.smk"
include: "workflow/rules/what_models_see.smk"
include: "workflow/rules/verify.smk"  # last: it lists every other stage's targets


rule all:
    default_target: True
    input:
        targets.default_targets(PLAN, config),
        acceptable_targets(),
        review_targets(),
        datamap_targets(),
        what_models_see_targets(),


onsuccess:
    print_summaries()
