"""A config file read with errors a person can act on."""

from __future__ import annotations

import os
from typing import Any

import yaml

from ddd.errors import ConfigError
from ddd.io.textfile import read_text


def read_config(path: str | os.PathLike) -> dict[str, Any]:
    """A config file as a dict; a YAML error names the file, line and column (Snakemake's
    own message for a --configfile names neither)."""
    try:
        text = read_text(path)
    except FileNotFoundError:
        raise ConfigError(f"config file {path} does not exist") from None
    try:
        config = yaml.safe_load(text)
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        lines = text.splitlines()
        line = lines[mark.line] if mark and mark.line < len(lines) else ""
        tab = (" (YAML indents with spaces, never tabs: replace the tab)"
               if mark and "\t" in line[:mark.column + 1] else "")
        where = f", line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        context = (f" ({err.context} that starts on line {err.context_mark.line + 1})"
                   if err.context and err.context_mark and err.problem_mark else "")
        raise ConfigError(f"{path}{where}: not valid YAML: {err.problem or err}{context}{tab}"
                          + (f"; the line reads {line.strip()!r}" if line.strip() else "")
                          ) from None
    if not isinstance(config, dict):
        raise ConfigError(f"{path}: a config is a mapping of keys (studies:, train:, ...), "
                          f"this file holds {type(config).__name__}")
    return config
