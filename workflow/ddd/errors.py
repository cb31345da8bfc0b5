"""The project's user errors: one base class, and the one way to say how a file is rebuilt.

Every error a user can cause (a config key, a file they bring, a file damaged or replaced in
results/) is a `DddError` whose message names the file or key and the fix; `ddd check` and
the rules print such a message alone, never a traceback. A `DddError` is a ValueError, so
code that handles bad values handles these too.
"""

from __future__ import annotations

import os


class DddError(ValueError):
    """An input the workflow cannot use; the message names the file or key and the fix."""


class ConfigError(DddError):
    """A config value that the workflow cannot run with; the message names key and fix."""


def rebuild(*paths: str | os.PathLike) -> str:
    """The command that rebuilds these workflow outputs. A plain `snakemake` does not:
    it keeps a file whose inputs did not change, damaged or not."""
    return "snakemake --cores 1 --force " + " ".join(str(path) for path in paths)
