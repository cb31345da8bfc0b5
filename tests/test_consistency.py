import numpy as np
import pytest
from sklearn.metrics import cohen_kappa_score

from ddd.analysis.consistency import error_consistency, kappa_from, kappa_matrix, unbiased_kappa


def test_hand_computed_case():
    # 10 images: both right on 5, both wrong on 2, disagree on 3.
    a = np.array([1, 1, 1, 1, 1, 0, 0, 1, 0, 0], bool)
    b = np.array([1, 1, 1, 1, 1, 0, 0, 0, 1, 1], bool)
    result = error_consistency(a, b)
    # accuracies 0.6 and 0.7: c_exp = 0.6 * 0.7 + 0.4 * 0.3 = 0.54
    assert result.c_obs == pytest.approx(0.7)
    assert result.c_exp == pytest.approx(0.54)
    assert result.kappa == pytest.approx(0.16 / 0.46)


def test_matrix_agrees_with_sklearn_cohen_kappa(rng):
    latent = rng.random(500)
    correct = rng.random((6, 500)) < latent  # shared difficulty: kappa well above 0
    result = kappa_matrix(correct)
    for i in range(6):
        for j in range(6):
            if i != j:
                expected = cohen_kappa_score(correct[i], correct[j])
                assert result.kappa[i, j] == pytest.approx(expected, abs=1e-12)
    assert np.nanmean(result.kappa[~np.eye(6, dtype=bool)]) > 0.2


def test_matrix_equals_pairwise_function(rng):
    correct = rng.random((5, 300)) < 0.7
    result = kappa_matrix(correct)
    for i in range(5):
        for j in range(5):
            pair = error_consistency(correct[i], correct[j])
            assert result.c_obs[i, j] == pytest.approx(pair.c_obs)
            assert result.c_exp[i, j] == pytest.approx(pair.c_exp)
            assert result.kappa[i, j] == pytest.approx(pair.kappa)


def test_identical_vectors_give_one():
    a = np.array([1, 0, 1, 1, 0, 0, 1], bool)
    assert error_consistency(a, a).kappa == pytest.approx(1.0)
    assert np.allclose(np.diag(kappa_matrix(np.stack([a, ~a])).kappa), 1.0)


def test_opposite_vectors_give_minus_one():
    a = np.array([1, 0, 1, 0], bool)
    assert error_consistency(a, ~a).kappa == pytest.approx(-1.0)


@pytest.mark.parametrize("value", [True, False])
def test_c_exp_one_is_undefined_nan(value):
    # Both all right (or both all wrong): c_exp == 1 and kappa is NaN by policy.
    a = np.full(20, value)
    result = error_consistency(a, a)
    assert result.c_exp == pytest.approx(1.0)
    assert np.isnan(result.kappa)
    matrix = kappa_matrix(np.stack([a, a, np.arange(20) % 2 == 0]))
    assert np.isnan(matrix.kappa[0, 1])
    assert np.isfinite(matrix.kappa[0, 2])  # c_exp = 0.5 with a half-right run


def test_all_right_vs_all_wrong_is_defined():
    a = np.ones(10, bool)
    result = error_consistency(a, ~a)
    assert result.c_exp == pytest.approx(0.0)
    assert result.kappa == pytest.approx(0.0)


def test_bad_shapes_are_rejected():
    with pytest.raises(ValueError, match="equal length"):
        error_consistency(np.ones(3, bool), np.ones(4, bool))
    with pytest.raises(ValueError, match="at least one image"):
        kappa_matrix(np.zeros((3, 0), bool))


def test_weighted_matrix_equals_repeated_images(rng):
    correct = rng.random((4, 60)) < 0.6
    weights = rng.integers(0, 4, 60)
    weighted = kappa_matrix(correct, weights)
    repeated = kappa_matrix(np.repeat(correct, weights, axis=1))
    assert weighted.n == weights.sum()
    assert np.array_equal(weighted.both_right, repeated.both_right)
    assert np.array_equal(weighted.right, repeated.right)
    assert np.allclose(weighted.kappa, repeated.kappa, equal_nan=True)


def test_unit_weights_equal_unweighted(rng):
    correct = rng.random((5, 80)) < 0.4
    weighted = kappa_matrix(correct, np.ones(80))
    plain = kappa_matrix(correct)
    assert np.array_equal(weighted.both_right, plain.both_right)
    assert np.allclose(weighted.kappa, plain.kappa)


def test_fractional_weights_match_float64_reference(rng):
    correct = rng.random((3, 40)) < 0.5
    weights = rng.random(40)
    result = kappa_matrix(correct, weights)
    c = correct.astype(np.float64)
    assert np.allclose(result.both_right, (c * weights) @ c.T, rtol=1e-14)
    assert result.n == pytest.approx(weights.sum())


def test_counts_are_reported():
    a = np.array([1, 1, 1, 1, 1, 0, 0, 1, 0, 0], bool)
    b = np.array([1, 1, 1, 1, 1, 0, 0, 0, 1, 1], bool)
    pair = error_consistency(a, b)
    assert (pair.n, pair.both_right, pair.right.tolist()) == (10, 5, [6, 7])
    matrix = kappa_matrix(np.stack([a, b]))
    assert matrix.n == 10 and matrix.right.tolist() == [6, 7]
    assert matrix.both_right.tolist() == [[6, 5], [5, 7]]


def test_bad_weights_are_rejected():
    correct = np.ones((2, 3), bool)
    with pytest.raises(ValueError, match="one weight per image"):
        kappa_matrix(correct, np.ones(4))
    with pytest.raises(ValueError, match="non-negative"):
        kappa_matrix(correct, np.array([1.0, -1.0, 1.0]))
    with pytest.raises(ValueError, match="all be zero"):
        kappa_matrix(correct, np.zeros(3))


