import itertools
import warnings

import numpy as np
import pytest
from scipy.stats import binom, fisher_exact

from ddd.analysis import statistics
from ddd.analysis.consistency import error_consistency, kappa_matrix


def pair(n: int, right_a: int, right_b: int, both: int) -> tuple[np.ndarray, np.ndarray]:
    """Two correctness vectors over n images with the given right and both-right counts."""
    a = np.zeros(n, bool)
    b = np.zeros(n, bool)
    a[:right_a] = True
    b[:both] = True
    b[right_a:right_a + right_b - both] = True
    return a, b


def test_kappa_bounds_hand_cases():
    low, high = statistics.kappa_bounds(0.7, 0.7)
    assert high == pytest.approx(1.0)
    low, high = statistics.kappa_bounds(0.5, 0.5)
    assert low == pytest.approx(-1.0)
    assert high == pytest.approx(1.0)
    # p = 0.9 vs 0.6: c_exp = 0.58, c_obs in [0.5, 0.7]
    low, high = statistics.kappa_bounds(0.9, 0.6)
    assert low == pytest.approx((0.5 - 0.58) / 0.42)
    assert high == pytest.approx((0.7 - 0.58) / 0.42)
    low, high = statistics.kappa_bounds(np.array([1.0, 0.0]), np.array([1.0, 0.0]))
    assert np.isnan(low).all() and np.isnan(high).all()


def test_kappa_bounds_broadcast():
    low, high = statistics.kappa_bounds(np.array([0.6, 0.8])[:, None], np.array([0.6, 0.7, 0.8]))
    assert low.shape == high.shape == (2, 3)
    assert high[0, 0] == pytest.approx(1.0) and high[1, 2] == pytest.approx(1.0)
    assert np.all(high[0, 1:] < 1.0)


def test_kappa_bounds_equal_brute_force_over_all_tables():
    n = 8
    for right_a, right_b in itertools.product(range(n + 1), repeat=2):
        kappas = [error_consistency(*pair(n, right_a, right_b, both)).kappa
                  for both in range(max(0, right_a + right_b - n), min(right_a, right_b) + 1)]
        low, high = statistics.kappa_bounds(right_a / n, right_b / n)
        if np.all(np.isnan(kappas)):
            assert np.isnan(low) and np.isnan(high)
        else:
            assert low == pytest.approx(min(kappas), abs=1e-12)
            assert high == pytest.approx(max(kappas), abs=1e-12)


@pytest.mark.parametrize("n, right_a, right_b, both",
                         [(20, 12, 9, 7), (20, 12, 9, 3), (50, 10, 40, 8), (30, 15, 15, 15)])
def test_pvalue_tails_agree_with_fisher_exact(n, right_a, right_b, both):
    table = [[both, right_a - both], [right_b - both, n - right_a - right_b + both]]
    greater = fisher_exact(table, alternative="greater").pvalue
    less = fisher_exact(table, alternative="less").pvalue
    p = statistics.independence_pvalue(n, right_a, right_b, both)
    assert p == pytest.approx(min(1.0, 2 * min(greater, less)), rel=1e-9)


def test_pvalue_broadcasts_over_a_kappa_matrix(rng):
    correct = rng.random((4, 200)) < 0.6
    result = kappa_matrix(correct)
    p = statistics.independence_pvalue(result.n, result.right[:, None], result.right[None, :],
                                       result.both_right)
    assert p.shape == (4, 4)
    assert np.allclose(p, p.T)
    assert p[0, 1] == pytest.approx(statistics.independence_pvalue(
        200, correct[0].sum(), correct[1].sum(), np.sum(correct[0] & correct[1])))


def test_identical_runs_are_not_independent(rng):
    a = rng.random(5000) < 0.7
    assert statistics.independence_pvalue(5000, a.sum(), a.sum(), a.sum()) < 1e-6


def test_independent_runs_give_roughly_uniform_pvalues():
    rng = np.random.default_rng(7)
    correct = rng.random((200, 2, 500)) < 0.7
    right = correct.sum(axis=2)
    p = statistics.independence_pvalue(500, right[:, 0], right[:, 1],
                                       np.sum(correct[:, 0] & correct[:, 1], axis=1))
    assert 0.01 <= np.mean(p < 0.05) <= 0.12
    assert 0.3 <= np.mean(p < 0.5) <= 0.7


def test_pvalue_rejects_infeasible_counts():
    with pytest.raises(ValueError, match="feasible range"):
        statistics.independence_pvalue(10, 3, 4, 5)
    with pytest.raises(ValueError, match="feasible range"):
        statistics.independence_pvalue(10, 8, 8, 5)
    with pytest.raises(ValueError, match="integer"):
        statistics.independence_pvalue(10, 3.5, 4, 2)
    with pytest.raises(ValueError, match="exceed n"):
        statistics.independence_pvalue(10, 11, 4, 2)


def test_bootstrap_identical_runs_give_kappa_one(rng):
    a = rng.random(300) < 0.6
    samples = statistics.bootstrap_kappa(np.stack([a, a, a]), n_boot=50, seed=0)
    assert samples.shape == (50, 3)
    assert np.allclose(samples, 1.0)
    low, high = statistics.bootstrap_interval(samples)
    assert np.allclose(low, 1.0) and np.allclose(high, 1.0)


def test_bootstrap_independent_runs_cover_zero():
    rng = np.random.default_rng(11)
    correct = rng.random((2, 2000)) < 0.7
    observed = kappa_matrix(correct).kappa[0, 1]
    samples = statistics.bootstrap_kappa(correct, n_boot=400, seed=3)
    low, high = statistics.bootstrap_interval(samples[:, 0])
    assert abs(observed) < 0.06
    assert low < observed < high
    assert low < 0 < high
    assert 0.02 < high - low < 0.2


