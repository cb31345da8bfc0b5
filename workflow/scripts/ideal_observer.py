"""The Gaussian dataset's ideal observer: its decision table on the evaluation images."""

from ddd.analysis import ideal_observer
from ddd.io.logs import to_file

smk = snakemake

with to_file(smk.log[0]) as log:
    metadata = ideal_observer.write_decisions(
        smk.input.data, smk.input.manifest, smk.output[0], smk.wildcards.study,
        smk.params.dataset["kind"], condition=smk.wildcards.reference)
    log.info("%s: accuracy %.4f, %.1f s", smk.wildcards.reference,
             metadata["history"][0]["test_accuracy"], metadata["seconds"])
