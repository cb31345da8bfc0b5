"""Every run against every reference decision maker: kappa, relative accuracy, shared
errors, and per-class accuracy."""

from ddd import references
from ddd.atomic import atomic_path
from ddd.datasets.arrays import read_manifest
from ddd.logs import to_file

smk = snakemake

with to_file(smk.log[0]):
    per_run, per_class = references.study_tables(
        smk.input.runs, smk.input.correct,
        {name: smk.input[name] for name in smk.params.references}, smk.wildcards.study,
        read_manifest(smk.input.manifest)["sha256"], smk.params.bootstrap)
    for path, frame in ((smk.output.runs, per_run), (smk.output.classes, per_class)):
        with atomic_path(path) as tmp:
            frame.to_parquet(tmp, index=False)
    with atomic_path(smk.output.table) as tmp:
        per_run.to_csv(tmp, index=False, float_format="%.4f")
