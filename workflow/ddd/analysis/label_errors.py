"""Per-image label-error flags: found by cleanlab from the runs' predictions, or read from
a user's file of known errors. Written in the image-flags format (ddd.flags) that Fig 3's
overlay and the shares read: image_id plus a boolean column `label_error`.

cleanlab's find_label_issues (confident learning) needs out-of-sample predicted
probabilities; the evaluation images are exactly that for models trained on the training
split. The probabilities are the softmax of every run's final-epoch logits, averaged over
runs.

Known errors (read_known) come as image ids or as a mask over the evaluation images, in
the formats ddd.flags documents: ids in a .txt/.csv (one per line), .json or .npy of
integers; a mask as .json/.npy of true/false or of floats 0.0/1.0 (the published ImageNet
validation label errors). An integer 0/1 array as long as the evaluation set needs an
explicit format ("ids" or "mask").
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from ddd import features
from ddd.errors import rebuild
from ddd.flags import read_mask

log = logging.getLogger(__name__)

COLUMN = "label_error"
FILTERS = ("prune_by_noise_rate", "prune_by_class", "both", "confident_learning",
           "predicted_neq_given", "low_normalized_margin", "low_self_confidence")


def mean_probabilities(logits: Sequence[np.ndarray]) -> np.ndarray:
    """Softmax of each run's (images, classes) logits, averaged over runs (float64)."""
    if not len(logits):
        raise ValueError("no runs' logits to average")
    total: np.ndarray | None = None
    for run_logits in logits:
        z = np.asarray(run_logits, dtype=np.float64)
        z = np.exp(z - z.max(axis=1, keepdims=True))
        z /= z.sum(axis=1, keepdims=True)
        if total is not None and z.shape != total.shape:
            raise ValueError(f"runs' logits differ in shape: {z.shape} vs {total.shape}")
        total = z if total is None else total + z
    assert total is not None, "logits is not empty, so total holds their sum"
    return total / len(logits)


def find(labels: np.ndarray, probabilities: np.ndarray,
         filter_by: str | None = "prune_by_noise_rate") -> pd.DataFrame:
    """cleanlab's label issues: per image the flag, the self-confidence label quality
    (probability of the given label) and the class the averaged predictions favour."""
    from cleanlab.filter import find_label_issues
    from cleanlab.rank import get_label_quality_scores

    if filter_by not in FILTERS:
        raise ValueError(f"unknown cleanlab filter_by {filter_by!r}; valid: {list(FILTERS)}")
    labels = np.asarray(labels, dtype=np.int64)
    if labels.max() >= probabilities.shape[1]:
        raise ValueError(f"label {labels.max()} but only {probabilities.shape[1]} classes "
                         f"in the predicted probabilities")
    issues = find_label_issues(labels, probabilities, filter_by=filter_by, n_jobs=1)
    return pd.DataFrame({
        COLUMN: issues,
        "label_quality": get_label_quality_scores(labels, probabilities),
        "predicted": probabilities.argmax(axis=1).astype(np.int16),
    })


def read_known(path: str | os.PathLike, image_ids: np.ndarray,
               format: str | None = None) -> np.ndarray:
    """Bool flag per evaluation image (in `image_ids` order) from a file of known label
    errors: image ids or a mask over the evaluation set, in the formats ddd.flags accepts
    (float 0/1 arrays, as the published ImageNet validation label errors come, are masks).
    `format` ("ids" or "mask") is needed only for an integer 0/1 array as long as the
    evaluation set, which could be either."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"label errors file {path} does not exist; fix "
                                f"label_errors.path in the study's config")
    return read_mask(path, image_ids, format, key="label_errors")


def flags_table(image_ids: np.ndarray, labels: np.ndarray, flags: np.ndarray,
                extra: pd.DataFrame | None = None) -> pd.DataFrame:
    """The image-flags table: image_id, label, label_error (and cleanlab's columns)."""
    table = pd.DataFrame({"image_id": np.asarray(image_ids, dtype=np.int32),
                          "label": np.asarray(labels, dtype=np.int16), COLUMN: flags})
    if extra is not None:
        table = pd.concat([table, extra.drop(columns=[COLUMN]).reset_index(drop=True)], axis=1)
    return table



def study_flags(correct_path: str | os.PathLike, source: str,
                feature_paths: Sequence[str | os.PathLike] = (),
                filter_by: str | None = "prune_by_noise_rate",
                known: str | os.PathLike | None = None, format: str | None = None
                ) -> pd.DataFrame:
    """The image-flags table of a study whose correctness table (`correct_path`, indexed by
    image_id, with `label`) gives the evaluation images: from cleanlab on the runs'
    features files (source "cleanlab") or from the file of `known` errors."""
    correct = pd.read_parquet(correct_path)
    image_ids, labels = correct.index.to_numpy(), correct["label"].to_numpy()
    extra = None
    if source == "cleanlab":
        logits = []
        for path in feature_paths:
            found = features.load(path)
            if not (np.array_equal(found.image_ids, image_ids)
                    and np.array_equal(found.labels, labels)):
                raise ValueError(f"{path} and {correct_path} disagree on image ids or "
                                 f"labels; rebuild it: {rebuild(path)}")
            logits.append(found.logits)
        extra = find(labels, mean_probabilities(logits), filter_by)
        flags = extra[COLUMN].to_numpy()
        log.info("cleanlab (%s) on %d runs' averaged probabilities", filter_by, len(logits))
    else:
        assert known is not None, "a file source comes with the path of its known errors"
        flags = read_known(known, image_ids, format)
        log.info("known label errors from %s", known)
    log.info("%d of %d images flagged as label errors", flags.sum(), flags.size)
    return flags_table(image_ids, labels, flags, extra)
