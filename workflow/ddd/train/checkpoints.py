"""Training checkpoints that carry their own checksum.

A checkpoint is `torch.save`'s bytes behind a header: a magic tag, the payload's length and
its SHA-256. A truncated or altered file is reported as such and never resumed from.
"""

from __future__ import annotations

import hashlib
import io
import os
from pathlib import Path
from typing import Any

import torch

from ddd.errors import DddError
from ddd.io.atomic import atomic_path

MAGIC = b"DDDCKPT1"
HEADER = len(MAGIC) + 8 + 32  # magic, payload length (little endian), SHA-256


class CheckpointError(DddError):
    """A checkpoint that cannot be trusted; the message names the file and why."""


def save(path: str | os.PathLike, state: dict[str, Any]) -> None:
    """Write `state` with its checksum, atomically."""
    buffer = io.BytesIO()
    torch.save(state, buffer)
    payload = buffer.getvalue()
    header = MAGIC + len(payload).to_bytes(8, "little") + hashlib.sha256(payload).digest()
    with atomic_path(path) as tmp:
        tmp.write_bytes(header + payload)


def load(path: str | os.PathLike) -> dict[str, Any]:
    """Read a checkpoint written by `save`, after checking its length and checksum."""
    data = Path(path).read_bytes()
    if not data.startswith(MAGIC) or len(data) < HEADER:
        raise CheckpointError(f"{path}: not a checkpoint of this workflow (no header)")
    size = int.from_bytes(data[len(MAGIC):len(MAGIC) + 8], "little")
    payload = data[HEADER:]
    if len(payload) != size:
        raise CheckpointError(f"{path}: truncated ({len(payload)} of {size} bytes)")
    if hashlib.sha256(payload).digest() != data[len(MAGIC) + 8:HEADER]:
        raise CheckpointError(f"{path}: checksum mismatch (the file was altered or damaged)")
    return torch.load(io.BytesIO(payload), map_location="cpu", weights_only=True)
