"""How alike every two runs' attribution maps are (Spearman, mean over the explained images)
beside their error consistency; the maps' share on the planted patch (shortcut studies)."""

import numpy as np
import pandas as pd

from ddd.analysis import explanations
from ddd.datasets import arrays, shortcut
from ddd.io.atomic import atomic_path
from ddd.io.logs import to_file

smk = snakemake

with to_file(smk.log[0]) as log:
    runs = list(smk.params.runs)
    loaded = {run: explanations.load(smk.input[run]) for run in runs}
    maps = {run: found for run, (_, found) in loaded.items()}
    pairs = explanations.pair_table(maps, pd.read_parquet(smk.input.kappa))
    manifest = arrays.read_manifest(smk.input.manifest)
    rows = []
    if shortcut.MANIFEST_KEY in manifest:
        image_ids = loaded[runs[0]][0]
        conflict = np.flatnonzero(np.isin(image_ids, shortcut.conflict_ids(manifest)))
        shape = maps[runs[0]]["grad_cam"].shape[2:]
        mask = explanations.patch_mask(shape, manifest[shortcut.MANIFEST_KEY]["spec"])
        for run in runs:
            for (method, target), share in explanations.patch_share(
                    maps[run], conflict, mask).items():
                rows.append((run, method, target, len(conflict), share, mask.mean()))
    patch = pd.DataFrame(rows, columns=["run", "method", "target", "conflict_images",
                                        "patch_share", "patch_area"])
    with atomic_path(smk.output.pairs) as tmp:
        pairs.to_parquet(tmp, index=False)
    with atomic_path(smk.output.table) as tmp:
        pairs.to_csv(tmp, index=False, float_format="%.4f")
    with atomic_path(smk.output.patch) as tmp:
        patch.to_csv(tmp, index=False, float_format="%.4f")
    log.info("%d runs\n%s\n%s", len(runs), pairs.to_string(), patch.to_string())
