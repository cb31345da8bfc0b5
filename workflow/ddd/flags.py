"""Optional per-image flags (e.g. label errors) joined onto a study's evaluation images.

Accepted files, each giving one bool per evaluation image:

- A table (Parquet, or CSV of more than one column): `image_id` and a flag column of
  true/false or 1/0, every evaluation image listed once (read_flags).
- Image ids of the flagged images: .txt or .csv with one id per line (`#` comments and an
  `image_id` header allowed), a .json list or an .npy array of integers.
- A mask over the evaluation images in image-id order, one entry per image: .json or .npy
  of true/false, or of floats 0.0/1.0 (the form in which the published ImageNet validation
  label errors come).

An integer array as long as the evaluation set that holds only 0 and 1 could be either
ids or a mask; it is refused unless `format` says which: "ids" or "mask". With an explicit
format, ids may also be integral floats and a mask also integers 0/1 or a .txt of 0/1 lines.
"""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from ddd.io.binary import check_binary
from ddd.io.textfile import read_text

FORMATS = ("ids", "mask")
SUFFIXES = (".parquet", ".csv", ".txt", ".json", ".npy")


def read_flags(path: str | os.PathLike, column: str, image_ids: np.ndarray,
               format: str | None = None) -> np.ndarray:
    """Bool flag per image, in the order of `image_ids`: from a table with `image_id` and the
    flag column (Parquet, or CSV of more than one column), else from ids or a mask
    (read_mask; `format` as there)."""
    path = Path(path)
    table = _table(_existing(path, "image_flags"), column)
    if table is None:
        return read_mask(path, image_ids, format, key="image_flags")
    flags = table.set_index("image_id")[column]
    unknown = flags.index.difference(pd.Index(image_ids))
    absent = pd.Index(image_ids).difference(flags.index)
    if len(unknown) or len(absent):
        raise ValueError(f"{path}: flags must cover exactly the study's evaluation images; "
                         f"{len(absent)} images have no flag (e.g. {list(absent[:3])}), "
                         f"{len(unknown)} flagged ids are not evaluation images "
                         f"(e.g. {list(unknown[:3])})")
    return flags.loc[image_ids].to_numpy().astype(bool)


def check_file(path: str | os.PathLike, column: str | None, key: str) -> None:
    """What can be checked before the dataset exists, when the workflow's DAG is built: the
    file is there, has a known suffix and reads as a flags table with `column` (None: no
    table form) or as image ids or a mask. `key` names the config entry in messages."""
    path = _existing(Path(path), key)
    if column is None or _table(path, column) is None:
        _read_values(path)


def _existing(path: Path, key: str) -> Path:
    if not path.is_file():
        raise FileNotFoundError(f"{key} file {path} does not exist; fix {key}.path in the "
                                f"study's config or remove {key}")
    if path.suffix not in SUFFIXES:
        raise ValueError(f"{path}: unknown suffix {path.suffix!r} under {key}; valid: "
                         f"{', '.join(SUFFIXES)} (module ddd.flags says what each holds): "
                         f"rename the file")
    return path


def _table(path: Path, column: str) -> pd.DataFrame | None:
    """The file as a checked flags table (Parquet, or CSV of more than one column); None
    when it holds ids or a mask instead."""
    if path.suffix == ".parquet":
        try:
            table = pd.read_parquet(path)
        except (pa.ArrowException, OSError, UnicodeDecodeError) as err:
            raise ValueError(f"{path}: not a readable Parquet file ({err}); write it again "
                             f"(image_id and {column!r} columns)") from None
    elif path.suffix == ".csv" and "," in (text := read_text(path)).partition("\n")[0]:
        try:
            table = pd.read_csv(io.StringIO(text))
        except (pd.errors.ParserError, pd.errors.EmptyDataError) as err:
            raise ValueError(f"{path}: not a readable CSV table ({err})") from None
    else:
        return None
    missing = [c for c in ("image_id", column) if c not in table.columns]
    if missing:
        raise ValueError(f"{path}: lacks columns {missing}; it has {list(table.columns)}; "
                         f"name the flag column under image_flags.column")
    if table["image_id"].duplicated().any():
        raise ValueError(f"{path}: image ids listed more than once")
    values = table[column]
    if values.isna().any() or not values.isin([0, 1]).all():
        raise ValueError(f"{path}: column {column!r} must be true/false (or 1/0)")
    return table


