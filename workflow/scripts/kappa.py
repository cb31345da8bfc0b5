"""Error consistency for every pair of runs, on all images and on in-between images, with
bootstrap intervals, kappa bounds, p-values and the kappa image difficulty alone predicts."""

import pandas as pd

from ddd import analysis, correctness, difficulty
from ddd.atomic import atomic_path
from ddd.logs import to_file

smk = snakemake

with to_file(smk.log[0]) as log:
    runs = pd.read_parquet(smk.input.runs)
    correct = pd.read_parquet(smk.input.correct)
    run_ids = runs["run"].tolist()
    matrix = correctness.matrix(correct, run_ids)
    chosen = correctness.matrix(correct, list(smk.params.histogram_runs))
    category = difficulty.categorise(difficulty.n_correct(chosen), len(chosen),
                                     smk.params.in_between_tolerance)
    between = category == difficulty.CATEGORIES.index("in_between")
    log.info("%d of %d images are in-between", between.sum(), between.size)
    subsets = {"all": slice(None)} | ({"in_between": between} if between.any() else {})
    boot = smk.params.bootstrap
    pairs = pd.concat([analysis.kappa_pairs(matrix[:, keep], run_ids, subset,
                                            boot["resamples"], boot["seed"], boot["level"])
                       for subset, keep in subsets.items()], ignore_index=True)
    log.info("%d pairs, %d bootstrap resamples per subset", len(pairs) // len(subsets),
             boot["resamples"])
    outputs = {
        "pairs": pairs,
        "vs_base": analysis.kappa_vs_reference(pairs, runs, smk.params.base_condition,
                                               list(smk.params.within_conditions)),
        "conditions": analysis.condition_matrix(pairs, runs),
        "reference": pd.DataFrame([analysis.difficulty_kappa(chosen[:, keep], subset)
                                   for subset, keep in subsets.items()]),
    }
    for name, frame in outputs.items():
        with atomic_path(smk.output[name]) as tmp:
            frame.to_parquet(tmp, index=False)
