"""Decisions from anywhere: runs whose decisions were made elsewhere, read into one form.

Every reader returns `Decisions` (image ids, run names, a runs x images bool correctness
matrix, optional labels and predictions), which the analyses take (ddd.analysis.tabulate). Accepted:

- One run per file (read_run, read_runs): Parquet or CSV with `image_id` and either
  `label` and `prediction` or `correct` (true/false or 0/1), optionally `epoch`. Plain
  pandas tables and the workflow's own decision tables (ddd.decisions) both qualify; the
  latter's run name is taken from its metadata, others are named by the file's stem.
  Kappa uses each run's last epoch (read_run keeps all epochs for epoch analyses).
- A runs x images correctness matrix (read_matrix): .npy with the run names one per line
  in a sibling .txt (`m.npy` -> `m.txt`) or passed as `run_names` (image ids 0..n-1);
  CSV or Parquet with images as rows (first column `image_id`, one column per run) or runs
  as rows (first column `run`, one column per image id).
- The model-vs-human raw-data layout (read_mvh): a folder of CSVs, one per observer, with
  columns subj, session, trial, rt, object_response, category, condition, imagename.
  Every file becomes a run named by its `subj`; trials are matched by image id, the image
  name without its experiment-specific prefix (`0001_cl_s01_cr_oven_40_n04111531_14126.png`
  -> `n04111531_14126.png`, as model-vs-human does); labels are `category`, predictions
  `object_response` (`na`, no answer, counts as wrong). One Decisions per `condition`
  level, since each level shows its own images.

CSV is read as UTF-8 (a byte-order mark, as Excel writes, is fine). Every error names the
file: missing columns, duplicate image ids, runs over different images, non-binary
correctness, unreadable text.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from ddd.decisions import METADATA_KEY
from ddd.errors import DddError
from ddd.io.binary import check_binary
from ddd.io.textfile import TextFileError, not_utf8, read_text

MVH_COLUMNS = ("subj", "session", "trial", "rt", "object_response", "category", "condition",
               "imagename")


class GivenError(DddError):
    """A given decisions file that cannot be read as such; the message names the file."""


@dataclass(frozen=True)
class Decisions:
    """Runs' decisions on the same images: image_ids (images,), unique; runs (names);
    correct (runs x images, bool); labels (images,) and predictions (runs x images) where
    the source gives them; source names where it came from, for messages."""

    image_ids: np.ndarray
    runs: list[str]
    correct: np.ndarray
    labels: np.ndarray | None = None
    predictions: np.ndarray | None = None
    source: str = "<decisions>"

    def __post_init__(self) -> None:
        n_runs, n_images = len(self.runs), len(self.image_ids)
        if self.correct.shape != (n_runs, n_images):
            raise GivenError(f"{self.source}: correctness is {self.correct.shape}, expected "
                             f"{n_runs} runs x {n_images} images")
        if n_runs == 0 or n_images == 0:
            raise GivenError(f"{self.source}: no runs or no images")
        if len(set(self.runs)) != n_runs:
            raise GivenError(f"{self.source}: run names repeat: {_repeated(self.runs)}")
        if self.correct.dtype != bool:
            raise GivenError(f"{self.source}: correctness must be bool, got {self.correct.dtype}")
        if pd.Index(self.image_ids).has_duplicates:
            raise GivenError(f"{self.source}: image ids repeat: {_repeated(self.image_ids)}")


def read_run(path: str | os.PathLike) -> pd.DataFrame:
    """One run's decisions, every epoch: image_id, epoch (0 if absent), correct (bool) and,
    where given, label and prediction; sorted by (epoch, image_id). Every epoch must list
    the same images once each; `correct`, where given beside label and prediction, must
    equal prediction == label."""
    path = Path(path)
    table = _read_table(path)
    has_pred = {"label", "prediction"} <= set(table.columns)
    if "image_id" not in table.columns or not (has_pred or "correct" in table.columns):
        raise GivenError(f"{path}: a run's decisions need columns image_id and either label "
                         f"and prediction or correct; it has {list(table.columns)}")
    keep = [c for c in ("image_id", "epoch", "label", "prediction", "correct")
            if c in table.columns]
    table = table[keep].copy()
    if "epoch" not in table.columns:
        table["epoch"] = 0
    if table[keep].isna().any().any():
        raise GivenError(f"{path}: empty cells in {[c for c in keep if table[c].isna().any()]}")
    if has_pred:
        matches = (table["prediction"] == table["label"]).to_numpy()
        if "correct" in table.columns and not np.array_equal(
                _binary(table["correct"], path, "column correct"), matches):
            raise GivenError(f"{path}: column correct disagrees with prediction == label")
        table["correct"] = matches
    else:
        table["correct"] = _binary(table["correct"], path, "column correct")
    repeated = table.duplicated(["epoch", "image_id"])
    if repeated.any():
        raise GivenError(f"{path}: image ids listed more than once in an epoch: "
                         f"{table.loc[repeated, 'image_id'].unique()[:5].tolist()}")
    table = table.sort_values(["epoch", "image_id"], ignore_index=True)
    sizes = table.groupby("epoch", sort=True).size()
    ids = table["image_id"].to_numpy()
    if sizes.nunique() > 1 or np.any(ids.reshape(len(sizes), -1) != ids[: sizes.iloc[0]]):
        raise GivenError(f"{path}: its epochs {sizes.index.tolist()[:5]} cover different "
                         f"images; every epoch must list the same images")
    return table


def last_epoch(table: pd.DataFrame) -> pd.DataFrame:
    """The rows of a read_run table's last epoch."""
    return table[table["epoch"] == table["epoch"].max()].reset_index(drop=True)


