"""Figures of the paper, drawn from analysis tables only (one module per topic)."""

import matplotlib

matplotlib.use("Agg")
