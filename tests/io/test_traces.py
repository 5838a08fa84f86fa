"""SNT .traces reading and writing: real files, round trips, and hostile input."""

import gzip
import io

import numpy as np
import pytest

from snt_web.io.errors import InvalidTracesError
from snt_web.io.swc import read_swc, swc_table
from snt_web.io.traces import (
    format_traces,
    normalize_color,
    parse_traces_bytes,
    read_traces,
    write_traces,
)
from snt_web.model.path import Path
from snt_web.model.tree import Tree

CIL = "snt/CIL_Dataset_#701.traces"


def _doc(body: str, spacing='x="0.5" y="0.5" z="2.0" units="µm"') -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<tracings>\n  <samplespacing {spacing}/>\n{body}\n</tracings>\n"
    ).encode("utf-8")


def _points(*xyz) -> str:
    return "".join(f'<point x="0" y="0" z="0" xd="{x}" yd="{y}" zd="{z}"/>' for x, y, z in xyz)


MAIN = f'<path id="0" name="main">{_points((0, 0, 0), (1, 0, 0), (2, 0, 0), (3, 0, 0))}</path>'


def assert_same_tree(a: Tree, b: Tree) -> None:
    """Everything the model holds, path by path."""
    assert a.spacing_xyz == b.spacing_xyz and a.units == b.units
    assert [p.id for p in a.paths] == [p.id for p in b.paths]
    for p, q in zip(a.paths, b.paths):
        for field in ("name", "swc_type", "channel", "frame", "color", "parent_id", "branch_index",
                      "fitted_id", "fitted_of", "use_fitted", "spines", "extra"):
            assert getattr(p, field) == getattr(q, field), (p.id, field)
        np.testing.assert_array_equal(p.points, q.points)
        for field in ("radii", "values", "tangents"):
            x, y = getattr(p, field), getattr(q, field)
            assert (x is None) == (y is None), (p.id, field)
            if x is not None:
                np.testing.assert_array_equal(x, y)


# --- real files ------------------------------------------------------------------
def test_every_traces_file_parses_and_round_trips(traces_file, tmp_path):
    warnings = []
    tree = read_traces(traces_file, warnings=warnings)
    assert warnings == []
    assert tree.n_nodes > 0
    write_traces(tree, tmp_path / "out.traces")
    again = read_traces(tmp_path / "out.traces")
    assert_same_tree(tree, again)
    assert again.total_length == pytest.approx(tree.total_length)


def test_cil_dataset_facts(shared_data):
    tree = read_traces(shared_data / CIL)
    assert len(tree) == 83
    assert tree.n_nodes == 5308
    assert len(tree.roots()) == 7
    assert tree.spacing_xyz == (0.169, 0.169, 1.0)
    assert tree.units == "µm"
    first = tree.path(0)
    assert first.name == "Path (0){neurite#1}" and first.tags == ["neurite#1"]
    # Written with SNT's "startx" spelling and startsindex="0".
    assert first.parent_id == 79 and first.branch_index == 0
    np.testing.assert_allclose(first.points[0], [31.539625, 27.9695, 0.0])
    np.testing.assert_array_equal(first.points[0], tree.path(79).points[0])
    assert first.color == "#ffb300" and first.frame == 1 and first.channel == 1
    assert {p.frame for p in tree.paths} >= {1, 96, 128, 160, 192}
    assert sum(len(p) for p in tree.paths if p.radii is not None) == 1092


def test_fitted_links_and_radii(shared_data):
    tree = read_traces(shared_data / "real" / "nat" / "fitted.traces")
    main, fitted, child, child_fitted = (tree.path(i) for i in range(4))
    assert (main.fitted_id, main.use_fitted, fitted.fitted_of) == (1, True, 0)
    assert (child.fitted_id, child.use_fitted, child_fitted.fitted_of) == (3, True, 2)
    assert main.radii is None and fitted.radii is not None and fitted.tangents is not None
    np.testing.assert_allclose(fitted.radii[0], 1.255176240786607)
    np.testing.assert_allclose(fitted.tangents[0], [-0.372764051, 0.745528102, 0.821159065])
    assert child.parent_id == 0 and child.branch_index == 203
    assert [p.id for p in tree.roots()] == [0]  # fitted copies are not roots
    assert tree.spacing_xyz == (0.18638202499627984, 0.18638202499627984, 0.41057953951380355)


def test_colour_none_and_fractional_spacing(shared_data):
    tree = read_traces(shared_data / "real" / "i2k2020" / "810.traces")
    assert tree.paths[0].color is None and tree.paths[0].id == 2
    assert tree.n_nodes == 334


def test_swc_to_traces_to_swc_is_unchanged(shared_data, tmp_path):
    names = ("real/app2_py/crop1.tif_x109_y200_z12_app2.swc", "real/neurom/Neuron.swc", "snt/TreeV.swc")
    for name in names:
        tree = read_swc(shared_data / name)
        write_traces(tree, tmp_path / "t.traces")
        np.testing.assert_array_equal(swc_table(read_traces(tmp_path / "t.traces")), swc_table(tree))


