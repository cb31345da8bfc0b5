"""Acceptable labels: for each evaluation image, the set of answers that count as right.

Read from one of two formats (config `acceptable_labels`, README "Acceptable labels"):

- real_json: ReaL's real.json (Beyer et al. 2020), a JSON list with one list of labels per
  evaluation image in image-id order; an empty list leaves the image out of the rectified
  analyses. `source: timm` reads the copy the timm package ships, found without importing
  timm (which imports torch).
- table: a CSV or Parquet file with columns image_id and label, one row per acceptable
  label (several rows per image). A listed image accepts exactly its listed labels (a row
  with an empty label: none, the image is left out); an image not listed accepts its
  dataset label alone. The error-review page's scoring writes this format.

The result is one long table (image_id, label) of every accepted pair; a study image
without a row is left out of the rectified analyses.
"""

from __future__ import annotations

import importlib.util
import json
import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ddd.errors import ConfigError, DddError
from ddd.io.textfile import read_text
from ddd.study import Study

FORMATS = ("real_json", "table")
TIMM_REAL = ("data", "_info", "imagenet_real_labels.json")  # inside the timm package
COLUMNS = ["image_id", "label"]


class AcceptableLabelsError(DddError):
    """An acceptable-labels file the workflow cannot use; the message names file and fix."""


def timm_real_json() -> Path:
    """The ReaL labels file shipped with the installed timm package (not imported)."""
    spec = importlib.util.find_spec("timm")
    if spec is None or not spec.submodule_search_locations:
        raise AcceptableLabelsError(
            "acceptable_labels source timm: the timm package is not installed; install it "
            "(pip install timm) or give the path of real.json with source: file")
    for folder in spec.submodule_search_locations:
        path = Path(folder).joinpath(*TIMM_REAL)
        if path.is_file():
            return path
    raise AcceptableLabelsError(
        f"acceptable_labels source timm: the installed timm ({spec.origin}) has no "
        f"{'/'.join(TIMM_REAL)}; install timm 0.4.12 or later (pip install -U timm) or "
        f"give the path of real.json with source: file")


def resolve(study: Study, spec: dict[str, Any]) -> dict[str, str]:
    """A study's acceptable labels: the file (the timm copy for source timm) and format."""
    where = f"config: studies.{study.name}.acceptable_labels"
    if study.given is not None and not study.given.labels:
        raise ConfigError(f"{where}: the given runs hold correctness only, no predictions, "
                          f"so no answer can be checked against acceptable labels: give "
                          f"files with label and prediction columns, or remove "
                          f"acceptable_labels")
    if spec["source"] == "timm":
        if study.kind != "imagenet" or "path" in spec or spec["format"] != "real_json":
            raise ConfigError(f"{where}: source timm reads the ReaL labels of the ImageNet "
                              f"validation set (format real_json, no path); for this study "
                              f"give source: file with a path")
        try:
            return {"path": str(timm_real_json()), "format": "real_json"}
        except AcceptableLabelsError as err:
            raise ConfigError(f"config: studies.{study.name}.{err}") from None
    if spec["source"] == "review":
        if "path" in spec:
            raise ConfigError(f"{where}: source review reads the scored review "
                              f"(results/{study.name}/review/acceptable.csv); remove path")
        return {"path": f"results/{study.name}/review/acceptable.csv", "format": "table",
                "source": "review"}
    if "path" not in spec:
        raise ConfigError(f"{where}: source file needs path: the acceptable-labels file")
    if Path(spec["path"]).parts[:1] == ("results",):
        raise ConfigError(f"{where}: {spec['path']} lies under results/, where the workflow "
                          f"writes; move the file elsewhere")
    return {"path": spec["path"], "format": spec["format"]}


def source_path(spec: dict) -> str:
    """The file a study's acceptable_labels setting names (the timm copy for source timm)."""
    if spec["source"] == "timm":
        return str(timm_real_json())
    return spec["path"]


def read(path: str | os.PathLike, format: str, image_ids: np.ndarray, labels: np.ndarray,
         n_classes: int | None) -> pd.DataFrame:
    """Every accepted (image_id, label) pair of the study's images, sorted.

    `image_ids` and `labels` are the study's evaluation images and dataset labels;
    `n_classes` (None: unknown) bounds the labels. Any entry that cannot be the study's is
    an error naming the file.
    """
    path = Path(path)
    if not path.is_file():
        raise AcceptableLabelsError(f"acceptable labels file {path} does not exist: fix "
                                    f"acceptable_labels.path")
    image_ids = np.asarray(image_ids, dtype=np.int64)
    if format == "real_json":
        table = _real_json(path, image_ids)
    elif format == "table":
        table = _table(path, image_ids, np.asarray(labels, dtype=np.int64))
    else:
        raise AcceptableLabelsError(f"acceptable_labels.format {format!r} is not one of "
                                    f"{', '.join(FORMATS)}")
    _check_labels(path, table["label"].to_numpy(), n_classes)
    if table.empty:
        raise AcceptableLabelsError(f"{path}: no evaluation image has an acceptable label, "
                                    f"so every image would be left out of the rectified "
                                    f"analyses; give each image its acceptable labels (an "
                                    f"empty list or label leaves only that image out)")
    return (table.drop_duplicates().sort_values(COLUMNS, ignore_index=True)
            .astype({"image_id": np.int32, "label": np.int16}))


