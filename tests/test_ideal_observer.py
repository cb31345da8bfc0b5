import json

import numpy as np
import pytest
from scipy.stats import norm

from ddd import decisions
from ddd.analysis import ideal_observer
from ddd.analysis.consistency import error_consistency
from ddd.datasets import arrays, gaussian
from ddd.datasets.prepare import prepare

SPEC = {"kind": "gaussian", "classes": 6, "image_size": 4, "train_per_class": 2,
        "test_per_class": 40, "sigma_min": 4, "sigma_step": 1, "seed": 0}


def brute_force_log_likelihood(image: np.ndarray, sigma: float) -> float:
    """Pixel by pixel with scipy.stats.norm.cdf: no histogram, no log_ndtr, no mirroring."""
    total = 0.0
    for v in image.ravel().astype(float):
        if v == 0:
            p = norm.cdf(0.5, 128, sigma)
        elif v == 255:
            p = norm.sf(254.5, 128, sigma)
        elif v > 128:  # the survival function keeps the upper tail's digits
            p = norm.sf(v - 0.5, 128, sigma) - norm.sf(v + 0.5, 128, sigma)
        else:
            p = norm.cdf(v + 0.5, 128, sigma) - norm.cdf(v - 0.5, 128, sigma)
        total += np.log(p) if p > 0 else -np.inf
    return total


def independent_accuracy(sigmas: np.ndarray, per_class: int, pixels: int,
                         seed: int) -> np.ndarray:
    """Monte-Carlo per-class accuracy of maximum likelihood, sharing no code with the module:
    float64 sampling, np.round, and a likelihood table from norm.cdf."""
    values = np.arange(256.0)
    lo = np.where(values == 0, -np.inf, values - 0.5)
    hi = np.where(values == 255, np.inf, values + 0.5)
    with np.errstate(divide="ignore"):
        table = np.log(norm.cdf(hi, 128, sigmas[:, None]) - norm.cdf(lo, 128, sigmas[:, None]))
    rng = np.random.default_rng(seed)
    accuracy = []
    for cls, sigma in enumerate(sigmas):
        x = np.clip(np.round(rng.normal(128, sigma, (per_class, pixels))), 0, 255).astype(int)
        scores = table[:, x].sum(axis=2)  # (classes, images)
        accuracy.append(np.mean(scores.argmax(axis=0) == cls))
    return np.array(accuracy)


def test_pixel_probabilities_are_finite_and_sum_to_one_even_in_far_tails():
    logp = ideal_observer.log_pixel_probabilities(np.array([0.5, 1.0, 10.0, 100.0]))
    assert logp.shape == (4, 256) and np.all(np.isfinite(logp))
    assert np.exp(logp).sum(axis=1) == pytest.approx(1.0, abs=1e-12)
    # sigma 1 at 0 and 255: about 126.5 sigma out, far below float64's smallest number
    assert logp[1, 0] == pytest.approx(norm.logcdf(-127.5), rel=1e-9)
    assert logp[1, 255] == pytest.approx(norm.logsf(126.5), rel=1e-9)
    # the centre of a wide class: the mass of one bin
    assert np.exp(logp[3, 128]) == pytest.approx(norm.cdf(0.005) - norm.cdf(-0.005), rel=1e-9)


def test_value_counts_is_a_per_image_histogram():
    images = np.random.default_rng(0).integers(0, 256, (5, 3, 4, 4), dtype=np.uint8)
    counts = ideal_observer.value_counts(images)
    for image, row in zip(images, counts, strict=True):
        assert np.array_equal(row, np.bincount(image.ravel(), minlength=256))
    with pytest.raises(ValueError, match="uint8"):
        ideal_observer.value_counts(images.astype(np.int16))


