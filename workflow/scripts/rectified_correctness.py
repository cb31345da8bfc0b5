"""Every run's rectified correctness (prediction among the image's acceptable labels), from
the decision tables already stored, in correctness.parquet's format."""

from ddd.analysis import acceptable, rectified
from ddd.datasets.arrays import num_classes, read_manifest
from ddd.io.atomic import atomic_path
from ddd.io.logs import to_file

smk = snakemake

with to_file(smk.log[0]) as log:
    manifest = read_manifest(smk.input.manifest)
    runs, predictions = rectified.final_predictions(
        {run: smk.input[run] for run in smk.params.runs}, smk.wildcards.study,
        manifest["sha256"])
    table = acceptable.read(smk.input.acceptable, smk.params.format,
                            predictions.index.to_numpy(), predictions["label"].to_numpy(),
                            num_classes(manifest))
    tables = {"acceptable": table,
              **rectified.rectify(runs, predictions, table, list(smk.params.histogram_runs))}
    for name, frame in tables.items():
        with atomic_path(smk.output[name]) as tmp:
            frame.to_parquet(tmp, index=name == "correct")
    accuracy = tables["accuracy"]
    log.info("%d of %d images kept; mean accuracy %.4f original, %.4f rectified",
             accuracy["kept"].iloc[0], accuracy["images"].iloc[0],
             accuracy["original"].mean(), accuracy["rectified"].mean())