# --- links and attributes ---------------------------------------------------------
def test_branch_point_from_startsx_when_no_index():
    start = 'startson="0" startsx="2.1" startsy="0" startsz="0"'
    body = MAIN + f'<path id="1" {start}>{_points((2, 1, 0))}</path>'
    child = parse_traces_bytes(_doc(body)).path(1)
    assert child.parent_id == 0 and child.branch_index == 2


def test_out_of_range_index_falls_back_to_nearest_node():
    body = MAIN + f'<path id="1" startson="0" startsindex="99">{_points((0.9, 1, 0))}</path>'
    assert parse_traces_bytes(_doc(body)).path(1).branch_index == 1


def test_dangling_startson_becomes_root_with_warning():
    body = MAIN + f'<path id="1" startson="7" startsindex="0">{_points((5, 5, 0))}</path>'
    warnings = []
    tree = parse_traces_bytes(_doc(body), "d.traces", warnings=warnings)
    assert tree.path(1).parent_id is None and len(tree.roots()) == 2
    assert warnings == ["d.traces: path 1 starts on unknown path 7; it is kept as a root"]


def test_paths_starting_on_each_other_are_cut():
    body = (f'<path id="0" startson="1" startsindex="0">{_points((0, 0, 0))}</path>'
            f'<path id="1" startson="0" startsindex="0">{_points((1, 0, 0))}</path>')
    warnings = []
    tree = parse_traces_bytes(_doc(body), warnings=warnings)
    assert len(tree.roots()) == 1 and len(warnings) == 1


def test_legacy_and_unknown_elements_are_ignored():
    end = 'endson="0" endsindex="2" endsx="2" endsy="0" endsz="0"'
    body = (MAIN + f'<path id="1" {end}>{_points((9, 9, 0))}</path>'
            '<fill id="0" frompaths="0" metric="x" threshold="1"><node id="0" x="1" y="1" z="0" '
            'distance="0" status="open"/></fill>')
    tree = parse_traces_bytes(_doc(body))
    assert len(tree) == 2 and tree.path(1).parent_id is None


def test_voxel_coordinates_used_without_xd():
    body = '<path id="0"><point x="2" y="4" z="3"/><point x="3" y="4" z="3" r="1.5" v="7"/></path>'
    path = parse_traces_bytes(_doc(body)).path(0)
    np.testing.assert_allclose(path.points, [[1.0, 2.0, 6.0], [1.5, 2.0, 6.0]])
    np.testing.assert_allclose(path.radii, [0.0, 1.5])
    np.testing.assert_allclose(path.values, [0.0, 7.0])
    assert path.tangents is None


@pytest.mark.parametrize(
    "text, expected",
    [
        ("#FFB300", "#ffb300"),
        ("#ffb300ff", "#ffb300ff"),
        ("#fb0", "#ffbb00"),
        ("0x00FF00", "#00ff00"),
        ("java.awt.Color[r=255,g=0,b=16]", "#ff0010"),
        ("None", None),
        ("red", None),
        ("#12345", None),
        (None, None),
    ],
)
def test_colours_are_read_leniently(text, expected):
    assert normalize_color(text) == expected


def test_unreadable_colour_is_a_warning_not_an_error():
    warnings = []
    body = f'<path id="0" color="rgb(1,2,3)">{_points((0, 0, 0))}</path>'
    tree = parse_traces_bytes(_doc(body), warnings=warnings)
    assert tree.path(0).color is None and "rgb(1,2,3)" in warnings[0]


def test_plain_xml_is_accepted(shared_data):
    raw = gzip.decompress((shared_data / "real" / "nat" / "SinglePath.traces").read_bytes())
    assert read_traces(raw).n_nodes == 11


# --- writing ---------------------------------------------------------------------
def _example_tree() -> Tree:
    main = Path(0, [[0, 0, 0], [0.5, 0.5, 2], [1.0, 1.0, 4]], name="Main{cur:accept}", swc_type=3,
                color="#ff0000ff", channel=2, frame=3, fitted_id=2, use_fitted=True, spines=4)
    child = Path(1, [[0.5, 1.0, 2], [0.5, 2.0, 2]], parent_id=0, branch_index=1, color="#00ff00",
                 extra={"swc_type_original": 274})
    fitted = Path(2, [[0, 0.1, 0], [0.5, 0.6, 2], [1.0, 1.1, 4]], radii=[1, 2, 3], values=[5, 6, 7],
                  tangents=np.eye(3), fitted_of=0, name="Fitted & <odd> \"name\"")
    return Tree([main, child, fitted], spacing_xyz=(0.5, 0.5, 2.0), units="µm")


