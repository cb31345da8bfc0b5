"""MMD-critic: greedy prototypes against a brute-force argmax, the MMD^2 identity, the
witness and log-det terms against direct computation, criticisms on a planted mixture, and
the kernel two-sample test."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.spatial.distance import pdist

from ddd.analysis import mmd_critic


def mixture(seed: int, big: int = 57, rare: int = 3) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.vstack([rng.normal(0, 1, (big, 5)), rng.normal(8, 1, (rare, 5))])


def test_kernel_uses_the_median_heuristic() -> None:
    x = np.random.default_rng(0).normal(size=(30, 4))
    d2 = pdist(x, "sqeuclidean")
    expected = np.exp(-d2 / (2 * np.median(d2)))
    kernel = mmd_critic.rbf_kernel(x)
    assert np.allclose(kernel[np.triu_indices(30, 1)], expected)
    assert np.allclose(np.diag(kernel), 1.0)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_each_greedy_step_is_the_brute_force_argmax(seed: int) -> None:
    kernel = mmd_critic.rbf_kernel(np.random.default_rng(seed).normal(size=(60, 3)))
    chosen = mmd_critic.select_prototypes(kernel, 6)
    for step in range(6):
        before = list(chosen[:step])
        values = [mmd_critic.objective(kernel, np.array(before + [j])) if j not in before
                  else -np.inf for j in range(60)]
        assert chosen[step] == int(np.argmax(values))


def test_mmd2_equals_mean_kernel_minus_objective() -> None:
    x = np.random.default_rng(3).normal(size=(60, 4))
    kernel = mmd_critic.rbf_kernel(x)
    chosen = mmd_critic.select_prototypes(kernel, 5)
    identity = kernel.mean() - mmd_critic.objective(kernel, chosen)
    # MMD^2 computed directly from the two samples' kernel means
    s2 = mmd_critic.median_bandwidth(mmd_critic.squared_distances(x))
    k = lambda a, b: np.exp(-mmd_critic.squared_distances(a, b) / (2 * s2))  # noqa: E731
    direct = k(x, x).mean() - 2 * k(x, x[chosen]).mean() + k(x[chosen], x[chosen]).mean()
    assert mmd_critic.mmd2(kernel, chosen) == pytest.approx(identity, abs=1e-12)
    assert direct == pytest.approx(identity, abs=1e-12)


def test_witness_is_the_difference_of_kernel_means() -> None:
    x = np.random.default_rng(4).normal(size=(20, 2))
    kernel = mmd_critic.rbf_kernel(x)
    protos = np.array([3, 7])
    for i in range(20):
        expected = np.mean([kernel[i, j] for j in range(20)]) - np.mean(kernel[i, protos])
        assert mmd_critic.witness(kernel, protos)[i] == pytest.approx(expected)


def test_logdet_gain_equals_the_change_of_log_determinant() -> None:
    kernel = mmd_critic.rbf_kernel(np.random.default_rng(5).normal(size=(15, 3)))
    chosen, candidates = [1, 4], np.array([0, 2, 9])
    gains = mmd_critic._logdet_gain(kernel, chosen, candidates)
    base = np.linalg.slogdet(kernel[np.ix_(chosen, chosen)])[1]
    for gain, j in zip(gains, candidates, strict=True):
        grown = chosen + [int(j)]
        assert gain == pytest.approx(np.linalg.slogdet(kernel[np.ix_(grown, grown)])[1] - base)


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("prototypes", [2, 4, 8])
def test_criticisms_come_from_the_rare_cluster(seed: int, prototypes: int) -> None:
    found = mmd_critic.mmd_critic(mixture(seed), prototypes, 3, regularizer="none")
    assert set(found.prototypes) <= set(range(57))
    assert set(found.criticisms) == {57, 58, 59}
    regularised = mmd_critic.mmd_critic(mixture(seed), prototypes, 3, regularizer="logdet")
    assert regularised.criticisms[0] >= 57


def test_absolute_witness_prefers_points_beside_prototypes() -> None:
    """Why "positive" is the default: Kim et al.'s |w| ranks an image of the large
    cluster first on the same mixture (95% / 5%, 200 points)."""
    x = mixture(0, big=190, rare=10)
    found = mmd_critic.mmd_critic(x, 2, 1, regularizer="none", score="absolute")
    assert found.criticisms[0] < 190
    assert found.witness[found.criticisms[0]] < 0


def test_two_sample_test_separates_shifted_samples_only() -> None:
    rng = np.random.default_rng(6)
    same = mmd_critic.permutation_test(rng.normal(size=(40, 3)), rng.normal(size=(40, 3)),
                                       200, 0)
    shifted = mmd_critic.permutation_test(rng.normal(size=(40, 3)),
                                          rng.normal(1.0, 1, size=(40, 3)), 200, 0)
    assert same[1] > 0.05
    assert shifted[1] == pytest.approx(1 / 201)
    assert shifted[0] > same[0]


def test_unknown_scores_name_the_valid_ones() -> None:
    kernel = mmd_critic.rbf_kernel(np.eye(4))
    with pytest.raises(ValueError, match="positive"):
        mmd_critic.select_criticisms(kernel, np.array([0]), 1, score="signed")
    with pytest.raises(ValueError, match="logdet"):
        mmd_critic.select_criticisms(kernel, np.array([0]), 1, regularizer="trace")


def test_two_sample_statistic_equals_the_direct_unbiased_estimate() -> None:
    rng = np.random.default_rng(7)
    x, y = rng.normal(size=(12, 2)), rng.normal(0.5, 1, size=(9, 2))
    value, _, s2 = mmd_critic.permutation_test(x, y, 10, 0)
    k = lambda a, b: np.exp(-mmd_critic.squared_distances(a, b) / (2 * s2))  # noqa: E731
    kxx, kyy = k(x, x), k(y, y)
    direct = ((kxx.sum() - np.trace(kxx)) / (12 * 11) + (kyy.sum() - np.trace(kyy)) / (9 * 8)
              - 2 * k(x, y).mean())
    assert value == pytest.approx(direct)
