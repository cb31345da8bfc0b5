"""Score the subjects' answer files: accuracy per subject, kappa between subjects, figure."""

import json
from pathlib import Path

from ddd.experiment import page, scoring
from ddd.io.atomic import atomic_path, write_text
from ddd.io.logs import to_file
from ddd.plots import base
from ddd.plots.experiment import human_scores

smk = snakemake

with to_file(smk.log[0]) as log:
    manifest = json.loads(Path(smk.input.manifest).read_text())
    responses = scoring.read_all(smk.input.responses, page.pair_table(manifest))
    scores = scoring.subject_scores(responses)
    kappa = scoring.subject_kappa(responses)
    for frame, path in [(scores, smk.output.subjects), (kappa, smk.output.kappa),
                        (responses, smk.output.responses)]:
        with atomic_path(path) as tmp:
            frame.to_csv(tmp, index=False)
    text = scoring.summary_text(smk.wildcards.study, scoring.summary(scores, kappa))
    write_text(smk.output.summary, text)
    log.info("%s", text)
    fig = human_scores(scores, kappa, f"{smk.wildcards.study}: which image do the networks "
                                      f"find hard?")
    base.save(fig, [smk.output.png, smk.output.pdf], smk.params.dpi)
