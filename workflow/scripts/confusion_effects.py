"""Class scores of every confusion run (final epoch) and the effects of each confused pair
on every class: the statistics table and the source-style table."""

from ddd.confusion import stats
from ddd.datasets import arrays
from ddd.io.atomic import atomic_path
from ddd.io.logs import to_file

smk = snakemake

with to_file(smk.log[0]) as log:
    scores = stats.run_scores(smk.input.tables)
    effects = stats.effects(scores, smk.params.alpha, smk.params.correction)
    names = arrays.dataset_class_names(smk.input.manifest)
    table = stats.source_table(effects, dict(enumerate(names)), smk.params.both_ways)
    for frame, path in [(scores, smk.output.scores), (effects, smk.output.effects)]:
        with atomic_path(path) as tmp:
            frame.to_parquet(tmp, index=False)
    with atomic_path(smk.output.table) as tmp:
        table.to_csv(tmp, index=False, float_format="%.4g")
    log.info("%d runs, %d pairs, %d of %d tests on other classes significant after %s",
             len(smk.input.tables), effects["pair"].nunique(), int(table["significant"].sum()),
             len(table), smk.params.correction)