def test_round_trip_keeps_everything(tmp_path):
    tree = _example_tree()
    for compress in (True, False):
        write_traces(tree, tmp_path / "t.traces", compress=compress, image_shape_zyx=(3, 4, 5))
        data = (tmp_path / "t.traces").read_bytes()
        assert (data[:2] == b"\x1f\x8b") == compress
        assert_same_tree(tree, read_traces(tmp_path / "t.traces"))


def test_written_attributes_follow_snt():
    text = format_traces(_example_tree(), image_shape_zyx=(3, 4, 5))
    assert '<imagesize width="5" height="4" depth="3"/>' in text
    assert '<samplespacing x="0.5" y="0.5" z="2.0" units="µm"/>' in text
    main, child, fitted = [line for line in text.splitlines() if line.startswith("  <path ")]
    assert 'primary="true"' in main and 'usefitted="true"' in main and 'fitted="2"' in main
    assert 'name="Main{cur:accept}"' in main and 'color="#ff0000ff"' in main
    assert 'channel="2" frame="3" spines="4"' in main
    for attr in ('startson="0"', 'startx="0.5"', 'startsx="0.5"', 'startsy="0.5"', 'startsz="2.0"',
                 'startsindex="1"'):
        assert attr in child
    assert "primary" not in child and 'swctypeoriginal="274"' in child
    assert 'fittedversionof="0"' in fitted and "primary" not in fitted
    assert 'name="Fitted &amp; &lt;odd&gt; &quot;name&quot;"' in fitted
    assert '<point x="1" y="1" z="1" xd="0.5" yd="0.5" zd="2.0"/>' in text
    assert 'tx="1.0" ty="0.0" tz="0.0" r="1.0" v="5.0"/>' in text


def test_written_dtd_is_accepted_by_the_safe_parser():
    assert "<!DOCTYPE tracings" in format_traces(_example_tree())
    assert len(parse_traces_bytes(format_traces(_example_tree()).encode())) == 3


# --- hostile and broken input ----------------------------------------------------------
BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE tracings [
  <!ENTITY lol "lol">
  <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<tracings><path id="0" name="&lol3;"><point x="0" y="0" z="0"/></path></tracings>
"""

EXTERNAL = b"""<?xml version="1.0"?>
<!DOCTYPE tracings [ <!ENTITY secret SYSTEM "file:///etc/passwd"> ]>
<tracings><path id="0" name="&secret;"><point x="0" y="0" z="0"/></path></tracings>
"""


@pytest.mark.parametrize("payload", [BILLION_LAUGHS, EXTERNAL, gzip.compress(BILLION_LAUGHS)])
def test_entity_declarations_are_refused(payload):
    with pytest.raises(InvalidTracesError, match="unsafe XML"):
        read_traces(payload, name="evil.traces")


def test_gzip_bomb_is_refused_without_inflating_it():
    bomb = gzip.compress(b"<tracings>" + b" " * 5_000_000, compresslevel=9)
    assert len(bomb) < 10_000
    with pytest.raises(InvalidTracesError, match="exceeds the 1000000-byte limit"):
        read_traces(bomb, name="bomb.traces", max_bytes=1_000_000)


def test_truncated_gzip(shared_data):
    data = (shared_data / CIL).read_bytes()
    with pytest.raises(InvalidTracesError, match="truncated") as info:
        read_traces(data[: len(data) // 2], name="cut.traces")
    assert info.value.path == "cut.traces"


def test_corrupt_gzip_body():
    data = bytearray(gzip.compress(_doc(MAIN)))
    data[20:40] = b"\x00" * 20
    with pytest.raises(InvalidTracesError, match="gzip"):
        read_traces(bytes(data), name="c.traces")


@pytest.mark.parametrize(
    "payload, words",
    [
        (b"1 1 0 0 0 1 -1\n", "malformed XML"),
        (b"<tracings><path id='0'>", "malformed XML"),
        (b"<svg/>", "not an SNT tracings file"),
        (_doc('<path id="0"><point x="a" y="0" z="0"/></path>'), "path '0', point 0: non-numeric"),
        (_doc('<path id="zero">' + _points((0, 0, 0)) + "</path>"), "id='zero' is not an integer"),
        (_doc('<path id="0"><point/></path>'), "path 0, point 0 has no finite coordinates"),
        (_doc('<path id="0"><point x="0" y="0" z="0" xd="Infinity"/></path>'), "no finite coordinates"),
        (_doc(MAIN + MAIN), "path id 0 is used twice"),
        (_doc(MAIN, spacing='x="0" y="1" z="1" units="µm"'), "must be positive"),
    ],
)
def test_bad_documents_raise_clear_errors(payload, words):
    with pytest.raises(InvalidTracesError) as info:
        read_traces(io.BytesIO(payload), name="bad.traces")
    assert words in str(info.value)
    assert str(info.value).startswith("bad.traces")


def test_malformed_xml_names_the_line():
    with pytest.raises(InvalidTracesError) as info:
        read_traces(b"<tracings>\n<path id='0'>\n<point x='1' <\n</tracings>", name="l.traces")
    assert info.value.line == 3
