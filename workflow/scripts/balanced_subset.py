"""Image ids whose difficulty histogram is flat: equally many images per number of runs
right."""

import pandas as pd

from ddd.analysis import dynamics
from ddd.io.atomic import atomic_path
from ddd.io.logs import to_file

smk = snakemake

with to_file(smk.log[0]) as log:
    images = pd.read_parquet(smk.input.images)
    subset = dynamics.balanced_subset(images, smk.params.per_bin, smk.params.seed)
    with atomic_path(smk.output[0]) as tmp:
        subset.to_parquet(tmp, index=False)
    per_bin = subset["n_correct"].value_counts().sort_index()
    log.info("%d images; per number of runs right: %s", len(subset), per_bin.to_dict())
    empty = dynamics.empty_bins(images)
    if empty:
        log.warning("no image has %s runs right: the subset is flat over the other bins",
                    empty)
