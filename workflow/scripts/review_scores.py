"""The reviewers' answer files scored: acceptable labels (table format) by the configured
rule, the agreement between reviewers, every answer, and a summary."""

import json
from pathlib import Path

from ddd.experiment import review_scoring
from ddd.io.atomic import atomic_path, write_text
from ddd.io.logs import to_file

smk = snakemake

with to_file(smk.log[0]):
    manifest = json.loads(Path(smk.input.manifest).read_text())
    reviews = review_scoring.read_all(smk.input.responses, manifest)
    table = review_scoring.acceptable_table(reviews, smk.params.rule)
    pairs = review_scoring.pairwise_kappa(reviews)
    for name, frame in {"acceptable": table, "agreement": pairs, "reviews": reviews}.items():
        with atomic_path(smk.output[name]) as tmp:
            frame.to_csv(tmp, index=False)
    write_text(smk.output.summary, review_scoring.summary_text(
        smk.wildcards.study, reviews, table, smk.params.rule, manifest, pairs))
