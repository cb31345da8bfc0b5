"""The decision table: every model's decision on every evaluation image at every epoch.

This is the contract between stages. One Parquet file per run, long format, sorted by
(epoch, image_id); run metadata (dataset, condition, instance, architecture, seed, config
hash, library versions) is stored as JSON in the file's key-value metadata under b"ddd".
Pretrained models write the same table with a single epoch.

Two optional columns hold the model's confidence at every evaluation (`CONFIDENCE`):
`p_true`, the softmax probability (temperature 1, over the dataset's classes) of the
dataset label, and `margin`, the logit of the label minus the largest other logit (equal
to log p_true - log p_runner_up; positive exactly when the prediction is right, bar ties).
Both are stored as float16 (11 significant bits: relative error at most 2^-11, absolute
error at most 2^-25 below 2^-14, where float16 is subnormal; margins
beyond float16's range, |margin| > 65504, clipped to it), null where the logits were not
finite; their definition and encoding are in the run metadata
under "columns". Tables without them are complete tables.

Storage: one row group per EPOCHS_PER_ROW_GROUP epochs, each column chunk one zstd page, so
the compressor sees the same images' labels and mostly unchanged predictions of neighbouring
epochs side by side (benchmarks/decision_storage.py: 0.7 bytes per row at ImageNet scale).
Every page carries a CRC checksum, verified on reading: a damaged file is an error.

Versions: the metadata JSON and its digest are the envelope every version keeps; the JSON's
`schema_version` (SCHEMA_VERSION when written; tables without it are version 1) says how to
read the rest. A table of a newer version is refused as such, before its columns are read;
older versions are read.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from ddd.errors import DddError, rebuild
from ddd.io.atomic import atomic_path

SCHEMA = pa.schema([
    ("image_id", pa.int32()),
    ("epoch", pa.int16()),
    ("label", pa.int16()),
    ("prediction", pa.int16()),
    ("correct", pa.bool_()),
])
CONFIDENCE = {
    "p_true": "softmax probability of the dataset label (temperature 1, over the dataset's "
              "classes)",
    "margin": "logit of the dataset label minus the largest other logit "
              "(= log p_true - log p_runner_up)",
}
CONFIDENCE_TYPE = pa.float16()
CONFIDENCE_ERROR = 2.0**-11  # float16 rounding: relative error at most half an ulp,
CONFIDENCE_ABS_ERROR = 2.0**-25  # and absolute error at most this below 2^-14 (subnormals)
METADATA_KEY = b"ddd"
DIGEST_KEY = b"ddd.sha256"  # of the metadata's JSON: a damaged footer is never read as valid
SCHEMA_VERSION = 1  # raise it when the columns or the metadata change meaning
REQUIRED_METADATA = ("run", "dataset", "condition", "instance", "architecture")
EPOCHS_PER_ROW_GROUP = 10
PARQUET_OPTIONS = {
    "compression": "zstd",
    "compression_level": 9,
    "use_dictionary": ["epoch", "label", "prediction"],
    "column_encoding": {"image_id": "DELTA_BINARY_PACKED", "correct": "PLAIN"},
    "data_page_size": 1 << 30,  # one page per column chunk (row group)
    "max_rows_per_page": 1 << 30,
    "write_page_checksum": True,
}


class DecisionTableError(DddError):
    """A decision table that breaks the contract; the message names the file."""


class NewerSchemaError(DecisionTableError):
    """A decision table written by a newer ddd-workflow: intact, but not readable here."""


def from_predictions(predictions: np.ndarray, labels: np.ndarray,
                     image_ids: np.ndarray | None = None,
                     epochs: np.ndarray | None = None,
                     p_true: np.ndarray | None = None,
                     margin: np.ndarray | None = None) -> pa.Table:
    """Long table from a (epochs, images) prediction matrix and the images' labels; with
    `p_true` and `margin` (both or neither, each (epochs, images)) the confidence columns
    too (non-finite values become nulls)."""
    predictions = np.asarray(predictions)
    n_epochs, n_images = predictions.shape
    if n_images == 0 or n_epochs == 0:
        raise DecisionTableError("no decisions: the prediction matrix is empty")
    if image_ids is None:
        image_ids = np.arange(n_images)
    if epochs is None:
        epochs = np.arange(n_epochs)
    label_col = np.tile(np.asarray(labels, dtype=np.int16), n_epochs)
    pred_col = predictions.astype(np.int16).ravel()
    table = pa.table({
        "image_id": np.tile(np.asarray(image_ids, dtype=np.int32), n_epochs),
        "epoch": np.repeat(np.asarray(epochs, dtype=np.int16), n_images),
        "label": label_col,
        "prediction": pred_col,
        "correct": pred_col == label_col,
    }, schema=SCHEMA)
    if (p_true is None) != (margin is None):
        raise DecisionTableError("give both p_true and margin, or neither")
    if p_true is None:
        return table
    largest = float(np.finfo(np.float16).max)
    for name, values in (("p_true", p_true), ("margin", margin)):
        values = np.asarray(values, dtype=np.float32).ravel()
        if values.size != predictions.size:
            raise DecisionTableError(f"{name} has {values.size} values, the predictions "
                                     f"{predictions.shape}")
        stored = np.clip(values, -largest, largest).astype(np.float16)
        column = pa.array(stored, mask=np.isnan(stored), type=CONFIDENCE_TYPE)
        table = table.append_column(pa.field(name, CONFIDENCE_TYPE), column)
    return table


def confidence(logits: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """p_true and margin (float32) of (images, classes) logits and the images' labels:
    softmax at temperature 1 over the given classes."""
    logits = np.asarray(logits, dtype=np.float64)
    rows = np.arange(len(logits))
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    others = logits.copy()
    others[rows, labels] = -np.inf
    margin = logits[rows, labels] - others.max(axis=1)
    return np.exp(log_p[rows, labels]).astype(np.float32), margin.astype(np.float32)


def has_confidence(table: pa.Table | pd.DataFrame) -> bool:
    """Whether a decision table (Arrow or read) holds the confidence columns."""
    names = table.schema.names if isinstance(table, pa.Table) else list(table.columns)
    return all(name in names for name in CONFIDENCE)


def confidence_metadata() -> dict[str, dict[str, str]]:
    """What the run metadata says about the confidence columns: definition and encoding."""
    return {name: {"definition": text, "encoding": "float16",
                   "relative_error": "2^-11", "absolute_error_below_2^-14": "2^-25",
                   "missing": "null"}
            for name, text in CONFIDENCE.items()}


def write(path: str | os.PathLike, table: pa.Table, metadata: dict[str, Any]) -> None:
    """Validate, attach metadata and write atomically (temp file, then rename)."""
    missing = [key for key in REQUIRED_METADATA if key not in metadata]
    if missing:
        raise DecisionTableError(f"{path}: metadata lacks {missing}")
    schema = _schema(table, path)
    metadata = {key: value for key, value in metadata.items() if key != "columns"}
    if has_confidence(table):
        metadata["columns"] = confidence_metadata()
    text = json.dumps({**metadata, "schema_version": SCHEMA_VERSION}, sort_keys=True,
                      default=str).encode()
    table = table.cast(schema).replace_schema_metadata(
        {METADATA_KEY: text, DIGEST_KEY: hashlib.sha256(text).hexdigest()})
    validate(table, path)
    images = table.num_rows // len(pc.unique(table.column("epoch")))
    with atomic_path(path) as tmp:
        pq.write_table(table, tmp, row_group_size=EPOCHS_PER_ROW_GROUP * images,
                       **PARQUET_OPTIONS)


def _schema(table: pa.Table, path: str | os.PathLike) -> pa.Schema:
    """The contract's schema for `table`: the required columns, then the confidence
    columns if it has them; other columns are an error."""
    names = table.schema.names
    if names == SCHEMA.names:
        return SCHEMA
    if names != SCHEMA.names + list(CONFIDENCE):
        raise DecisionTableError(f"{path}: columns {names}, expected {SCHEMA.names} and "
                                 f"optionally {list(CONFIDENCE)}")
    return pa.schema([*SCHEMA, *(pa.field(name, CONFIDENCE_TYPE) for name in CONFIDENCE)])


def read_metadata(path: str | os.PathLike) -> dict[str, Any]:
    """The run metadata stored in a decision table, without reading its rows."""
    return _metadata(_open(path), path)


def _metadata(parquet: pq.ParquetFile, path: str | os.PathLike) -> dict[str, Any]:
    raw = parquet.schema_arrow.metadata or {}
    if METADATA_KEY not in raw:
        raise DecisionTableError(f"{path}: no run metadata; a table of the workflow's is "
                                 f"damaged (rebuild it: {rebuild(path)}), "
                                 f"any other must be written by ddd.decisions.write")
    digest = raw.get(DIGEST_KEY)  # absent in tables written before it was added
    try:
        if digest is not None and hashlib.sha256(raw[METADATA_KEY]).hexdigest() != digest.decode():
            raise ValueError("its checksum does not match")
        metadata = json.loads(raw[METADATA_KEY])
        if not isinstance(metadata, dict):
            raise ValueError("it is not a JSON object")
        version = metadata.get("schema_version", 1)
        if not isinstance(version, int) or isinstance(version, bool) or version < 1:
            raise ValueError(f"schema_version {version!r} is not a version number")
    except ValueError as err:  # also UnicodeDecodeError and JSONDecodeError
        raise DecisionTableError(f"{path}: its run metadata is damaged ({err}); rebuild it: "
                                 f"{rebuild(path)}") from None
    if version > SCHEMA_VERSION:
        raise NewerSchemaError(
            f"{path} was written by a newer ddd-workflow (decision table schema version "
            f"{version}; this one reads versions up to {SCHEMA_VERSION}); the file is not "
            f"damaged: keep it and upgrade ddd-workflow to read it")
    return metadata


def check_provenance(path: str | os.PathLike, metadata: dict[str, Any], run: str | None,
                     study: str | None = None, dataset_sha256: str | None = None) -> None:
    """The table at `path` must be run `run`'s, of `study`, made on the dataset with this
    checksum (None: not checked): a table copied over another run's file, or left from
    another study or dataset, is an error that names the file and the command that
    rebuilds it."""
    found = {"run": metadata.get("run"), "study": metadata.get("study"),
             "dataset_sha256": metadata.get("dataset_sha256")}
    wanted = {"run": run, "study": study, "dataset_sha256": dataset_sha256}
    wrong = [key for key, value in wanted.items()
             if value is not None and found[key] is not None and found[key] != value]
    wrong += [key for key in ("run", "study") if wanted[key] is not None and found[key] is None]
    if wrong:
        details = ", ".join(f"{key} {found[key]!r} (expected {wanted[key]!r})" for key in wrong)
        raise DecisionTableError(
            f"{path} belongs to another run, study or dataset: its metadata names {details}; "
            f"it was copied, moved or made before the dataset changed. Rebuild it: "
            f"{rebuild(path)}")


def read(path: str | os.PathLike, epoch: int | None = None) -> pd.DataFrame:
    """Read and validate a decision table; `epoch=-1` keeps only the run's final epoch.

    With an epoch, only the row groups that hold it are read (found from their statistics).
    """
    frame = read_arrow(path, epoch).to_pandas()
    for name in CONFIDENCE:
        if name in frame:
            frame[name] = frame[name].astype(np.float32)  # float16 is awkward downstream
    return frame


def read_arrow(path: str | os.PathLike, epoch: int | None = None) -> pa.Table:
    """`read`, as the Arrow table (no conversion to pandas)."""
    parquet = _open(path)
    metadata = _metadata(parquet, path)
    try:
        table = parquet.read() if epoch is None else _read_epoch(parquet, path, epoch)
    except (pa.ArrowException, OSError, UnicodeDecodeError) as err:
        raise DecisionTableError(f"{path} is damaged ({err}); rebuild it: {rebuild(path)}"
                                 ) from err
    try:
        validate(table, path)
        if has_confidence(table) and "columns" not in metadata:
            raise DecisionTableError(f"{path}: confidence columns without their definition "
                                     f"in the run metadata")
    except DecisionTableError as err:
        raise DecisionTableError(f"{err}; rebuild it: {rebuild(path)}") from None
    return table


def _read_epoch(parquet: pq.ParquetFile, path: str | os.PathLike, epoch: int) -> pa.Table:
    """The rows of one epoch (-1: the last), from the row groups that hold it. The epoch
    column (a few bytes per epoch) says which; footer statistics are not trusted, since a
    damaged one would silently pick another epoch."""
    epochs = parquet.read(columns=["epoch"]).column("epoch").to_numpy()
    if epochs.size == 0:
        raise DecisionTableError(f"{path}: no rows")
    wanted = int(epochs.max()) if epoch == -1 else epoch
    sizes = [parquet.metadata.row_group(i).num_rows for i in range(parquet.num_row_groups)]
    bounds = np.cumsum([0, *sizes])
    groups = [i for i in range(len(sizes)) if (epochs[bounds[i]:bounds[i + 1]] == wanted).any()]
    if not groups:
        raise DecisionTableError(f"{path}: no epoch {wanted}; it has epochs "
                                 f"{epochs.min()}..{epochs.max()}")
    return parquet.read_row_groups(groups).filter(pc.field("epoch") == wanted)


def _open(path: str | os.PathLike) -> pq.ParquetFile:
    if not Path(path).exists():
        raise FileNotFoundError(f"decision table {path} does not exist")
    try:
        return pq.ParquetFile(path, page_checksum_verification=True)
    except (pa.ArrowException, OSError, UnicodeDecodeError) as err:  # also a damaged name
        raise DecisionTableError(f"{path} is not a readable Parquet file ({err}); rebuild it: "
                                 f"{rebuild(path)}") from err


def validate(table: pa.Table, path: str | os.PathLike = "<table>") -> None:
    """Check columns, types, sort order, one row per (epoch, image) and `correct`; the
    confidence columns, where present: p_true in [0, 1], margin finite, its sign that of
    `correct` (>= 0 where right, <= 0 where wrong)."""
    for expected in _schema(table, path):
        actual = table.schema.field(expected.name).type
        if actual != expected.type:
            raise DecisionTableError(f"{path}: column {expected.name} is {actual}, "
                                     f"expected {expected.type}")
    if table.num_rows == 0:
        raise DecisionTableError(f"{path}: the table has no rows")
    epoch = table.column("epoch").to_numpy()
    image = table.column("image_id").to_numpy()
    epochs, counts = np.unique(epoch, return_counts=True)
    if np.any(np.diff(epoch) < 0) or np.any(counts != counts[0]):
        raise DecisionTableError(f"{path}: rows must be sorted by epoch with the same images "
                                 f"in every epoch")
    by_epoch = image.reshape(len(epochs), -1)
    if np.any(np.diff(by_epoch[0]) <= 0) or np.any(by_epoch != by_epoch[0]):
        raise DecisionTableError(f"{path}: image ids must be unique, sorted and identical in "
                                 f"every epoch")
    label = table.column("label").to_numpy()
    prediction = table.column("prediction").to_numpy()
    if not np.array_equal(table.column("correct").to_numpy(), label == prediction):
        raise DecisionTableError(f"{path}: column correct disagrees with prediction == label")
    if has_confidence(table):
        _validate_confidence(table, path)


def _validate_confidence(table: pa.Table, path: str | os.PathLike) -> None:
    p_true = table.column("p_true").to_numpy(zero_copy_only=False).astype(np.float32)
    margin = table.column("margin").to_numpy(zero_copy_only=False).astype(np.float32)
    if np.any((p_true < 0) | (p_true > 1)) or np.isinf(p_true).any():
        raise DecisionTableError(f"{path}: column p_true has values outside [0, 1]")
    if np.isinf(margin).any():
        raise DecisionTableError(f"{path}: column margin has infinite values")
    correct = table.column("correct").to_numpy()
    if np.any(correct & (margin < 0)) or np.any(~correct & (margin > 0)):
        raise DecisionTableError(f"{path}: column margin disagrees with correct (a right "
                                 f"decision has margin >= 0, a wrong one <= 0)")
