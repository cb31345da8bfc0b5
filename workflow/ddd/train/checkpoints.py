"""Training checkpoints that carry their own checksum.

A checkpoint is `torch.save`'s bytes behind a header (ddd.io.sealed): a magic tag, the
payload's length and its SHA-256. A truncated or altered file is reported as such and never
resumed from.
"""

from __future__ import annotations

import io
import os
from typing import Any

import torch

from ddd.io import sealed
from ddd.io.atomic import atomic_path

CheckpointError = sealed.SealError


def save(path: str | os.PathLike, state: dict[str, Any]) -> None:
    """Write `state` with its checksum, atomically."""
    buffer = io.BytesIO()
    torch.save(state, buffer)
    with atomic_path(path) as tmp:
        tmp.write_bytes(sealed.seal(buffer.getvalue()))


def load(path: str | os.PathLike) -> dict[str, Any]:
    """Read a checkpoint written by `save`, after checking its length and checksum."""
    return torch.load(io.BytesIO(sealed.unseal(path)), map_location="cpu", weights_only=True)
