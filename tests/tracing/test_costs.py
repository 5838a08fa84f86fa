import math

import numpy as np
import pytest

from snt_web.tracing import COSTS, CostModel, cost_model, image_statistics

STATS = {"minimum": 10.0, "maximum": 110.0, "mean": 40.0, "sd": 20.0}


def model(name, **kwargs):
    return CostModel(name, **{**STATS, **kwargs})


def test_reciprocal_as_snt():
    costs = model("reciprocal")([10.0, 60.0, 110.0, 500.0, 0.0])
    # v' = 255 (v - 10) / 100: 0 -> 1e-6, 127.5, 255, capped 255, negative -> 1e-6
    np.testing.assert_allclose(costs, [1e6, 1 / 127.5, 1 / 255, 1 / 255, 1e6])


def test_difference_and_squared_as_snt():
    values = [10.0, 60.0, 110.0, 500.0]
    np.testing.assert_allclose(model("difference")(values), [256, 128.5, 1, 1])
    np.testing.assert_allclose(model("difference-squared")(values), [256**2, 128.5**2, 1, 1])
    # Below the minimum v' is not floored (SNT): the cost exceeds 256.
    assert model("difference")([0.0])[0] == pytest.approx(256 + 25.5)


def test_probability_as_snt():
    values = np.array([10.0, 40.0, 80.0])
    expected = [math.erfc(0.8 * (v - 40.0) / 20.0) for v in values]
    np.testing.assert_allclose(model("probability")(values), expected)
    np.testing.assert_allclose(model("probability", z_fudge=0.5)(values)[2], math.erfc(0.5 * 2))


@pytest.mark.parametrize("name", COSTS)
def test_min_step_bounds_every_cost(name):
    m = model(name)
    values = np.linspace(-100, 1000, 2001)
    assert m(values).min() >= m.min_step > 0
    assert m([STATS["maximum"]])[0] == pytest.approx(m.min_step)


def test_statistics_from_padded_box_or_image():
    volume = np.zeros((30, 40, 50), dtype=np.uint8)
    volume[15, 20, 25] = 7  # inside the padded box of the ends below
    volume[0, 0, 0] = 200  # outside it
    sub = image_statistics(volume, (15, 20, 20), (15, 20, 30))
    assert sub["maximum"] == 7 and sub["minimum"] == 0
    n = 21 * 21 * 31  # ends' box (1 x 1 x 11) padded by 10 on each side
    assert sub["mean"] == pytest.approx(7 / n)
    whole = image_statistics(volume, stats="image")
    assert whole["maximum"] == 200
    assert cost_model(volume, (15, 20, 20), (15, 20, 30), cost="difference").maximum == 7


@pytest.mark.parametrize("dtype", [np.uint16, np.float32])
def test_statistics_match_numpy(dtype):
    rng = np.random.default_rng(0)
    # Far from zero with a small spread: a naive sum of squares would lose the spread.
    volume = (30000 + rng.normal(0, 3, size=(6, 50, 60))).astype(dtype)
    stats = image_statistics(volume[:, ::2, 1:], stats="image")  # a strided view is read in place
    region = volume[:, ::2, 1:].astype(np.float64)
    expected = [region.min(), region.max(), region.mean(), region.std()]
    np.testing.assert_allclose([stats[k] for k in ("minimum", "maximum", "mean", "sd")], expected, rtol=1e-9)


def test_flat_image_and_bad_names():
    flat = cost_model(np.full((3, 3, 3), 5.0), (0, 0, 0), (2, 2, 2), cost="probability")
    assert np.all(np.isfinite(flat(np.array([5.0, 6.0])))) and flat.min_step == pytest.approx(1)
    assert np.all(cost_model(np.full((3, 3, 3), 5.0), (0, 0, 0), (2, 2, 2))([5.0]) == 1e6)
    with pytest.raises(ValueError):
        CostModel("nope", **STATS)
    with pytest.raises(ValueError):
        image_statistics(np.zeros((2, 2, 2)), stats="nope")
