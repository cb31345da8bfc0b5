"""The histogram of correct runs per image against its references, and the shares."""

import pandas as pd

from ddd.analysis import tabulate
from ddd.flags import read_flags
from ddd.io.atomic import atomic_path
from ddd.io.logs import to_file

smk = snakemake

with to_file(smk.log[0]) as log:
    images = pd.read_parquet(smk.input.images)
    chosen = list(smk.params.histogram_runs)
    accuracy = pd.read_parquet(smk.input.runs).set_index("run").loc[chosen, "accuracy"]
    flags = None
    if hasattr(smk.input, "flags"):  # the study configures image_flags
        flags = read_flags(smk.input.flags, smk.params.flag_column,
                           images["image_id"].to_numpy(), smk.params.flag_format)
        log.info("%d of %d images flagged (%s)", flags.sum(), flags.size,
                 smk.params.flag_column)
    histogram, shares = tabulate.difficulty_tables(images, accuracy.to_numpy(),
                                                   smk.params.shares_all_but, flags=flags)
    for name, frame in {"histogram": histogram, "shares": shares}.items():
        with atomic_path(smk.output[name]) as tmp:
            frame.to_parquet(tmp, index=False)
    log.info("histogram over %d runs: %s", len(chosen), ", ".join(chosen))
