"""One given run's standard decision table, its ids and labels mapped as the study's
identity file says (ddd.given.planning)."""

from ddd.datasets.arrays import read_manifest
from ddd.given import planning
from ddd.io.logs import to_file

smk = snakemake

with to_file(smk.log[0]) as log:
    name, path = smk.params.name, smk.params.path
    table = planning.run_decisions(smk.params.spec, name, path)
    out = planning.decision_table(table, read_manifest(smk.input.manifest), path)
    planning.write_run(smk.output[0], out, smk.params.run, name, path)
    log.info("%s (%s): %d rows", name, path, out.num_rows)
