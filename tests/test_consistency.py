import numpy as np
import pytest
from sklearn.metrics import cohen_kappa_score

from ddd.consistency import error_consistency, kappa_matrix


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
