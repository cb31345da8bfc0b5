"""Shared helpers: decision tables with known content."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from ddd import decisions

pytest_plugins = ["tests.toy_runs"]  # the dataset and trained fixtures


def write_run(path: Path, predictions: np.ndarray, labels: np.ndarray, run: str,
              condition: str, instance: int = 1, image_ids: np.ndarray | None = None) -> Path:
    """Write a decision table for a (epochs, images) prediction matrix."""
    table = decisions.from_predictions(predictions, labels, image_ids=image_ids)
    decisions.write(path, table, {"run": run, "dataset": "synthetic", "condition": condition,
                                  "instance": instance, "architecture": "none"})
    return path


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(1234)
