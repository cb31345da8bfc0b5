"""RSA: our RDMs and their comparison against rsatoolbox, and the image subset."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.spatial.distance import pdist

from ddd.analysis import rsa

rsatoolbox = pytest.importorskip("rsatoolbox")


def toolbox_rdm(x: np.ndarray) -> rsatoolbox.rdm.RDMs:
    return rsatoolbox.rdm.calc_rdm(rsatoolbox.data.Dataset(x), method="correlation")


@pytest.mark.parametrize("shape", [(7, 5), (40, 12), (300, 3)])
def test_rdm_matches_rsatoolbox_and_scipy(rng, shape):
    x = rng.normal(size=shape)
    ours = rsa.rdm(x)
    assert ours.dtype == np.float32 and ours.shape == (shape[0] * (shape[0] - 1) // 2,)
    np.testing.assert_allclose(ours, toolbox_rdm(x).get_vectors()[0], atol=1e-6)
    np.testing.assert_allclose(ours, pdist(x, "correlation"), atol=1e-6)


@pytest.mark.parametrize(("ours", "theirs"), [("spearman", "spearman"), ("pearson", "corr")])
def test_comparison_matches_rsatoolbox(rng, ours, theirs):
    x = rng.normal(size=(60, 10))
    y = x + rng.normal(scale=1.5, size=x.shape)  # related, not identical
    expected = rsatoolbox.rdm.compare(toolbox_rdm(x), toolbox_rdm(y), method=theirs)[0, 0]
    got = rsa.compare(rsa.rdm(x), rsa.rdm(y), ours)
    assert 0.1 < got < 0.95
    assert got == pytest.approx(expected, abs=1e-6)


def test_identical_activations_give_one_and_a_permutation_of_images_breaks_it(rng):
    x = rng.normal(size=(80, 16))
    assert rsa.compare(rsa.rdm(x), rsa.rdm(x.copy())) == pytest.approx(1.0)
    assert rsa.compare(rsa.rdm(x), rsa.rdm(3 * x + 1)) == pytest.approx(1.0)  # scale-free
    shuffled = rsa.rdm(x[rng.permutation(len(x))])
    assert abs(rsa.compare(rsa.rdm(x), shuffled)) < 0.2


def test_similarity_matrix_of_many_runs_equals_pairwise_comparison(rng, monkeypatch):
    monkeypatch.setattr(rsa, "COLUMN_CHUNK", 100)  # several chunks
    monkeypatch.setattr(rsa, "ROW_BLOCK", 7)
    base = rng.normal(size=(50, 8))
    runs = [base + rng.normal(scale=s, size=base.shape) for s in (0.1, 1.0, 5.0)]
    rdms = [rsa.rdm(x) for x in runs]
    np.testing.assert_allclose(rdms[0], pdist(runs[0], "correlation"), atol=1e-6)
    sim = rsa.similarity_matrix(np.stack([rsa.standardise(r) for r in rdms]))
    np.testing.assert_allclose(np.diag(sim), 1.0, atol=1e-6)
    assert sim[0, 1] == pytest.approx(rsa.compare(rdms[0], rdms[1]), abs=1e-6)
    assert sim[0, 1] > sim[0, 2]  # less noise, more similar


def test_constant_pattern_counts_as_uncorrelated(rng):
    x = rng.normal(size=(5, 4))
    x[2] = 0.5
    assert rsa.constant_patterns(x) == 1
    square = np.zeros((5, 5))
    square[np.triu_indices(5, k=1)] = rsa.rdm(x)
    assert np.all(square[2, 3:] == 1.0) and np.all(square[:2, 2] == 1.0)
    with pytest.raises(ValueError, match="unknown RDM comparison 'kendall'"):
        rsa.standardise(rsa.rdm(x), "kendall")


def test_stratified_subset_is_seeded_balanced_and_sorted():
    labels = np.repeat(np.arange(10), 50)
    subset = rsa.stratified_subset(labels, 105, seed=3)
    assert len(subset) == 105 and np.all(np.diff(subset) > 0)
    counts = np.bincount(labels[subset], minlength=10)
    assert counts.min() == 10 and counts.max() == 11 and (counts == 11).sum() == 5
    assert np.array_equal(subset, rsa.stratified_subset(labels, 105, seed=3))
    assert not np.array_equal(subset, rsa.stratified_subset(labels, 105, seed=4))
    assert np.array_equal(rsa.stratified_subset(labels, 10_000, 0), np.arange(500))
    uneven = np.array([0] * 3 + [1] * 100)
    assert len(rsa.stratified_subset(uneven, 20, 0)) == 20  # class 0 has only 3


def test_vs_reference_and_condition_means():
    runs = pd.DataFrame({"run": ["base-1", "lr-1", "lr-2", "dis-1", "dis-2"],
                         "condition": ["base", "lr", "lr", "dis", "dis"],
                         "instance": [1, 1, 2, 1, 2]})
    sim = np.eye(5)
    sim[0, 1] = sim[1, 0] = 0.9
    sim[0, 2] = sim[2, 0] = 0.7
    sim[3, 4] = sim[4, 3] = 0.5
    sim[1, 2] = sim[2, 1] = 0.6
    table = rsa.vs_reference(sim, runs, "base", ["dis"])
    assert table[["run", "reference", "rsa"]].values.tolist() == [
        ["lr-1", "base-1", 0.9], ["lr-2", "base-1", 0.7], ["dis-1", "dis-2", 0.5]]
    means = rsa.condition_means(sim, runs).set_index(["condition_a", "condition_b"])["rsa"]
    assert means[("base", "lr")] == pytest.approx(0.8)
    assert means[("lr", "lr")] == pytest.approx(0.6)
    assert means[("base", "base")] == 1.0
    pairs = rsa.pairs_table(sim, runs["run"].tolist())
    assert len(pairs) == 10 and pairs["rsa"].iloc[0] == 0.9


def test_average_ranks_match_scipy_with_and_without_ties(rng):
    from scipy.stats import rankdata

    for values in (rng.normal(size=1000), rng.integers(0, 30, 1000).astype(np.float32),
                   np.array([2.0, 2.0, 2.0]), np.array([1.0])):
        np.testing.assert_array_equal(rsa.average_ranks(values), rankdata(values))


def test_run_similarities_stream_runs_into_one_store(rng):
    base = rng.normal(size=(30, 6))
    runs = [base, base * 2, rng.normal(size=(30, 6))]
    sim = rsa.run_similarities(runs, "pearson")
    assert sim[0, 1] == pytest.approx(1.0)
    assert sim[0, 2] == pytest.approx(rsa.compare(rsa.rdm(base), rsa.rdm(runs[2]), "pearson"))
    with pytest.raises(ValueError, match="different numbers of images"):
        rsa.run_similarities([base, base[:20]])
