"""Figures of the paper, drawn from analysis tables only (one module per topic); every
figure is registered once, in `catalog` (see `registry`)."""

import matplotlib

matplotlib.use("Agg")

from ddd.plots import catalog  # noqa: E402  (registers every figure)

__all__ = ["catalog"]