def test_bootstrap_is_seeded(rng):
    correct = rng.random((3, 100)) < 0.5
    first = statistics.bootstrap_kappa(correct, n_boot=20, seed=5)
    assert np.array_equal(first, statistics.bootstrap_kappa(correct, n_boot=20, seed=5))
    assert not np.array_equal(first, statistics.bootstrap_kappa(correct, n_boot=20, seed=6))


def test_bootstrap_sample_is_kappa_on_repeated_images(rng):
    correct = rng.random((3, 50)) < 0.5
    sample = statistics.bootstrap_kappa(correct, n_boot=1, seed=9)[0]
    draw = np.random.default_rng(9).integers(0, 50, 50)
    expected = kappa_matrix(correct[:, draw]).kappa[np.triu_indices(3, k=1)]
    assert np.allclose(sample, expected, equal_nan=True)


def test_bootstrap_interval_nan_handling():
    samples = np.array([[0.1, np.nan], [np.nan, np.nan], [0.3, np.nan], [0.2, np.nan]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        low, high = statistics.bootstrap_interval(samples, level=0.5)
    assert low[0] == pytest.approx(0.15) and high[0] == pytest.approx(0.25)
    assert np.isnan(low[1]) and np.isnan(high[1])
    with pytest.raises(ValueError, match="level"):
        statistics.bootstrap_interval(samples, level=1.0)
    with pytest.raises(ValueError, match="at least one"):
        statistics.bootstrap_interval(np.empty((0, 3)))


def test_bootstrap_rejects_a_single_run():
    with pytest.raises(ValueError, match="two runs"):
        statistics.bootstrap_kappa(np.ones((1, 10), bool), n_boot=5, seed=0)


def test_poisson_binomial_equal_accuracies_is_binomial():
    pmf = statistics.poisson_binomial(np.full(13, 0.69))
    assert np.allclose(pmf, binom.pmf(np.arange(14), 13, 0.69), atol=1e-15)


def test_poisson_binomial_matches_enumeration():
    acc = np.array([0.9, 0.6, 0.35, 0.75])
    expected = np.zeros(5)
    for outcome in itertools.product([0, 1], repeat=4):
        o = np.array(outcome)
        expected[o.sum()] += np.prod(np.where(o == 1, acc, 1 - acc))
    pmf = statistics.poisson_binomial(acc)
    assert pmf.sum() == pytest.approx(1.0)
    assert np.allclose(pmf, expected, atol=1e-15)


def test_poisson_binomial_equals_the_former_convolution():
    """scipy's poisson_binom replaced a convolution per run; on 40 fixed accuracies (zeros
    and ones included) both agree to float precision (bit for bit on numpy 2.4 and scipy
    1.17)."""
    acc = np.r_[np.random.default_rng(7).uniform(0.05, 0.95, 38), 0.0, 1.0]
    former = np.ones(1)
    for p in acc:
        former = np.convolve(former, [1.0 - p, p])
    np.testing.assert_allclose(statistics.poisson_binomial(acc), former, rtol=0, atol=1e-15)


def test_poisson_binomial_rejects_bad_accuracies():
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        statistics.poisson_binomial([0.5, 1.2])
    with pytest.raises(ValueError, match="empty"):
        statistics.poisson_binomial([])


def test_dichotomous_table_gives_two_spikes_and_kappa_one():
    counts = np.array([0] * 3 + [10] * 7)
    pmf = statistics.difficulty_mixture(counts, 10)
    expected = np.zeros(11)
    expected[0], expected[10] = 0.3, 0.7
    assert np.allclose(pmf, expected, atol=1e-15)
    assert statistics.kappa_from_difficulty(counts, 10) == pytest.approx(1.0)


def test_equal_difficulty_gives_a_binomial():
    pmf = statistics.difficulty_mixture(np.full(40, 5), 10)
    assert np.allclose(pmf, binom.pmf(np.arange(11), 10, 0.5))


def test_difficulty_mixture_sums_to_one_and_averages_images(rng):
    counts = rng.integers(0, 8, 300)
    pmf = statistics.difficulty_mixture(counts, 7)
    assert pmf.sum() == pytest.approx(1.0)
    per_image = binom.pmf(np.arange(8)[None, :], 7, counts[:, None] / 7).mean(axis=0)
    assert np.allclose(pmf, per_image)


def test_kappa_from_difficulty_of_independent_runs_is_near_zero():
    rng = np.random.default_rng(21)
    correct = rng.random((10, 20_000)) < 0.7
    kappa = statistics.kappa_from_difficulty(correct.sum(axis=0), 10)
    assert abs(kappa) < 0.02


def test_kappa_from_difficulty_is_the_mean_pair_agreement(rng):
    # c_obs is exactly the mean over all pairs of runs; with equal right counts per run
    # c_exp is too, so kappa equals the mean pairwise kappa.
    correct = np.stack([rng.permutation(np.arange(60) < 36) for _ in range(5)])
    pairs = kappa_matrix(correct).kappa[np.triu_indices(5, k=1)]
    kappa = statistics.kappa_from_difficulty(correct.sum(axis=0), 5)
    assert kappa == pytest.approx(pairs.mean())


def test_difficulty_inputs_are_validated():
    with pytest.raises(ValueError, match="two runs"):
        statistics.kappa_from_difficulty(np.array([0, 1]), 1)
    with pytest.raises(ValueError, match=r"0\.\.3"):
        statistics.difficulty_mixture(np.array([0, 4]), 3)
    with pytest.raises(ValueError, match="empty"):
        statistics.difficulty_mixture(np.array([], int), 3)
    with pytest.raises(ValueError, match="integer"):
        statistics.kappa_from_difficulty(np.array([0.5, 1]), 3)
