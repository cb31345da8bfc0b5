"""Pairs of one trivial and one impossible image for the human experiment."""

import pandas as pd

from ddd.atomic import atomic_path
from ddd.experiment import pairs
from ddd.logs import to_file

smk = snakemake

with to_file(smk.log[0]) as log:
    atlas = pd.read_parquet(smk.input.atlas)
    chosen = pairs.select_pairs(atlas, smk.params.pairs, smk.params.seed, smk.params.tolerance)
    with atomic_path(smk.output.pairs) as tmp:
        chosen.to_csv(tmp, index=False)
    log.info("%d pairs (%d of the same class) from %d classes", len(chosen),
             chosen["same_class"].sum(),
             pd.concat([chosen["trivial_label"], chosen["impossible_label"]]).nunique())
    if len(chosen) < smk.params.pairs:
        kinds = pd.Series(pairs.categories(atlas, smk.params.tolerance)).value_counts()
        log.warning("asked for %d pairs, but the atlas allows only %d: %d trivial and %d "
                    "impossible images at tolerance %d", smk.params.pairs, len(chosen),
                    kinds.get("trivial", 0), kinds.get("impossible", 0), smk.params.tolerance)