def test_same_likelihoods_and_decisions_as_a_per_pixel_loop():
    sigmas = gaussian.sigmas(8, 2, 3)
    split = gaussian.make_split(1, 2, sigmas, 4, seed=5)
    fast = ideal_observer.log_likelihoods(split.images, sigmas)
    slow = np.array([[brute_force_log_likelihood(image, s) for s in sigmas]
                     for image in split.images])
    finite = np.isfinite(slow)
    assert finite.mean() > 0.8
    assert fast[finite] == pytest.approx(slow[finite], rel=1e-9)
    assert np.all(fast[~finite] < -700)  # the loop underflows where the module does not
    assert np.array_equal(ideal_observer.decide(split.images, sigmas), slow.argmax(axis=1))


def test_per_class_accuracy_agrees_with_independent_monte_carlo():
    sigmas = gaussian.sigmas(6, 4, 1)
    per_class, size = 400, 4
    split = gaussian.make_split(1, per_class, sigmas, size, seed=0)
    right = ideal_observer.decide(split.images, sigmas) == split.labels
    measured = right.reshape(len(sigmas), per_class).mean(axis=1)
    mc_images = 2000
    reference = independent_accuracy(sigmas, mc_images, 3 * size * size, seed=1)
    assert 0.2 < measured.mean() < 0.9  # neither trivial nor chance: a real comparison
    pooled = (measured * per_class + reference * mc_images) / (per_class + mc_images)
    error = np.sqrt(pooled * (1 - pooled) * (1 / per_class + 1 / mc_images))
    assert np.all(np.abs(measured - reference) <= 4 * error + 1e-9), (measured, reference)


def test_at_least_99_percent_right_on_classes_far_apart():
    sigmas = np.array([1.0, 10.0, 40.0])
    split = gaussian.make_split(1, 300, sigmas, 4, seed=2)
    right = ideal_observer.decide(split.images, sigmas) == split.labels
    assert np.all(right.reshape(3, -1).mean(axis=1) >= 0.99)


def test_ties_go_to_the_lowest_class():
    sigmas = np.array([5.0, 5.0, 7.0])
    images = np.full((2, 3, 2, 2), 128, dtype=np.uint8)
    assert ideal_observer.decide(images, sigmas).tolist() == [0, 0]


def test_decision_table_has_every_test_image_once_and_kappa_one_with_itself(tmp_path):
    data, manifest = tmp_path / "dataset.npz", tmp_path / "manifest.json"
    prepare(dict(SPEC), data, manifest)
    out = tmp_path / "ideal_observer.parquet"
    meta = ideal_observer.write_decisions(data, manifest, out, study="gaussian",
                                          dataset="gaussian")
    table = decisions.read(out)
    labels = arrays.load(data, "test").labels
    assert table["epoch"].unique().tolist() == [0]
    assert table["image_id"].tolist() == list(range(len(labels)))
    assert np.array_equal(table["label"], labels)
    stored = decisions.read_metadata(out)
    assert stored == {**json.loads(json.dumps(meta)), "schema_version": decisions.SCHEMA_VERSION}
    assert stored["run"] == "ideal_observer-1" and stored["study"] == "gaussian"
    assert stored["dataset_sha256"] == json.loads(manifest.read_text())["sha256"]
    correct = table["correct"].to_numpy()
    assert 0 < correct.mean() < 1
    assert error_consistency(correct, correct).kappa == pytest.approx(1.0)


def test_non_gaussian_manifest_and_corrupt_file_are_named(tmp_path):
    data, manifest = tmp_path / "dataset.npz", tmp_path / "manifest.json"
    prepare(dict(SPEC), data, manifest)
    other = tmp_path / "cifar.json"
    info = json.loads(manifest.read_text())
    other.write_text(json.dumps({**info, "spec": {"kind": "cifar100"}}))
    with pytest.raises(ValueError, match="cifar.json.*gaussian"):
        ideal_observer.predict_split(data, other)
    data.write_bytes(data.read_bytes()[:-4] + b"oops")
    with pytest.raises(ValueError, match="corrupt"):
        ideal_observer.predict_split(data, manifest)