def read_mask(path: str | os.PathLike, image_ids: np.ndarray, format: str | None = None,
              key: str = "image_flags") -> np.ndarray:
    """Bool per image (in `image_ids` order) from a file of flagged ids or a mask (module
    docstring). `format` ("ids" or "mask") settles what the file holds; None infers it and
    refuses the ambiguous case. `key` names the config entry in messages."""
    path = Path(path)
    if format not in (None, *FORMATS):
        raise ValueError(f"{key}: unknown format {format!r}; valid: {list(FORMATS)}")
    values = _read_values(path)
    n = len(image_ids)
    if format is None:
        format = _infer_format(values, n, path, key)
    if format == "mask":
        if len(values) != n:
            raise ValueError(f"{path}: a mask must have one entry per evaluation image "
                             f"({n}), it has {len(values)}")
        return check_binary(values, f"{path}: a mask")
    if values.dtype.kind not in "iu" and not (
            values.dtype.kind == "f" and np.array_equal(values, np.round(values))):
        raise ValueError(f"{path}: image ids must be integers, got {values.dtype}")
    unknown = np.setdiff1d(values, image_ids)
    if unknown.size:
        raise ValueError(f"{path}: {unknown.size} ids are not evaluation images "
                         f"(e.g. {unknown[:3].tolist()})")
    return np.isin(image_ids, values)


def _read_values(path: Path) -> np.ndarray:
    if path.suffix == ".npy":
        try:
            values = np.load(path, allow_pickle=False)
        except (ValueError, OSError, EOFError) as err:
            raise ValueError(f"{path}: not a NumPy array file ({err}); save the ids or the "
                             f"mask with numpy.save") from None
    elif path.suffix == ".json":
        try:
            values = np.asarray(json.loads(read_text(path)))
        except json.JSONDecodeError as err:
            raise ValueError(f"{path}: not valid JSON ({err}); give a list of image ids or "
                             f"of true/false") from None
    elif path.suffix in (".txt", ".csv"):
        values = np.array(_ids(path), dtype=int)
    else:
        raise ValueError(f"{path}: unknown format; valid: {', '.join(SUFFIXES)}")
    return values.ravel()


def _ids(path: Path) -> list[int]:
    """The image ids of a text file, one per line (`#` comments, an image_id header)."""
    ids = []
    for number, line in enumerate(read_text(path).splitlines(), 1):
        value = line.split("#")[0].strip()
        if not value or value == "image_id":
            continue
        try:
            ids.append(int(value))
        except ValueError:
            table = "," in value or "\t" in value or ";" in value
            raise ValueError(
                f"{path}, line {number}: {value[:40]!r} is not an image id"
                + ("; it looks like a table: a CSV of image_id and the flag column needs "
                   "the suffix .csv" if table else "; give one integer id per line")
            ) from None
    return ids


def _infer_format(values: np.ndarray, n: int, path: Path, key: str) -> str:
    binary = bool(np.all((values == 0) | (values == 1))) if values.size else False
    if values.size == 0 or (values.dtype.kind in "iu" and not (binary and len(values) == n)):
        return "ids"
    if values.dtype == bool or (values.dtype.kind == "f" and binary):
        return "mask"
    if values.dtype.kind in "iu":
        raise ValueError(f"{path}: {len(values)} integers, all 0 or 1, one per evaluation "
                         f"image: image ids or a mask? Say which with format: ids or "
                         f"format: mask under {key}")
    raise ValueError(f"{path}: expected image ids (integers) or a mask (true/false or "
                     f"0.0/1.0), got {values.dtype}"
                     + (" values other than 0 and 1" if values.dtype.kind == "f" else ""))
