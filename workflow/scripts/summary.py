"""Short text summary: accuracy, mean kappa vs base and the difficulty shares."""

import pandas as pd

from ddd.analysis.summary import study_summary
from ddd.datasets.arrays import num_classes, read_manifest
from ddd.io.atomic import write_text
from ddd.io.logs import to_file

smk = snakemake

with to_file(smk.log[0]):
    text = study_summary(smk.wildcards.study, pd.read_parquet(smk.input.runs),
                         pd.read_parquet(smk.input.vs_base), pd.read_parquet(smk.input.shares),
                         n_images=len(pd.read_parquet(smk.input.correct, columns=["label"])),
                         n_classes=num_classes(read_manifest(smk.input.manifest)),
                         reference=pd.read_parquet(smk.input.reference),
                         flag_label=smk.params.flag_label,
                         vs_reference=pd.read_parquet(smk.input.vs_reference)
                         if hasattr(smk.input, "vs_reference") else None)
    write_text(smk.output[0], text)
