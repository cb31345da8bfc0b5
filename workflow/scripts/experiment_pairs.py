"""Pairs of one trivial and one impossible image for the human experiment."""

import pandas as pd

from ddd.experiment import pairs
from ddd.io.atomic import atomic_path
from ddd.io.logs import to_file

smk = snakemake

with to_file(smk.log[0]) as log:
    images = pd.read_parquet(smk.input.images)
    tolerance = smk.params.tolerance  # None: the image table's own categories
    chosen = pairs.select_pairs(images, smk.params.pairs, smk.params.seed, tolerance)
    with atomic_path(smk.output.pairs) as tmp:
        chosen.to_csv(tmp, index=False)
    log.info("%d pairs (%d of the same class) from %d classes", len(chosen),
             chosen["same_class"].sum(),
             pd.concat([chosen["trivial_label"], chosen["impossible_label"]]).nunique())
    if len(chosen) < smk.params.pairs:
        kinds = pd.Series(pairs.categories(images, tolerance)).value_counts()
        log.warning("asked for %d pairs, but the image table allows only %d: %d trivial and "
                    "%d impossible images at tolerance %s", smk.params.pairs, len(chosen),
                    kinds.get("trivial", 0), kinds.get("impossible", 0),
                    images["tolerance"].iloc[0] if tolerance is None else tolerance)