NON_BINARY = [np.array([0, 1, 2, 4]), np.array([0.0, 0.5, 1.0, 1.0]),
              np.array([0.0, np.nan, 1.0, 1.0]), np.array(["1", "0", "1", "0"])]


@pytest.mark.parametrize("values", NON_BINARY)
def test_every_kappa_function_refuses_non_binary_correctness(values):
    import pandas as pd

    from ddd.analysis import difficulty, statistics, tabulate

    ok = np.array([1, 0, 1, 0])
    matrix = np.stack([ok, values])
    calls = [lambda: error_consistency(values, ok), lambda: error_consistency(ok, values),
             lambda: kappa_matrix(matrix), lambda: statistics.bootstrap_kappa(matrix, 3, 0),
             lambda: tabulate.kappa_pairs(matrix, ["a", "b"], "all"),
             lambda: tabulate.difficulty_kappa(matrix, "all"),
             lambda: difficulty.image_table(
                 pd.DataFrame({"label": 0, "a": ok, "b": values}), ["a", "b"])]
    for call in calls:
        with pytest.raises(ValueError, match="must be true/false or 0/1"):
            call()


def test_matrix_path_no_longer_coerces_counts():
    # Before: [0, 1, 2, 4] went through as counts and the matrix path gave kappa -7.5.
    with pytest.raises(ValueError, match=r"found 2 other values \(e.g. \[2, 4\]\)"):
        kappa_matrix(np.array([[0, 1, 2, 4], [1, 1, 0, 0]]))


def test_zero_one_integers_and_floats_equal_booleans():
    a = np.array([1, 1, 1, 1, 1, 0, 0, 1, 0, 0], bool)
    b = np.array([1, 1, 1, 1, 1, 0, 0, 0, 1, 1], bool)
    expected = error_consistency(a, b).kappa
    for dtype in (np.int64, np.uint8, np.float32, np.float64):
        assert error_consistency(a.astype(dtype), b.astype(dtype)).kappa == expected
        assert kappa_matrix(np.stack([a, b]).astype(dtype)).kappa[0, 1] == pytest.approx(expected)


def _distinct_pair_kappa(a: np.ndarray, b: np.ndarray) -> float:
    """The unbiased kappa by its definition: chance agreement over pairs of distinct
    images, counted one pair at a time."""
    n = len(a)
    agree = [a[i] == b[j] for i in range(n) for j in range(n) if i != j]
    c_obs, c_exp = np.mean(a == b), np.mean(agree)
    return (c_obs - c_exp) / (1 - c_exp)


@pytest.mark.parametrize(("a", "b", "expected"), [
    # c_obs 3/4, accuracies 3/4 and 1/2: kappa 1/2; distinct pairs agree on 5 of 12.
    ([1, 1, 1, 0], [1, 1, 0, 0], 4 / 7),
    # c_obs 0.7, c_exp 0.54, kappa 0.16 / 0.46; c_exp_u = (5.4 - 0.7) / 9.
    ([1, 1, 1, 1, 1, 0, 0, 1, 0, 0], [1, 1, 1, 1, 1, 0, 0, 0, 1, 1],
     (0.7 - 4.7 / 9) / (1 - 4.7 / 9)),
    ([1, 1, 0, 0], [1, 0, 1, 0], 0.0),  # independent: kappa 0 either way
])
def test_unbiased_kappa_matches_its_definition(a, b, expected):
    a, b = np.array(a, bool), np.array(b, bool)
    n = len(a)
    standard = error_consistency(a, b).kappa
    result = error_consistency(a, b, unbiased=True)
    assert result.kappa == pytest.approx(expected)
    assert result.kappa == pytest.approx(_distinct_pair_kappa(a, b))
    assert result.kappa == pytest.approx(n * standard / (n - 1 + standard))  # library form
    assert kappa_from(result.c_obs, result.c_exp) == pytest.approx(result.kappa)
    matrix = kappa_matrix(np.stack([a, b]), unbiased=True)
    assert matrix.kappa[0, 1] == pytest.approx(expected)
    assert unbiased_kappa(standard, n) == pytest.approx(expected)


def test_unbiased_kappa_undefined_cases_are_nan():
    a = np.array([True, False])
    assert np.isnan(error_consistency(a, ~a, unbiased=True).kappa)  # n - 1 + kappa = 0
    assert np.isnan(error_consistency(a[:1], ~a[:1], unbiased=True).kappa)  # one image
    full = np.ones(5, bool)
    assert np.isnan(error_consistency(full, full, unbiased=True).kappa)


def test_unbiased_kappa_pairs_map_kappa_and_bounds(rng):
    from ddd.analysis import tabulate

    correct = rng.random((3, 40)) < np.linspace(0.1, 0.9, 40)
    plain = tabulate.kappa_pairs(correct, ["a", "b", "c"], "all", resamples=20, seed=1)
    unbiased = tabulate.kappa_pairs(correct, ["a", "b", "c"], "all", resamples=20, seed=1,
                                    unbiased=True)
    for column in ("kappa", "kappa_min", "kappa_max"):
        np.testing.assert_allclose(unbiased[column], unbiased_kappa(plain[column], 40))
    np.testing.assert_array_equal(unbiased["p_value"], plain["p_value"])
    assert (unbiased["kappa"] > plain["kappa"]).all()  # positive kappas grow by O(1/n)
    assert unbiased["ci_low"].notna().all()
