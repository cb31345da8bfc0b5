"""The planted shortcut: kappa of every pair of runs on clean and on cue-conflict images,
per group (cue runs, clean runs, across), and each run's accuracy, cue-class predictions
and patched prototypes."""

import numpy as np
import pandas as pd

from ddd import collect, decisions
from ddd.analysis import shortcut
from ddd.datasets import arrays
from ddd.datasets import shortcut as planted
from ddd.io.atomic import atomic_path
from ddd.io.logs import to_file

smk = snakemake

with to_file(smk.log[0]) as log:
    runs, cue_runs = list(smk.params.runs), set(smk.params.cue_runs)
    manifest = arrays.read_manifest(smk.input.manifest)
    conflict_ids = planted.conflict_ids(manifest)
    _, correct = collect.final_epoch({run: smk.input[run] for run in runs})
    conflict = np.isin(correct.index.to_numpy(), conflict_ids)
    pairs = shortcut.pair_table(collect.matrix(correct, runs), runs, cue_runs, conflict)
    predictions = {run: decisions.read(smk.input[run], epoch=-1)["prediction"].to_numpy()
                   for run in runs}
    per_run = shortcut.run_table(predictions, correct["label"].to_numpy(), cue_runs,
                                 conflict, manifest[planted.MANIFEST_KEY]["spec"]["class"],
                                 pd.read_parquet(smk.input.selection), conflict_ids)
    means = shortcut.group_means(pairs)
    with atomic_path(smk.output.pairs) as tmp:
        pairs.to_parquet(tmp, index=False)
    with atomic_path(smk.output.kappa) as tmp:
        means.to_csv(tmp, index=False, float_format="%.4f")
    with atomic_path(smk.output.runs) as tmp:
        per_run.to_csv(tmp, index=False, float_format="%.4f")
    log.info("%d clean and %d cue-conflict images\n%s\n%s", int((~conflict).sum()),
             int(conflict.sum()), means.to_string(), per_run.to_string())
