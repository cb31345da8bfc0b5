"""The per-image difficulty table: runs right among the histogram runs, share right and
category (trivial / in-between / impossible) under config analysis.difficulty.tolerance."""

import pandas as pd

from ddd.analysis import difficulty
from ddd.io.atomic import atomic_path
from ddd.io.logs import to_file

smk = snakemake

with to_file(smk.log[0]) as log:
    correct = pd.read_parquet(smk.input.correct)
    try:
        images = difficulty.image_table(correct, list(smk.params.runs), smk.params.tolerance)
    except ValueError as err:
        raise ValueError(f"config analysis.difficulty.tolerance: {err}") from err
    with atomic_path(smk.output[0]) as tmp:
        images.to_parquet(tmp, index=False)
    log.info("%d images over %d runs at tolerance %d: %s", len(images), len(smk.params.runs),
             smk.params.tolerance, images["category"].value_counts().to_dict())
