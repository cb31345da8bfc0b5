"""Every run against every reference decision maker: kappa, relative accuracy, shared
errors, and per-class accuracy."""

import pandas as pd

from ddd import correctness, references
from ddd.atomic import atomic_path
from ddd.logs import to_file

smk = snakemake

with to_file(smk.log[0]) as log:
    runs = pd.read_parquet(smk.input.runs)["run"].tolist()
    correct = pd.read_parquet(smk.input.correct)
    matrix = correctness.matrix(correct, runs)
    labels = correct["label"].to_numpy()
    boot = smk.params.bootstrap
    per_run, per_class = [], []
    for name in smk.params.references:
        reference = references.load(smk.input[name], correct.index.to_numpy(), labels)
        per_run.append(references.vs_reference(matrix, runs, reference, name,
                                               boot["resamples"], boot["seed"], boot["level"]))
        per_class.append(references.class_accuracy(matrix, runs, reference, name, labels)
                         .assign(reference=name))
        log.info("%s: accuracy %.3f, mean kappa of the runs with it %.3f", name,
                 reference.mean(), per_run[-1]["kappa"].mean())
    outputs = {"runs": pd.concat(per_run, ignore_index=True),
               "classes": pd.concat(per_class, ignore_index=True)}
    for name, frame in outputs.items():
        with atomic_path(smk.output[name]) as tmp:
            frame.to_parquet(tmp, index=False)
    with atomic_path(smk.output.table) as tmp:
        outputs["runs"].to_csv(tmp, index=False, float_format="%.4f")
