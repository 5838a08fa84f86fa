from urllib.parse import parse_qsl

import pytest

from snt_web.web.share import parse_share_args, share_query, zoomed_range

META = {"id": "p", "image_revision": 3, "shape": [10, 100, 200], "spacing": [2.0, 0.5, 0.5]}


def test_share_query_round_trips_through_parse():
    query = share_query("p", (12.5, 20.0, 8.0), zoom=4, path=7)
    args = dict(parse_qsl(query[1:]))
    assert args["project"] == "p"
    parsed = parse_share_args(args, META)
    assert parsed["cursor"] == {"z": 4, "y": 40, "x": 25, "key": "p-3"}
    assert parsed["zoom"] == 4 and parsed["path"] == 7


@pytest.mark.parametrize(
    "args, expected",
    [
        ({}, {"cursor": None, "zoom": None, "path": None}),
        ({"x": "nan", "y": "1", "z": "1"}, {"cursor": None, "zoom": None, "path": None}),
        ({"x": "abc", "zoom": "0.5", "path": "1.5"}, {"cursor": None, "zoom": None, "path": None}),
        ({"x": "1e9", "y": "-5", "z": "3", "zoom": "1e9"},
         {"cursor": {"z": 2, "y": 0, "x": 199, "key": "p-3"}, "zoom": 1000.0, "path": None}),
    ],
)
def test_bad_or_out_of_range_values_are_ignored_or_clipped(args, expected):
    assert parse_share_args(args, META) == expected


def test_zoomed_range_stays_inside_and_centres_when_it_can():
    assert zoomed_range(0, 100, 50, 4) == [37.5, 62.5]
    assert zoomed_range(0, 100, 2, 4) == [0, 25]
    assert zoomed_range(0, 100, 99, 4) == [75, 100]
