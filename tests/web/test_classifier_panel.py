"""The Classifier panel's words and chart: the background by source, a map too wide called out."""

from __future__ import annotations

import numpy as np

from snt_web.classify import check_coverage
from snt_web.web.panels.classifier import counts_figure, map_check
from snt_web.web.panels.messages import OK, WARNING


def test_the_samples_chart_splits_the_background_by_source():
    model = {"class_counts": {"SNT paths ch1": 800, "background": 4100},
             "background_counts": {"near paths": 2000, "far": 2000, "painted": 100}}
    (bars,) = counts_figure(model)["data"]
    assert dict(zip(bars["y"], bars["x"])) == {"SNT paths ch1": 800, "background: near paths": 2000,
                                               "background: far": 2000, "background: painted": 100}
    # A model trained before the sources were counted: one background bar.
    (bars,) = counts_figure({"class_counts": model["class_counts"]})["data"]
    assert bars["y"] == ["SNT paths ch1", "background"] and bars["x"] == [800, 4100]


def test_a_map_far_wider_than_the_traced_paths_is_called_out_in_plain_words():
    probability = np.zeros(1000)
    probability[:120] = 0.8
    wide = {"name": "classifier", "coverage": check_coverage(probability, 0.01).to_json()}
    text, css = map_check(wide)
    assert css == WARNING and text.startswith("Map 'classifier': The map is too wide: 12% of the voxels")
    assert "12x the 1% that the traced paths fill" in text and "out-of-bag accuracy does not show" in text
    text, css = map_check({"name": "classifier", "coverage": check_coverage(probability, 0.1).to_json()})
    assert css == OK and "covers 1.2x the share of the traced region" in text
    assert map_check(None) == ("", "snt-message") == map_check({"name": "file"})
