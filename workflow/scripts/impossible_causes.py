"""Why the impossible and in-between images are so: label-error flags, acceptable
answers, both, neither (the causes the study knows)."""

import pandas as pd

from ddd.analysis import rectified
from ddd.flags import read_flags
from ddd.io.atomic import atomic_path
from ddd.io.logs import to_file

smk = snakemake

with to_file(smk.log[0]) as log:
    images = pd.read_parquet(smk.input.images)
    ids = images["image_id"].to_numpy()
    flags = (read_flags(smk.input.flags, smk.params.flag_column, ids, smk.params.flag_format)
             if hasattr(smk.input, "flags") else None)
    answered = left_out = None
    if hasattr(smk.input, "per_image"):
        per_image = pd.read_parquet(smk.input.per_image).set_index("image_id").loc[ids]
        answered = per_image["errors_accepted"].to_numpy() > 0
        left_out = per_image["acceptable"].to_numpy() == 0
    table = rectified.causes(images, flags, answered, left_out)
    with atomic_path(smk.output[0]) as tmp:
        table.to_csv(tmp, index=False)
    log.info("causes: %s", table.groupby("cause")["images"].sum().to_dict())