def read_runs(paths: Sequence[str | os.PathLike] | Mapping[str, str | os.PathLike]
              ) -> Decisions:
    """The last epoch of one file per run, lined up. Runs are named by the mapping's keys,
    else by the metadata of the workflow's decision tables, else by the files' stems.
    Files over different images, or with labels that disagree, are an error naming both."""
    named = dict(paths) if isinstance(paths, Mapping) else {_run_name(p): p for p in paths}
    if not isinstance(paths, Mapping) and len(named) != len(paths):
        raise GivenError(f"run names repeat among {[str(p) for p in paths]}: "
                         f"{_repeated([_run_name(p) for p in paths])}; rename the files")
    if not named:
        raise GivenError("no decision files given")
    ref_path = ref = None
    correct, labels, predictions = [], [], []
    for path in named.values():
        table = last_epoch(read_run(path))
        if ref is None:
            ref_path, ref = path, table
        elif not np.array_equal(table["image_id"].to_numpy(), ref["image_id"].to_numpy()):
            raise GivenError(f"{path} and {ref_path} cover different images "
                             f"({_difference(table['image_id'], ref['image_id'])}); every run "
                             f"must be evaluated on the same images")
        correct.append(table["correct"].to_numpy())
        if "label" in table.columns and "label" in ref.columns:
            if not np.array_equal(table["label"].to_numpy(), ref["label"].to_numpy()):
                raise GivenError(f"{path} and {ref_path} disagree on image labels")
            labels.append(table["label"].to_numpy())
            predictions.append(table["prediction"].to_numpy())
    assert ref is not None, "named is not empty, so ref holds the first table"
    complete = len(labels) == len(named)
    return Decisions(ref["image_id"].to_numpy(), list(named), np.stack(correct),
                     labels=labels[0] if complete else None,
                     predictions=np.stack(predictions) if complete else None,
                     source=", ".join(str(p) for p in named.values()))


def read_matrix(path: str | os.PathLike, run_names: Sequence[str] | None = None) -> Decisions:
    """A runs x images correctness matrix (module docstring for the layouts)."""
    path = Path(path)
    if path.suffix == ".npy":
        values = _load_npy(path)
        names = _npy_run_names(path, values.shape, run_names)
        return Decisions(np.arange(values.shape[1]), names,
                         _binary(values, path, "the matrix"), source=str(path))
    _no_run_names(path, run_names)
    table = _read_table(path)
    first = table.columns[0] if len(table.columns) else None
    if first == "image_id":
        wide = table.set_index("image_id")
        ids, names, by_run = wide.index.to_numpy(), [str(c) for c in wide.columns], False
    elif first == "run":
        wide = table.set_index("run")
        ids, names, by_run = _ids_from_headers(wide.columns), list(wide.index.astype(str)), True
    else:
        raise _layout_error(path, first)
    numeric = all(pd.api.types.is_bool_dtype(t) or pd.api.types.is_numeric_dtype(t)
                  for t in wide.dtypes)  # bool beside 0/1 columns: one float array
    values = wide.to_numpy(dtype=float if numeric else None)
    return Decisions(np.asarray(ids), list(names),
                     _binary(values if by_run else values.T, path, "the matrix"),
                     source=str(path))


