"""What the views draw of the seeds: a capped set, the most confident first, coloured by a column."""

from __future__ import annotations

import numpy as np
import pytest

from snt_web.seeds import Seeds
from snt_web.web.views.seed_marks import seed_colors, seed_marks


def test_past_the_cap_only_the_most_confident_are_sent():
    rng = np.random.default_rng(0)
    seeds = Seeds.from_columns(rng.uniform(0, 10, (500, 3)), confidence=rng.uniform(0, 1, 500),
                               radius=rng.uniform(0, 3, 500))
    marks = seed_marks(seeds, cap=50)
    assert (marks["n_visible"], marks["n_drawn"], len(marks["x"])) == (500, 50, 50)
    assert min(seeds.confidence[marks["id"]]) >= np.sort(seeds.confidence)[-50]
    np.testing.assert_allclose(marks["r"], seeds.radius[marks["id"]], atol=1e-4)


def test_colours_follow_confidence_type_or_source():
    seeds = Seeds.from_columns(np.zeros((4, 3)), confidence=[0, 0.5, 1, 1], type=["soma", "tip", "soma", ""],
                               source="dl")
    by_confidence = seed_colors(seeds, "confidence")
    assert by_confidence[0] == "#440154" and by_confidence[2] == by_confidence[3] == "#fde725"  # viridis ends
    by_type = seed_colors(seeds, "type")
    assert by_type[0] == by_type[2] and len(set(by_type)) == 3
    assert len(set(seed_colors(seeds, "source"))) == 1
    with pytest.raises(ValueError, match="color_by"):
        seed_colors(seeds, "size")


def test_a_table_edit_is_a_changed_editable_cell():
    from snt_web.web.panels.seeds import _edited_cells

    changes = [{"rowId": "4", "colId": "type", "oldValue": "soma", "value": "tip"},
               {"rowId": "5", "colId": "x", "oldValue": 2.0, "value": 2.0},  # typed the same value again
               {"rowId": "6", "colId": "mark", "oldValue": "none", "value": "accept"},  # not editable in the grid
               {"rowId": "7", "colId": "confidence", "oldValue": 0.5, "value": 0.25}]
    assert _edited_cells(changes) == [(4, "type", "tip"), (7, "confidence", 0.25)]
    assert _edited_cells(None) == []