"""Data maps of every run and of the histogram runs pooled, the region-by-category table
and the ROC AUCs of each run's map for the many-run categories."""

import pandas as pd

from ddd.analysis import datamaps
from ddd.flags import read_flags
from ddd.io.atomic import atomic_path
from ddd.io.logs import to_file

smk = snakemake

with to_file(smk.log[0]) as log:
    thresholds = datamaps.Thresholds(smk.params.confidence, smk.params.variability)
    paths = {run: smk.input[run] for run in smk.params.runs}
    maps = datamaps.read_maps(paths, smk.params.histogram_runs, thresholds)
    images = pd.read_parquet(smk.input.images)
    maps = datamaps.with_categories(maps, images)
    if hasattr(smk.input, "flags"):  # the study configures image flags (label errors)
        ids = images["image_id"].to_numpy()
        maps = datamaps.with_flags(maps, ids, read_flags(
            smk.input.flags, smk.params.flag_column, ids, smk.params.flag_format))
    regions = datamaps.region_table(maps)
    auc = datamaps.auc_table(maps, smk.params.histogram_runs)
    for table, path in ((maps, smk.output.maps), (regions, smk.output.regions),
                        (auc, smk.output.auc)):
        with atomic_path(path) as tmp:
            if path.endswith(".csv"):
                table.to_csv(tmp, index=False)
            else:
                table.to_parquet(tmp, index=False)
    pooled = regions[regions["run"] == datamaps.POOLED]
    log.info("pooled map of %d runs: %s", len(smk.params.histogram_runs),
             pooled.pivot(index="region", columns="category", values="images").to_dict())
