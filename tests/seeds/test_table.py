"""The seed table: SNT's normalisation rules, filters, ids and edits."""

from __future__ import annotations

import numpy as np
import pytest

from snt_web.seeds import MARKS, Seeds, edited


def _table(n=6):
    rng = np.random.default_rng(3)
    return Seeds.from_columns(rng.uniform(0, 50, (n, 3)), confidence=np.linspace(0, 1, n),
                              type=["soma", "tip"] * (n // 2), source=["a"] * (n - 1) + ["b"], id=np.arange(n) * 10)


def test_from_columns_applies_snts_rules():
    seeds = Seeds.from_columns([[1, 2, 3], [4, 5, 6], [7, 8, 9]], confidence=[np.nan, -0.5, 3.0],
                               radius=[-1.0, np.nan, 2.5])
    np.testing.assert_array_equal(seeds.confidence, [1.0, 0.0, 1.0])
    np.testing.assert_array_equal(seeds.radius, [0.0, 0.0, 2.5])
    assert seeds.channel.tolist() == [-1] * 3 and seeds.type.tolist() == [""] * 3 and seeds.id.tolist() == [0, 1, 2]
    with pytest.raises(ValueError, match="finite"):
        Seeds.from_columns([[np.inf, 0, 0]])
    with pytest.raises(ValueError, match="2 values for 3 seeds"):
        Seeds.from_columns(np.zeros((3, 3)), confidence=[1, 1])


def test_filters_select_by_confidence_window_type_source_and_mark():
    seeds = _table()
    keep = seeds.filter_mask(confidence=(0.3, 0.9), types={"soma"})
    assert seeds.id[keep].tolist() == [20, 40]  # confidences 0, .2, .4, .6, .8, 1; somas at 0, .4, .8
    assert seeds.id[seeds.filter_mask(sources={"b"})].tolist() == [50]
    marked = edited(seeds, seeds.positions([10, 30]), {"mark": "reject"})
    assert marked.id[marked.filter_mask(marks={"reject"})].tolist() == [10, 30]
    assert marked.id[marked.filter_mask(marks={"none"})].tolist() == [0, 20, 40, 50]


def test_positions_find_ids_and_name_a_missing_one():
    seeds = _table().take([3, 0, 5])
    assert seeds.positions([50, 30]).tolist() == [2, 0]
    with pytest.raises(KeyError, match="7"):
        seeds.positions([30, 7])


def test_edits_are_checked_and_normalised():
    seeds = _table()
    out = edited(seeds, seeds.positions([0]), {"x": "12.5", "confidence": 7, "type": "branchpoint"})
    assert out.xyz[0, 0] == 12.5 and out.confidence[0] == 1.0 and out.type[0] == "branchpoint"
    assert seeds.xyz[0, 0] != 12.5  # the original is untouched
    with pytest.raises(ValueError, match="cannot be edited"):
        edited(seeds, [0], {"id": 3})
    with pytest.raises(ValueError, match="not a number"):
        edited(seeds, [0], {"radius": "big"})
    assert edited(seeds, [0], {"channel": "2.0"}).channel[0] == 2
    with pytest.raises(ValueError, match="not a whole number"):
        edited(seeds, [0], {"frame": "1.5"})
    with pytest.raises(ValueError, match="mark 'maybe'"):
        edited(seeds, [0], {"mark": "maybe"})


def test_top_by_confidence_and_nearest():
    seeds = _table()
    assert seeds.top_by_confidence(2).id.tolist() == [50, 40]
    i = seeds.nearest(seeds.xyz[3] + 0.1, 1.0)
    assert i == 3 and seeds.nearest(seeds.xyz[3] + 100, 1.0) is None
    assert Seeds.empty().nearest([0, 0, 0], 5) is None


def test_records_round_trip_the_columns():
    seeds = edited(_table(), [1], {"mark": "accept"})
    rec = seeds.to_records()[1]
    assert rec["id"] == 10 and rec["mark"] == "accept" and rec["type"] == "tip"
    assert MARKS[rec["mark"]] == 1
    assert seeds.summary()["types"] == {"soma": 3, "tip": 3}
