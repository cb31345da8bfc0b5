"""Fig 5: share of runs right on every image at every epoch."""

import numpy as np
import pandas as pd

from ddd import dynamics
from ddd.logs import to_file
from ddd.plots import base, epochs

smk = snakemake

with to_file(smk.log[0]):
    table = pd.read_parquet(smk.input.share_right)
    atlas = pd.read_parquet(smk.input.atlas).set_index("image_id").loc[table.index]
    share = table.to_numpy(dtype=np.float32).T  # (epochs, images)
    order = dynamics.order_by_mean(share, final=atlas["share_right"].to_numpy())
    fig = epochs.runs_over_epochs(share, table.columns.astype(int).to_numpy(), order,
                                  int(atlas["runs"].iloc[0]),
                                  f"{smk.wildcards.study}: all runs over epochs")
    base.save(fig, [smk.output.png, smk.output.pdf], smk.params.dpi)
