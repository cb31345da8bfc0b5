"""Short text summary: accuracy, mean kappa vs base and the difficulty shares."""

import pandas as pd

from ddd.atomic import write_text
from ddd.logs import to_file
from ddd.summary import study_summary

smk = snakemake

with to_file(smk.log[0]):
    correct = pd.read_parquet(smk.input.correct)
    text = study_summary(smk.wildcards.study, pd.read_parquet(smk.input.runs),
                         pd.read_parquet(smk.input.vs_base), pd.read_parquet(smk.input.shares),
                         n_images=len(correct), n_classes=correct["label"].nunique(),
                         reference=pd.read_parquet(smk.input.reference),
                         flag_label=smk.params.flag_label)
    write_text(smk.output[0], text)
