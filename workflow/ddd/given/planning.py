"""The workflow's side of given decisions: a given study's runs as the plan resolves them
(`given_study`), and its identity file and its runs' standard decision tables
(ddd.decisions), so every analysis reads them as it reads trained runs.

The identity file takes the place of a dataset's manifest (results/{study}/data/manifest.json)
and holds what the analyses ask of one: the number of evaluation images, the class count
and names (splits.test), plus the given files' sha256, each run's name in its source, and
how ids and labels were mapped:

- Image ids: integer ids (0 .. 2^31-1) are kept; any other ids (model-vs-human image
  names) become their positions in sorted order, the names kept as image_names.
- Labels: integer labels are class indices; text labels (model-vs-human categories) are
  indices into class_names (configured, else the sorted labels), and a prediction outside
  them (`na`, no answer) is -1. Where only correctness is given, every label is 0 and a
  prediction is 0 (right) or -1 (wrong); `labels` is false and no class analysis runs.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from ddd import decisions
from ddd.datasets.arrays import sha256
from ddd.errors import ConfigError
from ddd.given import readers
from ddd.io.textfile import read_text
from ddd.study import Flags, GivenRun, GivenSource, Run, Study

INT16_MAX = np.iinfo(np.int16).max


def read_source(spec: Mapping[str, Any], paths: Mapping[str, str]) -> readers.Decisions:
    """Every run's (last-epoch) decisions of a given study's source (GivenSource.spec());
    `paths`: run name -> file, for one file per run."""
    if spec["kind"] == "matrix":
        names = spec["run_names"]
        return readers.read_matrix(spec["path"], list(names) if names else None)
    if spec["kind"] == "mvh":
        return readers.read_mvh(spec["path"], spec["level"])[spec["level"]]
    return readers.read_runs(dict(paths))


def class_names(value: str | Sequence[str] | None) -> list[str] | None:
    """Configured class names: a list, or a text file with one name per line."""
    if value is None or not isinstance(value, str):
        return None if value is None else list(value)
    lines = read_text(value).splitlines()
    return [line.strip() for line in lines if line.strip()]


def identity(found: readers.Decisions, spec: Mapping[str, Any], runs: Mapping[str, str],
             names: list[str] | None) -> dict[str, Any]:
    """The identity file of a given study: `runs` maps run id -> name in the source, `names`
    are the configured class names (module docstring for the rest)."""
    ids = np.asarray(found.image_ids)
    manifest: dict[str, Any] = {
        "kind": "given", "source": spec["kind"], "path": spec["path"], "level": spec["level"],
        "sha256": {str(path): sha256(path) for path in spec["files"]},
        "runs": dict(runs), "labels": found.labels is not None,
    }
    if not _integer_ids(ids):
        manifest["image_names"] = sorted(str(i) for i in ids)
    classes = spec["classes"]
    if found.labels is not None and found.predictions is not None and _numeric(found.labels):
        if found.labels.min() < 0:
            raise readers.GivenError(f"{found.source}: labels must be class indices 0, 1, ...; "
                                   f"found {found.labels.min()}")
        top = int(max(found.labels.max(), found.predictions.max())) + 1
        if names is not None and len(names) < top:
            raise readers.GivenError(f"{found.source}: class indices reach {top - 1} but "
                                   f"{len(names)} class names are configured")
        classes = len(names) if names is not None else max(classes or 0, top)
    elif found.labels is not None:
        labels = sorted({str(label) for label in found.labels})
        missing = sorted(set(labels) - set(names or labels))
        if missing:
            raise readers.GivenError(f"{found.source}: labels {missing[:5]} are not among the "
                                   f"configured class names")
        names = names or labels
        manifest["label_names"] = True
        classes = len(names)
    elif names is not None:
        classes = len(names)
    if classes is not None and classes > INT16_MAX:
        raise readers.GivenError(f"{found.source}: {classes} classes; at most {INT16_MAX}")
    if names is not None:
        manifest["class_names"] = names
    manifest["splits"] = {"test": {"images": [len(ids)], "classes": classes}}
    return manifest


def run_decisions(spec: Mapping[str, Any], name: str, path: str) -> pd.DataFrame:
    """One given run's decisions, every epoch given: image_id, epoch, correct and, where
    given, label and prediction (as read, before mapping)."""
    if spec["kind"] == "runs":
        return readers.read_run(path)
    found = read_source(spec, {})
    row = found.runs.index(name)
    table = pd.DataFrame({"image_id": found.image_ids, "epoch": 0,
                          "correct": found.correct[row]})
    if found.labels is not None and found.predictions is not None:
        table["label"], table["prediction"] = found.labels, found.predictions[row]
    return table


def decision_table(table: pd.DataFrame, manifest: Mapping[str, Any],
                   where: str) -> pa.Table:
    """A run's decisions (run_decisions) as a standard decision table, ids and labels
    mapped as the identity file says; images other than the study's are an error naming
    `where`."""
    if "image_names" in manifest:
        index = pd.Index(manifest["image_names"])
        ids = index.get_indexer(table["image_id"].astype(str))
    else:
        ids = table["image_id"].to_numpy()
    images = manifest["splits"]["test"]["images"][0]
    per_epoch = table.groupby("epoch").size()
    if (ids < 0).any() or (per_epoch != images).any() or not _integer_ids(ids):
        raise readers.GivenError(f"{where}: its images are not the study's {images} images; "
                               f"was the file changed after the study's identity file "
                               f"was written?")
    correct = table["correct"].to_numpy(dtype=bool)
    if not manifest["labels"]:
        labels, predictions = np.zeros(len(table), int), np.where(correct, 0, -1)
    elif manifest.get("label_names"):
        index = pd.Index(manifest["class_names"])
        labels = index.get_indexer(table["label"].astype(str))
        predictions = index.get_indexer(table["prediction"].astype(str))
    else:
        labels, predictions = table["label"].to_numpy(), table["prediction"].to_numpy()
    frame = pd.DataFrame({"image_id": ids, "epoch": table["epoch"].to_numpy(),
                          "label": labels, "prediction": predictions})
    frame = frame.sort_values(["epoch", "image_id"], ignore_index=True)
    if frame["epoch"].min() < 0 or frame["epoch"].max() > INT16_MAX:
        raise readers.GivenError(f"{where}: epochs must lie in 0..{INT16_MAX}")
    frame["correct"] = frame["label"] == frame["prediction"]
    return pa.Table.from_pandas(frame, preserve_index=False).cast(decisions.SCHEMA)


def write_run(path: str | os.PathLike, table: pa.Table, run: Mapping[str, Any],
              name: str, source: str) -> None:
    """Write a given run's decision table with its metadata (run id, condition, instance,
    its name and file in the source)."""
    meta = {**run, "run": f"{run['condition']}-{run['instance']}", "dataset": "given",
            "architecture": "given", "given_name": name, "given_path": source}
    decisions.write(path, table, meta)


def _integer_ids(ids: np.ndarray) -> bool:
    return (np.issubdtype(ids.dtype, np.integer) and len(ids) > 0 and ids.min() >= 0
            and ids.max() <= np.iinfo(np.int32).max)


def _numeric(values: np.ndarray) -> bool:
    return np.issubdtype(np.asarray(values).dtype, np.number)


def given_study(name: str, spec: dict[str, Any], flags: Flags | None) -> Study:
    """A study of given decisions: its source, and one run per given run named
    (condition, instance) by given.conditions, a run's own condition and instance, or else
    its name made a condition (characters other than letters, digits and _ become _)."""
    where = f"studies.{name}.given"
    section = spec["given"]
    runs = section.get("runs", [])
    configured = [section.get("matrix"), section.get("mvh"), *(
        runs if isinstance(runs, list) else
        (v if isinstance(v, str) else v["path"] for v in runs.values()))]
    for path in filter(None, configured):
        if Path(path).parts[:1] == ("results",):
            raise ConfigError(f"config: {where}: {path} lies under results/, where the "
                              f"workflow writes; move the given file elsewhere")
    try:
        source, paths = _given_source(section)
    except (readers.GivenError, FileNotFoundError) as err:
        raise ConfigError(f"config: {where}: {err}") from None
    named = _given_names(where, section, list(paths))
    runs = tuple(Run(name, condition, instance, None, given=GivenRun(run, paths[run]))
                 for run, (condition, instance) in named.items())
    study = Study(name, {"kind": "given"}, spec["base_condition"], runs,
                  flags=flags, given=source)
    if study.base_condition not in {run.condition for run in runs}:
        raise ConfigError(f"config: studies.{name}: base_condition {study.base_condition!r} "
                          f"is not a condition of the given runs "
                          f"{sorted({run.condition for run in runs})}: set base_condition")
    return study


def _given_source(section: dict[str, Any]) -> tuple[GivenSource, dict[str, str]]:
    """The source of a given study and each given run's file (by run name)."""
    names = section.get("class_names")
    class_names: str | tuple[str, ...] | None = tuple(names) if isinstance(names, list) \
        else names
    classes: int | None = section.get("classes")
    if "matrix" in section:
        path = section["matrix"]
        run_names = section.get("run_names")
        runs = readers.matrix_runs(path, run_names)
        matrix_files = [path] + ([str(Path(path).with_suffix(".txt"))]
                                 if path.endswith(".npy") and run_names is None else [])
        return (GivenSource("matrix", tuple(matrix_files), False, False, path=path,
                            run_names=tuple(run_names) if run_names else None,
                            class_names=class_names, classes=classes),
                dict.fromkeys(runs, path))
    if "mvh" in section:
        folder = section["mvh"]
        level = section.get("condition")
        levels = readers.mvh_runs(folder, None if level is None else str(level))
        if len(levels) > 1:
            raise readers.GivenError(f"{folder} holds condition levels {list(levels)}; choose "
                                   f"one with condition: (one study per level)")
        level, observers = next(iter(levels.items()))
        csvs = tuple(str(path) for path in sorted(Path(folder).glob("*.csv")))
        return (GivenSource("mvh", csvs, True, False, path=folder, level=level,
                            class_names=class_names, classes=classes),
                dict.fromkeys(observers, folder))
    runs = section["runs"]
    if isinstance(runs, list):
        stems = [Path(path).stem for path in runs]
        if len(set(stems)) != len(stems):
            raise readers.GivenError(f"runs {runs} repeat file names; name the runs (run name "
                                   f"-> file)")
        paths = dict(zip(stems, runs, strict=True))
    else:
        paths = {run: value if isinstance(value, str) else value["path"]
                 for run, value in runs.items()}
    headers = [set(readers.columns(path)) for path in paths.values()]
    return (GivenSource("runs", tuple(dict.fromkeys(paths.values())),
                        all({"label", "prediction"} <= h for h in headers),
                        all("epoch" in h for h in headers), class_names=class_names,
                        classes=classes), paths)