def _real_json(path: Path, image_ids: np.ndarray) -> pd.DataFrame:
    try:
        entries = json.loads(read_text(path))
    except json.JSONDecodeError as err:
        raise AcceptableLabelsError(f"{path}: not valid JSON ({err}); real.json is a list "
                                    f"of label lists, one per evaluation image") from None
    if not isinstance(entries, list) or not all(isinstance(e, list) for e in entries):
        raise AcceptableLabelsError(f"{path}: not a list of label lists; real.json holds one "
                                    f"list of labels per evaluation image, in image-id order")
    if len(entries) != len(image_ids) or not np.array_equal(image_ids, np.arange(len(entries))):
        raise AcceptableLabelsError(
            f"{path}: {len(entries)} entries for a study of {len(image_ids)} evaluation "
            f"images (ids {image_ids.min()}..{image_ids.max()}); real.json lists every "
            f"evaluation image in image-id order (ImageNet: the 50,000 validation images "
            f"by file name): use the file of this evaluation set, or the table format")
    bad = next(((i, x) for i, entry in enumerate(entries) for x in entry
                if isinstance(x, bool) or not isinstance(x, int)), None)
    if bad is not None:
        raise AcceptableLabelsError(f"{path}: entry {bad[0]} holds {bad[1]!r}, not a class "
                                    f"index; labels are integers")
    sizes = [len(entry) for entry in entries]
    return pd.DataFrame({"image_id": np.repeat(image_ids, sizes),
                         "label": np.array([x for e in entries for x in e], dtype=np.int64)})


def _table(path: Path, image_ids: np.ndarray, labels: np.ndarray) -> pd.DataFrame:
    if path.suffix == ".parquet":
        try:
            frame = pd.read_parquet(path)
        except Exception as err:  # pyarrow raises several types for a damaged file
            raise AcceptableLabelsError(f"{path}: not a readable Parquet file ({err}); write "
                                        f"it again (columns image_id, label)") from None
    elif path.suffix == ".csv":
        try:
            frame = pd.read_csv(path, encoding="utf-8-sig", comment="#")
        except UnicodeDecodeError as err:
            raise AcceptableLabelsError(f"{path}: not UTF-8 text ({err.reason}); save it as "
                                        f"UTF-8") from None
        except pd.errors.ParserError as err:
            raise AcceptableLabelsError(f"{path}: not a readable CSV ({err}); one "
                                        f"image_id,label row per acceptable label") from None
    else:
        raise AcceptableLabelsError(f"{path}: unknown suffix {path.suffix!r} for the table "
                                    f"format; give a .csv or .parquet file")
    missing = [c for c in COLUMNS if c not in frame.columns]
    if missing:
        raise AcceptableLabelsError(f"{path}: lacks columns {missing} (has "
                                    f"{list(frame.columns)}); the table format is one "
                                    f"image_id,label row per acceptable label")
    ids = pd.to_numeric(frame["image_id"], errors="coerce")
    label = pd.to_numeric(frame["label"], errors="coerce")
    bad = ids.isna() | (ids % 1 != 0) | (label.notna() & (label % 1 != 0)) \
        | (label.isna() & frame["label"].notna() & (frame["label"].astype(str).str.strip() != ""))
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise AcceptableLabelsError(f"{path}: row {row + 1} ({frame.iloc[row].to_dict()}) "
                                    f"is not an integer image id and label; give class "
                                    f"indices (an empty label: no acceptable label)")
    unknown = sorted(set(ids.astype(np.int64)) - set(image_ids.tolist()))
    if unknown:
        raise AcceptableLabelsError(f"{path}: {len(unknown)} image ids are not evaluation "
                                    f"images of the study (e.g. {unknown[:3]}; the study has "
                                    f"{len(image_ids)}, ids {image_ids.min()}..{image_ids.max()})"
                                    f": use the file of this study's evaluation set")
    listed = pd.DataFrame({"image_id": ids.astype(np.int64), "label": label})
    unlisted = ~np.isin(image_ids, listed["image_id"].to_numpy())
    kept = pd.DataFrame({"image_id": image_ids[unlisted], "label": labels[unlisted]})
    return pd.concat([listed.dropna(), kept], ignore_index=True).astype(np.int64)


def _check_labels(path: Path, labels: np.ndarray, n_classes: int | None) -> None:
    high = n_classes if n_classes is not None else np.iinfo(np.int16).max + 1
    bad = labels[(labels < 0) | (labels >= high)]
    if bad.size:
        raise AcceptableLabelsError(
            f"{path}: label {int(bad[0])} is outside the study's "
            + (f"{n_classes} classes (0..{n_classes - 1})" if n_classes is not None
               else "class indices")
            + "; the file numbers classes like the dataset does: use the file of this "
              "dataset")


def accepted(table: pd.DataFrame, image_ids: np.ndarray, answers: np.ndarray) -> np.ndarray:
    """Whether each answer is acceptable: `answers` (runs x images, or images) of the images
    `image_ids` against the accepted pairs of `table`."""
    answers = np.asarray(answers, dtype=np.int64)
    width = int(max(table["label"].to_numpy().max(initial=0), answers.max(initial=0))) + 1
    keys = table["image_id"].to_numpy(np.int64) * width + table["label"].to_numpy(np.int64)
    asked = np.asarray(image_ids, dtype=np.int64) * width + answers
    return np.isin(asked, keys)


def rated(table: pd.DataFrame, image_ids: np.ndarray) -> np.ndarray:
    """Whether each image has at least one acceptable label (else it is left out)."""
    return np.isin(np.asarray(image_ids), table["image_id"].to_numpy())
