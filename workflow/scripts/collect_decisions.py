"""Line up every run's final-epoch decisions: run table and correctness matrix."""

from ddd import collect
from ddd.datasets.arrays import read_manifest
from ddd.io.atomic import atomic_path
from ddd.io.logs import to_file

smk = snakemake

with to_file(smk.log[0]) as log:
    runs, correct = collect.final_epoch(
        {run: smk.input[run] for run in smk.params.runs}, smk.wildcards.study,
        read_manifest(smk.input.manifest)["sha256"])
    for path, frame in ((smk.output.runs, runs), (smk.output.correct, correct)):
        with atomic_path(path) as tmp:
            frame.to_parquet(tmp)
    log.info("%d runs x %d images, mean accuracy %.4f", len(runs), len(correct),
             runs["accuracy"].mean())
