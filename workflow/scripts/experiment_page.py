"""The experiment page: stimuli at display size, manifest, index.html and Fig 12."""

import json

import pandas as pd

from ddd.experiment import page, stimuli
from ddd.io.atomic import write_text
from ddd.io.logs import to_file
from ddd.plots import base
from ddd.plots.experiment import example_pairs

smk = snakemake

with to_file(smk.log[0]) as log:
    chosen = pd.read_csv(smk.input.pairs)
    test = stimuli.test_images(smk.input.data, smk.input.data_manifest)
    size = smk.params.display_size
    ids = [*chosen["trivial_id"], *chosen["impossible_id"]]
    stimuli.export(test, ids, size, smk.output.stimuli)
    manifest = page.manifest(chosen, smk.wildcards.study, size, smk.params.selection)
    write_text(smk.output.manifest, json.dumps(manifest, indent=2) + "\n")
    write_text(smk.output.page, page.render(manifest))
    log.info("%d pairs, %d stimuli of %d px", len(chosen), len(ids), size)
    shown = chosen.head(smk.params.figure_pairs)
    fig = example_pairs([stimuli.display_image(test[i], size) for i in shown["impossible_id"]],
                        [stimuli.display_image(test[i], size) for i in shown["trivial_id"]],
                        [f"pair {p}" for p in shown["pair"]])
    base.save(fig, [smk.output.png, smk.output.pdf], smk.params.dpi)
