"""Class-wise accuracy of every run, and table B.8: the easiest and hardest classes."""


import pandas as pd

from ddd import collect
from ddd.analysis import classes
from ddd.datasets import arrays
from ddd.io.atomic import atomic_path
from ddd.io.logs import to_file

smk = snakemake

with to_file(smk.log[0]) as log:
    runs = pd.read_parquet(smk.input.runs)
    correct = pd.read_parquet(smk.input.correct)
    run_ids = runs["run"].tolist()
    labels = correct["label"].to_numpy()
    accuracy = classes.class_accuracy(collect.matrix(correct, run_ids), labels, run_ids)
    names = arrays.dataset_class_names(smk.input.manifest)
    table = classes.easiest_and_hardest(accuracy, names, smk.params.classes,
                                        base_run=smk.params.base_run)
    with atomic_path(smk.output.accuracy) as tmp:
        accuracy.to_parquet(tmp, index=False)
    with atomic_path(smk.output.table) as tmp:
        table.to_csv(tmp, index=False, float_format="%.4f")
    log.info("%d classes, %d runs", accuracy["class"].nunique(), len(run_ids))
