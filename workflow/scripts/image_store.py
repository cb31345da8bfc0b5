"""Write a file dataset's image store: its images shrunk, re-encoded and sharded."""

from ddd.datasets import store
from ddd.io.logs import to_file

smk = snakemake

with to_file(smk.log[0]) as log:
    sizes = store.build(smk.input.data, smk.input.manifest, smk.output[0],
                        smk.params.store["quality"], smk.params.store["shard_mb"] << 20,
                        workers=smk.threads)
    for split, size in sizes.items():
        log.info("%s: %.1f MB", split, size / 1e6)
