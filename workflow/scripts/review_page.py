"""The error-review page: the impossible, then in-between images with the dataset label and
the runs' most common wrong answers; stimuli, manifest and index.html."""

import json

import pandas as pd

from ddd.analysis import rectified
from ddd.datasets.arrays import dataset_class_names, read_manifest
from ddd.experiment import review, stimuli
from ddd.io.atomic import write_text
from ddd.io.logs import to_file

smk = snakemake

with to_file(smk.log[0]) as log:
    runs = list(smk.params.runs)
    _, predictions = rectified.final_predictions(
        {run: smk.input[run] for run in runs}, smk.wildcards.study,
        read_manifest(smk.input.data_manifest)["sha256"])
    items = review.select(pd.read_parquet(smk.input.images), predictions, runs,
                          smk.params.images)
    stimuli.export(stimuli.test_images(smk.input.data, smk.input.data_manifest),
                   items["image_id"], smk.params.display_size, smk.output.stimuli)
    manifest = review.manifest(items, smk.wildcards.study,
                               dataset_class_names(smk.input.data_manifest), len(runs),
                               smk.params.display_size)
    write_text(smk.output.manifest, json.dumps(manifest, indent=2) + "\n")
    write_text(smk.output.page, review.render(manifest))
    log.info("%d images to review: %s", len(items), items["category"].value_counts().to_dict())