def _given_names(where: str, section: dict[str, Any], runs: list[str]
                 ) -> dict[str, tuple[str, int]]:
    """(condition, instance) of each given run, in the runs' order."""
    named: dict[str, tuple[str, int]] = {}
    for condition, members in section.get("conditions", {}).items():
        for instance, run in enumerate(members, 1):
            if run not in runs:
                raise ConfigError(f"config: {where}.conditions.{condition}: no given run "
                                  f"{run!r}; runs: {runs}")
            if run in named:
                raise ConfigError(f"config: {where}.conditions: run {run!r} is listed twice")
            named[run] = (condition, instance)
    own = section["runs"] if isinstance(section.get("runs"), dict) else {}
    for run in runs:
        value = own.get(run)
        if not isinstance(value, dict) or "condition" not in value and "instance" not in value:
            continue
        if run in named:
            raise ConfigError(f"config: {where}: run {run!r} has a condition of its own and "
                              f"is listed in conditions; keep one")
        condition = value.get("condition", _condition_name(run))
        taken = {i for c, i in named.values() if c == condition}
        named[run] = (condition, value.get("instance", max(taken, default=0) + 1))
    for run in runs:
        named.setdefault(run, (_condition_name(run), 1))
    seen: dict[tuple[str, int], str] = {}
    for run in runs:
        if named[run] in seen:
            condition, instance = named[run]
            raise ConfigError(f"config: {where}: runs {seen[named[run]]!r} and {run!r} are "
                              f"both instance {instance} of condition {condition!r}; give "
                              f"them distinct conditions or instances")
        seen[named[run]] = run
    return {run: named[run] for run in runs}


def _condition_name(run: str) -> str:
    """A run name as a condition name: letters, digits and _, starting with a letter."""
    name = re.sub(r"[^A-Za-z0-9_]", "_", run)
    return name if name[:1].isalpha() else f"r_{name}"
