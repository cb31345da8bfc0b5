"""Learning over epochs of the histogram runs: decision changes per epoch, the share of runs
right per image and epoch, and the per-image difficulty atlas."""

import numpy as np
import pandas as pd

from ddd import decisions, dynamics
from ddd.atomic import atomic_path
from ddd.logs import to_file

smk = snakemake

with to_file(smk.log[0]) as log:
    changes, correct, final, learned, forgotten = [], [], [], [], []
    ref = None
    for run in smk.params.runs:
        path = smk.input[run]
        run_epochs = dynamics.epoch_matrices(decisions.read(path))
        if ref is None:
            ref = run_epochs
        elif not np.array_equal(run_epochs.image_ids, ref.image_ids):
            raise ValueError(f"{path} covers other images than {smk.input[smk.params.runs[0]]};"
                             f" every run of a study must be evaluated on the same images")
        changes.append(dynamics.decision_changes(run_epochs.predictions, run_epochs.correct)
                       .assign(run=run))
        correct.append(run_epochs.correct)
        final.append(run_epochs.correct[-1])
        learned.append(dynamics.first_learned(run_epochs.correct))
        forgotten.append(dynamics.forgetting_events(run_epochs.correct))
        log.info("%s: %d epochs", run, len(run_epochs.epochs))
    share = dynamics.share_right_over_epochs(correct)
    share_table = pd.DataFrame(share.T, index=pd.Index(ref.image_ids, name="image_id"),
                               columns=[str(e) for e in ref.epochs[: len(share)]])
    atlas = dynamics.atlas(ref.image_ids, ref.labels, np.array(final), np.array(learned),
                           np.array(forgotten))
    outputs = {"changes": pd.concat(changes, ignore_index=True), "share_right": share_table,
               "atlas": atlas}
    for name, frame in outputs.items():
        with atomic_path(smk.output[name]) as tmp:
            frame.to_parquet(tmp, index=name == "share_right")
    log.info("atlas: %s", atlas["category"].value_counts().to_dict())
