"""One given run's standard decision table, its ids and labels mapped as the study's
identity file says (ddd.given_study)."""

from ddd import given_study
from ddd.datasets.arrays import read_manifest
from ddd.logs import to_file

smk = snakemake

with to_file(smk.log[0]) as log:
    name, path = smk.params.name, smk.params.path
    table = given_study.run_decisions(smk.params.spec, name, path)
    out = given_study.decision_table(table, read_manifest(smk.input.manifest), path)
    given_study.write_run(smk.output[0], out, smk.params.run, name, path)
    log.info("%s (%s): %d rows", name, path, out.num_rows)
