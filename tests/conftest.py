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


def confident_table(logits: np.ndarray, labels: np.ndarray,
                     image_ids: np.ndarray | None = None) -> decisions.pa.Table:
    """A decision table with p_true and margin from (epochs, images, classes) logits."""
    confidence = [decisions.confidence(epoch, labels) for epoch in logits]
    return decisions.from_predictions(logits.argmax(axis=2), labels, image_ids,
                                      p_true=np.array([p for p, _ in confidence]),
                                      margin=np.array([m for _, m in confidence]))


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(1234)