def matrix_runs(path: str | os.PathLike, run_names: Sequence[str] | None = None
                ) -> list[str]:
    """The run names of a correctness matrix, read without its values: what the plan needs
    when the Snakefile is parsed (the jobs read and check the values, read_matrix)."""
    path = Path(path)
    if path.suffix == ".npy":
        return _npy_run_names(path, _load_npy(path, mmap_mode="r").shape, run_names)
    _no_run_names(path, run_names)
    header = columns(path)
    first = header[0] if header else None
    if first == "image_id":
        return header[1:]
    if first == "run":
        return _read_table(path, lambda column: column == "run")["run"].astype(str).tolist()
    raise _layout_error(path, first)


def _load_npy(path: Path, mmap_mode: Literal["r"] | None = None) -> np.ndarray:
    try:
        return np.load(path, mmap_mode=mmap_mode, allow_pickle=False)
    except (OSError, ValueError) as err:
        raise GivenError(f"{path}: not a readable .npy array ({err})") from err


def _npy_run_names(path: Path, shape: tuple[int, ...], run_names: Sequence[str] | None
                   ) -> list[str]:
    if len(shape) != 2:
        raise GivenError(f"{path}: expected a runs x images matrix, got shape {shape}")
    names = list(run_names) if run_names is not None else _sibling_names(path)
    if len(names) != shape[0]:
        raise GivenError(f"{path}: {shape[0]} runs (rows) but {len(names)} run names")
    return names


def _no_run_names(path: Path, run_names: Sequence[str] | None) -> None:
    if run_names is not None:
        raise GivenError(f"{path}: run names come from the table's headers; give run_names "
                         f"only for .npy")


def _layout_error(path: Path, first: object) -> GivenError:
    return GivenError(f"{path}: a correctness matrix has first column image_id (images as "
                      f"rows, one column per run) or run (runs as rows, one column per "
                      f"image id); its first column is {first!r}")


def read_any(paths: Sequence[str | os.PathLike], condition: str | None = None
             ) -> dict[str, Decisions]:
    """Decisions from what a user points at, keyed by subset (condition level for
    model-vs-human data, else "all"): one folder (model-vs-human raw data), one correctness
    matrix (.npy, or a table whose first column is `run`, or `image_id` without decision
    columns), or one decision file per run."""
    files = [Path(p) for p in paths]
    if not files:
        raise GivenError("no decision files given")
    if any(p.is_dir() for p in files):
        if len(files) > 1:
            raise GivenError(f"give one model-vs-human folder alone, got {[str(p) for p in files]}")
        return read_mvh(files[0], condition)
    if condition is not None:
        raise GivenError("a condition selects a level of model-vs-human data; these are "
                         "decision files or a matrix")
    matrices = [p for p in files if _is_matrix(p)]
    if matrices and len(files) > 1:
        raise GivenError(f"{matrices[0]} is a correctness matrix; give it alone, not with "
                         f"other files")
    return {"all": read_matrix(files[0]) if matrices else read_runs(files)}


def read_mvh(folder: str | os.PathLike, condition: str | None = None) -> dict[str, Decisions]:
    """The model-vs-human raw data of one experiment: one Decisions per condition level (in
    order of first appearance), or only `condition`'s. Column names are matched
    case-insensitively (some files write Session)."""
    folder = Path(folder)
    trials = _mvh_trials(folder, MVH_COLUMNS)
    return {level: _mvh_level(folder, level, trials)
            for level in _mvh_levels(folder, trials, condition)}


def mvh_runs(folder: str | os.PathLike, condition: str | None = None) -> dict[str, list[str]]:
    """Condition level -> observers of model-vs-human raw data, from two columns of each
    file: what the plan needs when the Snakefile is parsed (the jobs read the trials,
    read_mvh)."""
    folder = Path(folder)
    trials = _mvh_trials(folder, ("subj", "condition"))
    return {level: list(trials) for level in _mvh_levels(folder, trials, condition)}


