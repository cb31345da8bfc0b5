"""Per-image label-error flags, from cleanlab on the runs' averaged predicted probabilities
or from a file of known errors, in the image-flags format Fig 3 and the shares read."""

import numpy as np
import pandas as pd

from ddd import features, label_errors
from ddd.atomic import atomic_path
from ddd.logs import to_file

smk = snakemake

with to_file(smk.log[0]) as log:
    correct = pd.read_parquet(smk.input.correct)
    image_ids, labels = correct.index.to_numpy(), correct["label"].to_numpy()
    extra = None
    if smk.params.source == "cleanlab":
        logits = []
        for run in smk.params.runs:
            found = features.load(smk.input[run])
            if not (np.array_equal(found.image_ids, image_ids)
                    and np.array_equal(found.labels, labels)):
                raise ValueError(f"{smk.input[run]} and {smk.input.correct} disagree on "
                                 f"image ids or labels; rerun its features job")
            logits.append(found.logits)
        extra = label_errors.find(labels, label_errors.mean_probabilities(logits),
                                  smk.params.filter_by)
        flags = extra[label_errors.COLUMN].to_numpy()
        log.info("cleanlab (%s) on %d runs' averaged probabilities", smk.params.filter_by,
                 len(logits))
    else:
        flags = label_errors.read_known(smk.input.known, image_ids)
        log.info("known label errors from %s", smk.input.known)
    table = label_errors.flags_table(image_ids, labels, flags, extra)
    with atomic_path(smk.output[0]) as tmp:
        table.to_parquet(tmp, index=False)
    log.info("%d of %d images flagged as label errors", flags.sum(), flags.size)
