"""The scaling grid reduced to one row per grid point, as a table and a figure."""

import pandas as pd

from ddd import collect
from ddd.analysis import references, scaling
from ddd.datasets.arrays import read_manifest
from ddd.io.atomic import atomic_path
from ddd.io.logs import to_file
from ddd.plots import base
from ddd.plots.references import scaling_figure

smk = snakemake

with to_file(smk.log[0]) as log:
    grid = pd.DataFrame(smk.params.grid)[["run", "train_per_class", "epochs"]]
    runs = pd.read_parquet(smk.input.runs).merge(grid, on="run", validate="one_to_one")
    correct = pd.read_parquet(smk.input.correct)
    labels = correct["label"].to_numpy()
    sha256 = read_manifest(smk.input.manifest)["sha256"]
    refs = {name: references.load(smk.input[name], correct.index.to_numpy(), labels,
                                  smk.wildcards.study + scaling.SUFFIX, sha256)
            for name in smk.params.references}
    table = scaling.summary(runs, collect.matrix(correct, runs["run"].tolist()), refs)
    with atomic_path(smk.output.table) as tmp:
        table.to_parquet(tmp, index=False)
    with atomic_path(smk.output.csv) as tmp:
        table.to_csv(tmp, index=False, float_format="%.4f")
    fig = scaling_figure(table, list(refs), f"{smk.wildcards.study}: scaling")
    base.save(fig, [smk.output.png, smk.output.pdf], smk.params.dpi)
    log.info("%d grid points:\n%s", len(table), table.to_string(index=False))
