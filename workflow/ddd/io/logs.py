"""Logging for workflow scripts: everything, including a failure's traceback, goes to the
rule's log file."""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterator


@contextlib.contextmanager
def to_file(path: str | os.PathLike) -> Iterator[logging.Logger]:
    """Send the `ddd` loggers to `path` for the duration of the block."""
    logger = logging.getLogger("ddd")
    handler = logging.FileHandler(path, mode="w")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s",
                                           "%Y-%m-%d %H:%M:%S"))
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield logger
    except Exception:
        logger.exception("failed")
        raise
    finally:
        logger.removeHandler(handler)
        handler.close()
