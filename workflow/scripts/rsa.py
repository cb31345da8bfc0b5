"""RSA between every pair of runs: RDMs of a layer's activations on the same image subset,
compared by Spearman (or Pearson) correlation of their upper triangles."""

import resource

import numpy as np
import pandas as pd

from ddd import features, rsa
from ddd.atomic import atomic_path
from ddd.logs import to_file

smk = snakemake

with to_file(smk.log[0]) as log:
    runs = pd.DataFrame(smk.params.runs)
    activations, reference = [], None
    for run in runs["run"]:
        found = features.load(smk.input[run])
        if reference is None:
            reference = (run, found.rsa_image_ids)
        elif not np.array_equal(found.rsa_image_ids, reference[1]):
            raise ValueError(f"{smk.input[run]} and {smk.input[reference[0]]} hold different "
                             f"RSA images; rerun their features jobs with the same settings")
        constant = rsa.constant_patterns(found.activations)
        if constant:
            log.warning("%s: %d images with a constant activation pattern (dissimilarity 1 "
                        "to every other image)", run, constant)
        activations.append(found.activations)
    similarity = rsa.run_similarities(activations, smk.params.comparison)
    outputs = {
        "pairs": rsa.pairs_table(similarity, runs["run"].tolist()),
        "vs_base": rsa.vs_reference(similarity, runs, smk.params.base_condition,
                                    list(smk.params.within_conditions)),
        "conditions": rsa.condition_means(similarity, runs),
    }
    for name, frame in outputs.items():
        frame.insert(0, "images", len(reference[1]))
        with atomic_path(smk.output[name]) as tmp:
            frame.to_parquet(tmp, index=False)
    log.info("%d runs, %d images, layer %r, %s comparison; peak memory %.0f MiB", len(runs),
             len(reference[1]), found.layer, smk.params.comparison,
             resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
