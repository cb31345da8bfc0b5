"""Logging for workflow scripts: everything, including a failure's traceback, goes to the
rule's log file."""

from __future__ import annotations

import contextlib
import logging
import os
import sys
from collections.abc import Iterator

from ddd.io.atomic import DiskFullError, disk_full, full_disk


class _LogFile(logging.FileHandler):
    """A log file whose full disk stops the job with a message naming the file (logging
    would print the error and carry on without a log)."""

    def handleError(self, record: logging.LogRecord) -> None:
        err = sys.exc_info()[1]
        full = disk_full(err, self.baseFilename) if err is not None else None
        if full is None:
            super().handleError(record)
            return
        raise full from err


@contextlib.contextmanager
def to_file(path: str | os.PathLike) -> Iterator[logging.Logger]:
    """Send the `ddd` loggers to `path` for the duration of the block."""
    logger = logging.getLogger("ddd")
    with full_disk(path):
        handler = _LogFile(path, mode="w")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s",
                                           "%Y-%m-%d %H:%M:%S"))
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield logger
    except Exception:
        with contextlib.suppress(DiskFullError):  # the error itself says more than that
            logger.exception("failed")
        raise
    finally:
        logger.removeHandler(handler)
        with contextlib.suppress(OSError):  # a full disk's last flush: already reported
            handler.close()
