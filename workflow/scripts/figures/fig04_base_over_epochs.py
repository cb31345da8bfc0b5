"""Fig 4: the base run's decision on every image at every epoch."""

from ddd import decisions, dynamics
from ddd.logs import to_file
from ddd.plots import base, epochs

smk = snakemake

with to_file(smk.log[0]):
    run = dynamics.epoch_matrices(decisions.read(smk.input.table))
    fig = epochs.base_over_epochs(run.correct, run.epochs, dynamics.order_by_mean(run.correct),
                                  f"{smk.wildcards.study}: base run over epochs")
    base.save(fig, [smk.output.png, smk.output.pdf], smk.params.dpi)
