"""Class scores of every confusion run (final epoch) and the effects of each confused pair
on every class: the statistics table and the source-style table."""


import pandas as pd

from ddd import classes, confusion_stats, decisions
from ddd.atomic import atomic_path
from ddd.logs import to_file

smk = snakemake

with to_file(smk.log[0]) as log:
    frames = []
    for path in smk.input.tables:
        meta = decisions.read_metadata(path)
        final = decisions.read(path, epoch=-1)
        scores = confusion_stats.class_scores(final["label"].to_numpy(),
                                              final["prediction"].to_numpy(), meta["classes"])
        frames.append(scores.assign(pair=meta["pair"], a=meta["a"] if meta["a"] is not None
                                    else -1, b=meta["b"] if meta["b"] is not None else -1,
                                    repeat=meta["repeat"]))
    scores = pd.concat(frames, ignore_index=True)
    scores = scores[["pair", "a", "b", "repeat", "class", "images", "accuracy", "bits"]]
    effects = confusion_stats.effects(scores, smk.params.alpha, smk.params.correction)
    names = classes.dataset_class_names(smk.input.manifest)
    table = confusion_stats.source_table(effects, dict(enumerate(names)), smk.params.both_ways)
    for frame, path in [(scores, smk.output.scores), (effects, smk.output.effects)]:
        with atomic_path(path) as tmp:
            frame.to_parquet(tmp, index=False)
    with atomic_path(smk.output.table) as tmp:
        table.to_csv(tmp, index=False, float_format="%.4g")
    log.info("%d runs, %d pairs, %d of %d tests on other classes significant after %s",
             len(smk.input.tables), effects["pair"].nunique(), int(table["significant"].sum()),
             len(table), smk.params.correction)
