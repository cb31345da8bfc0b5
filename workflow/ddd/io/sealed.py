"""Files that carry their own checksum: a magic tag, the payload's length and its SHA-256,
then the payload. Checking one needs only the bytes (no torch for a training checkpoint)."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from ddd.errors import DddError

MAGIC = b"DDDCKPT1"
HEADER = len(MAGIC) + 8 + 32  # magic, payload length (little endian), SHA-256


class SealError(DddError):
    """A sealed file that cannot be trusted; the message names the file and why."""


def seal(payload: bytes) -> bytes:
    """The payload behind its header."""
    return MAGIC + len(payload).to_bytes(8, "little") + hashlib.sha256(payload).digest() \
        + payload


def unseal(path: str | os.PathLike) -> bytes:
    """The payload of the sealed file at `path`, after checking its length and checksum."""
    data = Path(path).read_bytes()
    if not data.startswith(MAGIC) or len(data) < HEADER:
        raise SealError(f"{path}: not a checkpoint of this workflow (no header)")
    size = int.from_bytes(data[len(MAGIC):len(MAGIC) + 8], "little")
    payload = data[HEADER:]
    if len(payload) != size:
        raise SealError(f"{path}: truncated ({len(payload)} of {size} bytes)")
    if hashlib.sha256(payload).digest() != data[len(MAGIC) + 8:HEADER]:
        raise SealError(f"{path}: checksum mismatch (the file was altered or damaged)")
    return payload
