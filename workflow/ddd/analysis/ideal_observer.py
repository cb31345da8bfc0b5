"""The ideal observer of the Gaussian-sigma dataset: the best possible decision per image.

The generator (ddd.datasets.gaussian) draws every pixel value iid from N(128, sigma^2),
rounds it half to even (np.rint) and clips it to 0..255. A value v in 1..254 therefore has
the probability mass of N(128, sigma^2) over [v - 0.5, v + 0.5]; 0 takes all mass below
0.5 and 255 all mass above 254.5 (the half-to-even ties have measure zero; the float32
arithmetic of the generator moves the bin edges by less than 1e-5). As pixels are iid
given the class, an image's log-likelihood under a class depends only on its histogram of
values: log L = counts @ log p[class].T, for all images in one matrix product. The ideal
observer (equal class priors) picks the most likely class, the lowest on ties.
"""

from __future__ import annotations

import os
import time
from typing import Any

import numpy as np
from scipy.special import log_ndtr

import ddd
from ddd import decisions
from ddd.datasets import arrays
from ddd.datasets.gaussian import MEAN

VALUES = 256  # uint8 pixel values
CONDITION = "ideal_observer"  # its decision table's condition; its run id is CONDITION-1


def _log_mass(lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """log(Phi(hi) - Phi(lo)) for lo < hi, stable for tiny masses in either tail.

    Intervals in the upper tail are mirrored into the lower one, where log_ndtr is exact.
    """
    upper = lo > 0
    lo, hi = np.where(upper, -hi, lo), np.where(upper, -lo, hi)
    log_hi, log_lo = log_ndtr(hi), log_ndtr(lo)
    with np.errstate(divide="ignore"):  # lo = -inf: log_lo - log_hi = -inf, expm1 = -1
        return log_hi + np.log(-np.expm1(log_lo - log_hi))


def log_pixel_probabilities(class_sigmas: np.ndarray) -> np.ndarray:
    """(classes, 256) log-probability of each uint8 value under each class."""
    sigma = np.asarray(class_sigmas, dtype=np.float64)[:, None]
    if np.any(sigma <= 0):
        raise ValueError(f"class sigmas must be positive, got {class_sigmas}")
    edges = np.arange(VALUES + 1, dtype=np.float64) - 0.5 - MEAN
    edges[0], edges[-1] = -np.inf, np.inf  # clipping: 0 and 255 take the tails
    z = edges[None, :] / sigma
    return _log_mass(z[:, :-1], z[:, 1:])


def value_counts(images: np.ndarray) -> np.ndarray:
    """(N, 256) histogram of the uint8 values of each image (all channels and pixels)."""
    images = np.asarray(images)
    if images.dtype != np.uint8:
        raise ValueError(f"images must be uint8, got {images.dtype}")
    flat = images.reshape(len(images), -1).astype(np.int64)
    flat += VALUES * np.arange(len(images))[:, None]
    return np.bincount(flat.ravel(), minlength=VALUES * len(images)).reshape(-1, VALUES)


def log_likelihoods(images: np.ndarray, class_sigmas: np.ndarray) -> np.ndarray:
    """(N, classes) log-likelihood of each image under each class."""
    return value_counts(images).astype(np.float64) @ log_pixel_probabilities(class_sigmas).T


def decide(images: np.ndarray, class_sigmas: np.ndarray) -> np.ndarray:
    """(N,) int16 maximum-likelihood class of each image (ties: the lowest class)."""
    return log_likelihoods(images, class_sigmas).argmax(axis=1).astype(np.int16)


def class_sigmas(manifest: dict[str, Any], manifest_path: str | os.PathLike) -> np.ndarray:
    """The per-class sigmas a Gaussian dataset's manifest records."""
    if manifest.get("spec", {}).get("kind") != "gaussian" or "sigmas" not in manifest:
        raise ValueError(f"{manifest_path} is not a Gaussian-sigma dataset's manifest (no "
                         f"'sigmas'): the ideal observer exists only for dataset kind gaussian")
    return np.asarray(manifest["sigmas"], dtype=np.float64)


def predict_split(data_path: str | os.PathLike, manifest_path: str | os.PathLike,
                  split: str = "test", verify: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """The ideal observer's predictions and the labels of one split of a dataset file."""
    sig = class_sigmas(arrays.read_manifest(manifest_path), manifest_path)
    data = arrays.load(data_path, split, verify, manifest_path)
    return decide(data.images, sig), data.labels


def write_decisions(data_path: str | os.PathLike, manifest_path: str | os.PathLike,
                    out_path: str | os.PathLike, study: str, dataset: str,
                    condition: str = CONDITION) -> dict[str, Any]:
    """Write the ideal observer's decision table on the test split (one epoch, 0), as run
    `<condition>-1` of `study`, and return its metadata."""
    began = time.perf_counter()
    manifest = arrays.read_manifest(manifest_path)
    predictions, labels = predict_split(data_path, manifest_path, "test", verify=True)
    accuracy = float(np.mean(predictions == labels))
    metadata = {
        "study": study,
        "condition": condition,
        "instance": 1,
        "run": f"{condition}-1",
        "dataset": dataset,
        "architecture": CONDITION,
        "reference": CONDITION,
        "dataset_sha256": manifest["sha256"],
        "sigmas": manifest["sigmas"],
        "history": [{"epoch": 0, "test_accuracy": accuracy}],
        "seconds": time.perf_counter() - began,
        "versions": {"ddd": ddd.__version__, "numpy": np.__version__},
    }
    decisions.write(out_path, decisions.from_predictions(predictions[None], labels), metadata)
    return metadata