def _mvh_trials(folder: Path, needed: Sequence[str]) -> dict[str, tuple[Path, pd.DataFrame]]:
    """Observer -> (file, its trials) of a model-vs-human folder, one observer per file;
    of each file the `needed` columns alone unless they are all of MVH_COLUMNS."""
    files = sorted(folder.glob("*.csv")) if folder.is_dir() else []
    if not files:
        raise GivenError(f"{folder}: no CSV files; give a folder of model-vs-human raw-data "
                         f"CSVs, one per observer")
    only = None if set(needed) == set(MVH_COLUMNS) else set(needed)
    trials: dict[str, tuple[Path, pd.DataFrame]] = {}
    for path in files:
        table = _read_table(path, None if only is None
                            else lambda column: str(column).lower() in only)
        table.columns = [str(c).lower() for c in table.columns]
        missing = [c for c in needed if c not in table.columns]
        if missing:
            raise GivenError(f"{path}: lacks model-vs-human columns {missing}; it has "
                             f"{list(table.columns)}")
        subjects = table["subj"].astype(str).unique()
        if len(subjects) != 1:
            raise GivenError(f"{path}: one observer per file expected, found subj "
                             f"{subjects.tolist()}")
        if subjects[0] in trials:
            raise GivenError(f"{path} and {trials[subjects[0]][0]} both hold observer "
                             f"{subjects[0]!r}; merge their sessions into one file")
        table["condition"] = table["condition"].astype(str)
        if "imagename" in table:
            table["image_id"] = table["imagename"].astype(str).map(short_imagename)
        trials[subjects[0]] = (path, table)
    return trials


def _mvh_levels(folder: Path, trials: dict[str, tuple[Path, pd.DataFrame]],
                condition: str | None) -> list[str]:
    """The condition levels to analyse: all, in order of first appearance, or `condition`."""
    levels = list(dict.fromkeys(c for _, t in trials.values() for c in t["condition"]))
    if condition is None:
        return levels
    if str(condition) not in levels:
        raise GivenError(f"{folder}: no condition {condition!r}; levels: {levels}")
    return [str(condition)]


def short_imagename(imagename: str) -> str:
    """model-vs-human's image id: the image name without its experiment-specific prefix
    (trial number, session, condition): the last two `_` parts for ImageNet names
    (`..._n04111531_14126.png` -> `n04111531_14126.png`), else the last part."""
    parts = imagename.split("_")
    if len(parts) < 2:
        return imagename
    return "_".join(parts[-2:]) if parts[-2].startswith("n0") else parts[-1]


def _mvh_level(folder: Path, level: str, trials: dict[str, tuple[Path, pd.DataFrame]]
               ) -> Decisions:
    ref_path = ref = None
    correct, predictions = [], []
    for path, table in trials.values():
        rows = table[table["condition"] == level].sort_values("image_id")
        if rows.empty:
            raise GivenError(f"{path}: no trials of condition {level!r}, which other "
                             f"observers in {folder} have; remove the file or choose a "
                             f"condition")
        if rows["image_id"].duplicated().any():
            raise GivenError(f"{path}: images shown more than once in condition {level!r}: "
                             f"{_repeated(rows['image_id'])}")
        if ref is None:
            ref_path, ref = path, rows
        elif not np.array_equal(rows["image_id"].to_numpy(), ref["image_id"].to_numpy()):
            raise GivenError(f"{path} and {ref_path} show different images in condition "
                             f"{level!r} ({_difference(rows['image_id'], ref['image_id'])})")
        elif not np.array_equal(rows["category"].to_numpy(), ref["category"].to_numpy()):
            raise GivenError(f"{path} and {ref_path} disagree on image categories in "
                             f"condition {level!r}")
        answers = rows["object_response"].astype(str).to_numpy()
        predictions.append(answers)
        correct.append(answers == rows["category"].astype(str).to_numpy())
    assert ref is not None, "trials is not empty, so ref holds the first observer's rows"
    return Decisions(ref["image_id"].to_numpy(), list(trials), np.stack(correct),
                     labels=ref["category"].astype(str).to_numpy(),
                     predictions=np.stack(predictions),
                     source=f"{folder} (condition {level})")


