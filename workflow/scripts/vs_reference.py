"""Every run against every reference decision maker: kappa, relative accuracy, shared
errors, per-class accuracy, and the part of each histogram bar the reference gets right."""

from ddd.analysis import references
from ddd.datasets.arrays import read_manifest
from ddd.io.atomic import atomic_path
from ddd.io.logs import to_file

smk = snakemake

with to_file(smk.log[0]):
    tables = references.study_tables(
        smk.input.runs, smk.input.correct, smk.input.images,
        {name: smk.input[name] for name in smk.params.references}, smk.wildcards.study,
        read_manifest(smk.input.manifest)["sha256"], smk.params.bootstrap)
    for name, frame in tables.items():
        with atomic_path(smk.output[name]) as tmp:
            frame.to_parquet(tmp, index=False)
    with atomic_path(smk.output.table) as tmp:
        tables["runs"].to_csv(tmp, index=False, float_format="%.4f")
