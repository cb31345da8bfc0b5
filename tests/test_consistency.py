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