def _read_table(path: Path, usecols: Callable[[str], bool] | None = None) -> pd.DataFrame:
    """A CSV or Parquet table; `usecols`: only the columns it accepts."""
    if not path.is_file():
        raise FileNotFoundError(f"decisions file {path} does not exist")
    if path.suffix == ".csv":
        try:
            return pd.read_csv(path, encoding="utf-8-sig", usecols=usecols)
        except UnicodeDecodeError as err:
            raise GivenError(str(not_utf8(path, err))) from None
        except (pd.errors.ParserError, pd.errors.EmptyDataError) as err:
            raise GivenError(f"{path}: not a readable CSV table ({err})") from err
    if path.suffix == ".parquet":
        try:
            return pd.read_parquet(path, columns=None if usecols is None else
                                   [c for c in pq.read_schema(path).names if usecols(c)])
        except (pa.ArrowException, OSError) as err:
            raise GivenError(f"{path}: not a readable Parquet file ({err})") from err
    raise GivenError(f"{path}: unknown format {path.suffix!r}; give .csv, .parquet, or .npy "
                     f"for a correctness matrix")


def columns(path: str | os.PathLike) -> list[str]:
    """The column names of a CSV or Parquet table, read from its header alone."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"decisions file {path} does not exist")
    try:
        if path.suffix == ".csv":
            return [str(c) for c in pd.read_csv(path, nrows=0, encoding="utf-8-sig").columns]
        if path.suffix == ".parquet":
            return pq.read_schema(path).names
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError,
            pa.ArrowException, OSError):
        _read_table(path)  # raises the reader's message
    raise GivenError(f"{path}: unknown format {path.suffix!r}; give .csv or .parquet")


def _is_matrix(path: Path) -> bool:
    if path.suffix == ".npy":
        return True
    if path.suffix not in (".csv", ".parquet") or not path.is_file():
        return False
    try:
        columns_ = columns(path)
    except GivenError:
        return False  # read_run reports it
    decisions = "correct" in columns_ or {"label", "prediction"} <= set(columns_)
    return bool(columns_) and (columns_[0] == "run" or (columns_[0] == "image_id"
                                                        and not decisions))


def _binary(values: np.ndarray | pd.Series, path: Path, what: str) -> np.ndarray:
    try:
        return check_binary(np.asarray(values), f"{path}: {what}")
    except ValueError as err:
        raise GivenError(str(err)) from err


def _run_name(path: str | os.PathLike) -> str:
    path = Path(path)
    if path.suffix == ".parquet" and path.is_file():
        try:
            meta = pq.read_schema(path).metadata or {}
        except (pa.ArrowException, OSError):
            meta = {}  # read_run reports the unreadable file
        if METADATA_KEY in meta:
            return str(json.loads(meta[METADATA_KEY]).get("run", path.stem))
    return path.stem


def _sibling_names(path: Path) -> list[str]:
    names_path = path.with_suffix(".txt")
    if not names_path.is_file():
        raise GivenError(f"{path}: no run names; write them one per line to {names_path} "
                         f"(or pass run_names)")
    try:
        lines = read_text(names_path).splitlines()
    except TextFileError as err:
        raise GivenError(str(err)) from None
    return [line.strip() for line in lines if line.strip()]


def _ids_from_headers(headers: pd.Index) -> np.ndarray:
    """Image ids from column headers: integers where every header is one."""
    text = headers.astype(str)
    return text.astype(np.int64).to_numpy() if text.str.fullmatch(r"-?\d+").all() else \
        text.to_numpy()


def _repeated(values: Sequence | np.ndarray | pd.Series) -> list:
    series = pd.Series(np.asarray(values))
    return series[series.duplicated()].unique()[:5].tolist()


def _difference(a: pd.Series, b: pd.Series) -> str:
    only_a, only_b = np.setdiff1d(a, b), np.setdiff1d(b, a)
    return (f"{len(a)} vs {len(b)} images; {only_a.size} only in the first, e.g. "
            f"{only_a[:3].tolist()}, {only_b.size} only in the second, e.g. "
            f"{only_b[:3].tolist()}")
