"""Per-image label-error flags, from cleanlab on the runs' averaged predicted probabilities
or from a file of known errors, in the image-flags format Fig 3 and the shares read."""

from ddd.analysis import label_errors
from ddd.io.atomic import atomic_path
from ddd.io.logs import to_file

smk = snakemake

with to_file(smk.log[0]):
    cleanlab = smk.params.source == "cleanlab"
    table = label_errors.study_flags(
        smk.input.correct, smk.params.source,
        [smk.input[run] for run in smk.params.runs] if cleanlab else [],
        smk.params.filter_by, None if cleanlab else smk.input.known, smk.params.format)
    with atomic_path(smk.output[0]) as tmp:
        table.to_parquet(tmp, index=False)
