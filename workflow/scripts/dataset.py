"""Build a study's dataset file and manifest."""

from ddd.datasets.prepare import prepare
from ddd.io.logs import to_file

smk = snakemake

with to_file(smk.log[0]) as log:
    sizes = prepare(dict(smk.params.spec), smk.output.data, smk.output.manifest)
    for name, images in sizes.items():
        log.info("%s: %d images", name, images)
