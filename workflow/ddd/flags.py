"""Optional per-image flags (e.g. label errors) joined onto a study's evaluation images."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd


def read_flags(path: str | os.PathLike, column: str, image_ids: np.ndarray) -> np.ndarray:
    """Bool flag per image, in the order of `image_ids`, from a Parquet or CSV file with an
    `image_id` column and the flag column. Every image must be listed exactly once."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"image flags file {path} does not exist; fix the path under "
                                f"the study's image_flags or remove that entry")
    table = pd.read_csv(path) if path.suffix == ".csv" else pd.read_parquet(path)
    missing = [c for c in ("image_id", column) if c not in table.columns]
    if missing:
        raise ValueError(f"{path}: lacks columns {missing}; it has {list(table.columns)}")
    if table["image_id"].duplicated().any():
        raise ValueError(f"{path}: image ids listed more than once")
    flags = table.set_index("image_id")[column]
    unknown = flags.index.difference(image_ids)
    absent = pd.Index(image_ids).difference(flags.index)
    if len(unknown) or len(absent):
        raise ValueError(f"{path}: flags must cover exactly the study's evaluation images; "
                         f"{len(absent)} images have no flag (e.g. {list(absent[:3])}), "
                         f"{len(unknown)} flagged ids are not evaluation images "
                         f"(e.g. {list(unknown[:3])})")
    values = flags.loc[image_ids]
    if values.isna().any() or not values.isin([0, 1]).all():
        raise ValueError(f"{path}: column {column!r} must be true/false (or 1/0)")
    return values.to_numpy().astype(bool)
