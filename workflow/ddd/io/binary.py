"""The one check that a vector or matrix holds right/wrong values and nothing else."""

from __future__ import annotations

import numpy as np


def check_binary(values: np.ndarray, what: str = "correctness") -> np.ndarray:
    """`values` as a bool array; accepts booleans and integers or floats that are all 0 or 1.

    Anything else is a ValueError naming `what` and a few offending values: casting 2 or
    0.5 to bool would silently call them right.
    """
    arr = np.asarray(values)
    if arr.dtype == bool:
        return arr
    if arr.dtype.kind not in "iuf":
        raise ValueError(f"{what} must be true/false or 0/1, got values of type {arr.dtype}")
    binary = (arr == 0) | (arr == 1)
    if not binary.all():
        bad = np.unique(arr[~binary])
        raise ValueError(f"{what} must be true/false or 0/1; found {bad.size} other values "
                         f"(e.g. {bad[:5].tolist()})")
    return arr.astype(bool)
