import numpy as np
import pytest

from snt_web.filters import hessian_eigenvalues, hessian_matrix


@pytest.mark.parametrize("n", [2, 3])
def test_closed_form_matches_eigvalsh(n):
    rng = np.random.default_rng(n)
    m = rng.normal(size=(5000, n, n)) * rng.uniform(0.01, 100, size=(5000, 1, 1))
    m = (m + m.transpose(0, 2, 1)) / 2
    m[:50] = np.eye(n) * rng.normal(size=(50, 1, 1))  # repeated eigenvalues
    upper = [m[:, i, j] for i in range(n) for j in range(i, n)]
    ours = hessian_eigenvalues(upper)
    assert ours.dtype == np.float32 and ours.shape == (n, 5000)
    expected = np.linalg.eigvalsh(m)[:, ::-1].T  # decreasing
    scale = np.abs(m).max(axis=(1, 2))
    assert np.all(np.abs(ours - expected) <= 1e-6 * scale)  # double-precision math, float32 output


def test_hessian_of_a_quadratic_in_physical_units():
    spacing = (2.0, 0.5, 0.25)
    z, y, x = np.meshgrid(*(np.arange(n) * s for n, s in zip((12, 30, 40), spacing)), indexing="ij")
    image = 3 * x**2 + 2 * x * y - z**2
    hzz, hzy, hzx, hyy, hyx, hxx = (h[6, 15, 20] for h in hessian_matrix(image, 1.0, spacing))
    np.testing.assert_allclose([hzz, hzy, hzx, hyy, hyx, hxx], [-2, 0, 0, 0, 2, 6], atol=0.05)


def test_hessian_2d_and_bad_input():
    assert len(hessian_matrix(np.zeros((8, 8)), 1.0)) == 3
    with pytest.raises(ValueError):
        hessian_matrix(np.zeros((8, 8)), 1.0, spacing=(1.0,))
    with pytest.raises(ValueError):
        hessian_eigenvalues([np.zeros(3)] * 4)
