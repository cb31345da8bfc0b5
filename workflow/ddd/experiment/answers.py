"""Answer files of people: one CSV per person (the experiment's subjects, the review's
reviewers), every row checked, every problem reported as "file:line: what is wrong" so a
person can fix all of them at once."""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Callable, Hashable, Iterable, Sequence
from pathlib import Path

import pandas as pd

from ddd.errors import DddError
from ddd.io.textfile import TextFileError, read_text

MAX_REPORTED = 50  # problems listed in one error message

Row = dict[str, object]


class ResponseError(DddError):
    """Answer files that cannot be scored; the message lists every problem as file:line."""


def integer(text: str, name: str, minimum: int | None = None) -> int:
    """`text` as an integer of at least `minimum`; a ValueError naming the field if not."""
    try:
        value = int(text)
    except ValueError:
        raise ValueError(f"{name} {text!r} is not an integer") from None
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} {value} is below {minimum}")
    return value


def read_rows(path: str | os.PathLike, columns: Sequence[str],
              parse: Callable[[dict[str, str]], Row], person: str,
              keys: Callable[[Row], Iterable[tuple[str, Hashable]]]
              ) -> tuple[list[Row], list[str], dict[Hashable, int]]:
    """One person's answer file: the rows `parse` accepts, the problems, and the line of
    every key seen.

    `parse` turns a row's fields into an answer or raises ValueError saying what is wrong;
    `person` is the column that names the file's one person; `keys` gives an answer's
    (description, key) pairs that no other row may repeat.
    """
    try:
        text = read_text(path)
    except TextFileError as err:
        return [], [str(err)], {}
    reader = csv.reader(io.StringIO(text, newline=""))
    header = [h.strip() for h in next(reader, [])]
    missing = [c for c in columns if c not in header]
    if missing:
        return [], [f"{path}:1: the header lacks {', '.join(missing)}; "
                    f"expected {','.join(columns)}"], {}
    rows: list[Row] = []
    problems: list[str] = []
    seen: dict[Hashable, int] = {}
    for fields in reader:
        line = reader.line_num
        if not any(f.strip() for f in fields):
            continue
        try:
            if len(fields) != len(header):
                raise ValueError(f"{len(fields)} fields, the header has {len(header)}")
            row = parse(dict(zip(header, fields, strict=True)))
            if rows and row[person] != rows[0][person]:
                raise ValueError(f"{person} {row[person]!r} differs from "
                                 f"{rows[0][person]!r} of the first row; one file per "
                                 f"{person}")
            row_keys = list(keys(row))
            for description, key in row_keys:
                if key in seen:
                    raise ValueError(f"{description} also on line {seen[key]}")
        except ValueError as err:
            problems.append(f"{path}:{line}: {err}")
            continue
        seen.update((key, line) for _, key in row_keys)
        rows.append(row)
    if not rows and not problems:
        problems.append(f"{path}: no answers")
    return rows, problems, seen


def read_files(paths: Iterable[str | os.PathLike],
               read_one: Callable[[Path], tuple[pd.DataFrame, list[str]]], person: str,
               what: str) -> pd.DataFrame:
    """Every person's answers (`read_one` reads one file) with a `file` column; raises
    ResponseError listing every problem of every file and every `person` id used by more
    than one file. `what` names the files in messages ("answer files")."""
    paths = sorted(Path(p) for p in paths)
    if not paths:
        raise ResponseError(f"no {what} given")
    tables: list[pd.DataFrame] = []
    problems: list[str] = []
    files_of: dict[str, list[str]] = {}
    for path in paths:
        table, found = read_one(path)
        problems += found
        if table.empty:
            continue
        files_of.setdefault(table[person].iloc[0], []).append(str(path))
        tables.append(table.assign(file=path.name))
    problems += [f"{person} id {p!r} is used by {len(f)} files: {', '.join(f)}; every "
                 f"{person} needs one file and an id of their own"
                 for p, f in files_of.items() if len(f) > 1]
    if problems:
        more = len(problems) - MAX_REPORTED
        raise ResponseError("\n".join([f"cannot score the {what}:", *problems[:MAX_REPORTED]]
                                      + ([f"... and {more} more"] if more > 0 else [])))
    return pd.concat(tables, ignore_index=True)
